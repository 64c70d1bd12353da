-- Audit integrity (issue 11, "History and audit integrity").
-- Cases:
--   every change is audited: register_schema (a tenant's policy schema replaced) writes a
--   'schema' REGISTER row with the old and new version (re-registering the same schema writes
--   nothing); update_state without a history entry writes a 'state' UPDATE row (tenant
--   devstate) with the old and new checksum; a refused update_state writes no audit row.
--   hash chain: every row gets seq 1, 2, ... per tenant, prev_hash and row_hash; the chain and
--   an exported head verify; the tamper attacks a superuser can make with the triggers off are
--   found at their position: an edited row (bad hash), an edited row whose own hash was
--   recomputed (bad link at the next), a deleted middle row (missing rows), a row inserted in
--   the middle with the later rows renumbered (bad hash), a deleted tail (truncated, from the
--   recorded head; with the head row rewritten too, only from an exported head), a whole chain
--   rewritten from row 2 on (passes without an external head, "unexpected head" with one);
--   the owner inserting rows with chain values of its own (a made-up hash, a skipped seq) is
--   refused (BL008) and writes nothing;
--   cleanup_old_logs keeps the rest verifiable (anchor), an exported head older than the
--   cleanup is reported, not failed; audit:read is needed (BL001), a bad head is BL007.
--   the canonical message (docs/AUDIT.md, version 1): two known answers computed outside
--   PostgreSQL (Python hashlib over the documented netstrings), one with NULL fields and
--   multi-byte text, so a rewrite of audit_row_hash cannot change its output unnoticed.
begin;
select plan(42);

-- canonical message, known answers ----------------------------------------------------------
select is(beamline_internal.audit_row_hash('t1', 7, repeat('a', 64), 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'policy', 'p1', 'p1',
              'UPDATE', 'alice', '{"a": 1}', '{"b": "ü€"}', '{"txid": 5}', '2026-02-03 04:05:06.789+01'),
          '45ce17f48cea2f8134fb974dc4ed126a9ea76aa39b7602f8cac57185c1c33624', 'audit_row_hash: known answer (multi-byte text, a non-UTC timestamp)');
select is(beamline_internal.audit_row_hash('t1', 1, repeat('0', 64), 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'app', null, null,
              'DEPLOY', 'bob', null, null, '{}', '2026-12-31 23:59:59.999999+00'),
          'dfc663a8d7f6861602a1ff1d6553defdd84e3da2901b963f5428823e9f544cf0', 'audit_row_hash: known answer (NULL fields written as "-,")');

select tests.bootstrap('t1', 'alice');
select tests.bootstrap('devstate', 'dana');

-- register_schema is audited -----------------------------------------------------------------
set local role beamline_app;
select is(beamline.register_schema('t1', 'policy/default', '{"type": "object"}', 'alice'), 1, 'alice registers an override');
select is(beamline.register_schema('t1', 'policy/default', '{"type": "object", "required": ["providers"]}', 'alice'), 2, 'and replaces it');
select is(beamline.register_schema('t1', 'policy/default', '{"type": "object", "required": ["providers"]}', 'alice'), 2, 'the same schema again is a no-op');
reset role;
select results_eq(
    $$ select action::text, actor::text, target_id::text, (old_data ->> 'version')::int, (new_data ->> 'version')::int, new_data -> 'schema'
         from beamline.policy_audit_log where tenant_id = 't1' and target_type = 'schema' order by "timestamp", id $$,
    $$ values ('REGISTER', 'alice', 'policy/default', null::int, 1, '{"type": "object"}'::jsonb),
              ('REGISTER', 'alice', 'policy/default', 1, 2, '{"type": "object", "required": ["providers"]}'::jsonb) $$,
    'each schema change has a REGISTER audit row with old and new version; the no-op has none');

-- update_state is audited, with or without a history entry --------------------------------------
set local role beamline_app;
select lives_ok($$ select devstate.update_state('{"project": "p"}', 'dana') $$, 'update_state without a history entry');
reset role;
select is((select count(*)::int from beamline.policy_audit_log where tenant_id = 'devstate' and target_type = 'state'), 1,
          'it wrote one state audit row');
select results_eq(
    $$ select action::text, actor::text, target_id::text, new_data ->> 'checksum', (new_data -> 'json') ->> 'project'
         from beamline.policy_audit_log where tenant_id = 'devstate' and target_type = 'state' $$,
    $$ select 'UPDATE', 'dana', 'state', checksum, 'p' from devstate.state_current $$,
    'the state row names the actor, the new checksum and the new document');
select is((select old_data ->> 'checksum' from beamline.policy_audit_log where tenant_id = 'devstate' and target_type = 'state'),
          beamline_internal.devstate_state_checksum(beamline_internal.devstate_initial_state()), 'and the old checksum');
set local role beamline_app;
select tests.row_counts() as before \gset
select throws_ok($$ select devstate.update_state('{"version": "x"}', 'dana') $$, 'BL004', null, 'an invalid state is refused');
select is(tests.row_counts(), :'before'::jsonb, 'and wrote nothing, no audit row either');
reset role;

-- hash chain -------------------------------------------------------------------------------------
set local role beamline_app;
select lives_ok($$ select beamline.log_action('t1', 'alice', 'EVENT', 'e' || g, jsonb_build_object('n', g)) from generate_series(1, 6) g $$,
                'six application events in t1');
reset role;
select is((select array_agg(seq order by seq) from beamline.policy_audit_log where tenant_id = 't1'),
          (select array_agg(g::bigint) from generate_series(1, (select count(*) from beamline.policy_audit_log where tenant_id = 't1')::int) g),
          't1''s rows are numbered 1..n without gaps');
select is((select prev_hash from beamline.policy_audit_log where tenant_id = 't1' and seq = 1), repeat('0', 64), 'seq 1 links to 64 zeros');
select is((select count(*)::int from beamline.policy_audit_log a join beamline.policy_audit_log b
             on b.tenant_id = a.tenant_id and b.seq = a.seq + 1 where a.tenant_id = 't1' and b.prev_hash <> a.row_hash), 0,
          'each row links to the row before');
select beamline.audit_chain_head('t1', 'alice') as head \gset
select is((:'head'::jsonb #>> '{lanes,0,seq}')::int, (select max(seq)::int from beamline.policy_audit_log where tenant_id = 't1'), 'the exported head is the last row');
set local role beamline_app;
select is(beamline.verify_audit_chain('t1', 'alice') ->> 'ok', 'true', 'the chain verifies');
select is(beamline.verify_audit_chain('t1', 'alice', :'head') - 'lanes' - 'checked' - 'tenant',
          '{"ok": true, "expected_head": "found"}', 'and contains the exported head');
select throws_ok($$ select beamline.verify_audit_chain('t1', 'vera') $$, 'BL001', null, 'verify needs audit:read');
select throws_ok($$ select beamline.audit_chain_head('t2', 'alice') $$, 'BL001', null, 'the head needs audit:read in that tenant');
select throws_ok($$ select beamline.verify_audit_chain('t1', 'alice', '{"seq": "x"}') $$, 'BL007', null, 'a malformed expected head is BL007');
reset role;
select max(seq) as last from beamline.policy_audit_log where tenant_id = 't1' \gset

-- ===== the owner inserting rows with chain values of its own: refused, nothing written =====
select tests.row_counts() as before_forge \gset
set local role beamline_owner;
select beamline_internal.set_actor('ops');
select throws_ok(format($$ insert into beamline.policy_audit_log (tenant_id, target_type, action, actor, seq, prev_hash, row_hash)
                          values ('t1', 'app', 'FORGED', 'ops', %s, repeat('a', 64), repeat('b', 64)) $$, :last + 1),
                 'BL008', null, 'a row with a made-up hash is refused (BL008)');
select throws_ok(format($$ insert into beamline.policy_audit_log (id, tenant_id, target_type, action, actor, metadata, "timestamp", seq, prev_hash, row_hash)
                          select i.id, 't1', 'app', 'FORGED', 'ops', '{}', i.ts, %s, h.head_hash,
                                 beamline_internal.audit_row_hash('t1', %s, h.head_hash, i.id, 'app', null, null, 'FORGED', 'ops', null, null, '{}', i.ts)
                            from beamline_internal.audit_chain_heads h, (select gen_random_uuid() as id, now() as ts) i where h.tenant_id = 't1' $$, :last + 2, :last + 2),
                 'BL008', null, 'a correctly hashed row that skips a seq is refused (BL008)');
reset role;
select is(tests.row_counts(), :'before_forge'::jsonb, 'nothing was written');

-- ===== attacks as the superuser, triggers off =====
savepoint attack;
set local session_replication_role = replica;
update beamline.policy_audit_log set new_data = '{"n": 99}' where tenant_id = 't1' and seq = 5;
select is(beamline.verify_audit_chain('t1', 'alice') - 'lanes' - 'checked' - 'tenant' - 'id',
          '{"ok": false, "lane": 0, "seq": 5, "reason": "bad hash"}', 'an edited row: bad hash at its seq');
rollback to savepoint attack;

set local session_replication_role = replica;
update beamline.policy_audit_log a set new_data = '{"n": 99}',
       row_hash = beamline_internal.audit_row_hash(a.tenant_id, a.seq, a.prev_hash, a.id, a.target_type, a.policy_id, a.target_id,
                      a.action, a.actor, a.old_data::text, '{"n": 99}', a.metadata::text, a."timestamp")
 where tenant_id = 't1' and seq = 5;
select is(beamline.verify_audit_chain('t1', 'alice') - 'lanes' - 'checked' - 'tenant' - 'id',
          '{"ok": false, "lane": 0, "seq": 6, "reason": "bad link"}', 'an edited row with its hash recomputed: bad link at the next');
rollback to savepoint attack;

set local session_replication_role = replica;
delete from beamline.policy_audit_log where tenant_id = 't1' and seq = 4;
select is(beamline.verify_audit_chain('t1', 'alice') - 'lanes' - 'checked' - 'tenant' - 'id',
          '{"ok": false, "lane": 0, "seq": 5, "reason": "missing rows"}', 'a deleted middle row: missing rows at the next');
rollback to savepoint attack;

set local session_replication_role = replica;
update beamline.policy_audit_log set seq = seq + 1000000 where tenant_id = 't1' and seq >= 4;
update beamline.policy_audit_log set seq = seq - 999999 where tenant_id = 't1' and seq > 1000000;
insert into beamline.policy_audit_log (id, tenant_id, target_type, action, actor, new_data, metadata, "timestamp", lane, seq, prev_hash, row_hash)
select i.id, 't1', 'app', 'FORGED', 'alice', '{}', '{}', i.ts, 0, 4, p.row_hash,
       beamline_internal.audit_row_hash('t1', 4, p.row_hash, i.id, 'app', null, null, 'FORGED', 'alice', null, '{}', '{}', i.ts)
  from beamline.policy_audit_log p, (select gen_random_uuid() as id, now() as ts) i
 where p.tenant_id = 't1' and p.seq = 3;
select is(beamline.verify_audit_chain('t1', 'alice') - 'lanes' - 'checked' - 'tenant' - 'id',
          '{"ok": false, "lane": 0, "seq": 5, "reason": "bad hash"}', 'a row inserted in the middle, later rows renumbered: bad hash at the first moved row');
rollback to savepoint attack;

set local session_replication_role = replica;
delete from beamline.policy_audit_log where tenant_id = 't1' and seq > :last - 2;
select is(beamline.verify_audit_chain('t1', 'alice') - 'lanes' - 'checked' - 'tenant' - 'id',
          jsonb_build_object('ok', false, 'lane', 0, 'seq', :last, 'reason', 'truncated'), 'a deleted tail: truncated (the recorded head)');
update beamline_internal.audit_chain_heads h set seq = a.seq, head_hash = a.row_hash
  from beamline.policy_audit_log a where h.tenant_id = 't1' and h.lane = 0 and a.tenant_id = 't1' and a.lane = 0 and a.seq = :last - 2;
select is(beamline.verify_audit_chain('t1', 'alice') ->> 'ok', 'true',
          'a deleted tail with the head row rewritten passes without an external head (the stated limit)');
select is(beamline.verify_audit_chain('t1', 'alice', :'head') - 'lanes' - 'checked' - 'tenant' - 'id',
          jsonb_build_object('ok', false, 'lane', 0, 'seq', :last, 'reason', 'truncated'), 'but not with the exported head: truncated');
rollback to savepoint attack;

set local session_replication_role = replica;
do $rewrite$
declare
    v_prev text;
    v_row record;
begin
    update beamline.policy_audit_log set new_data = '{"rewritten": true}' where tenant_id = 't1' and seq = 2;
    select row_hash into v_prev from beamline.policy_audit_log where tenant_id = 't1' and seq = 1;
    for v_row in select * from beamline.policy_audit_log where tenant_id = 't1' and seq >= 2 order by seq loop
        v_prev := beamline_internal.audit_row_hash(v_row.tenant_id, v_row.seq, v_prev, v_row.id, v_row.target_type, v_row.policy_id,
            v_row.target_id, v_row.action, v_row.actor, v_row.old_data::text, v_row.new_data::text, v_row.metadata::text, v_row."timestamp");
        update beamline.policy_audit_log a
           set prev_hash = (select row_hash from beamline.policy_audit_log p where p.tenant_id = 't1' and p.seq = v_row.seq - 1),
               row_hash = v_prev
         where a.id = v_row.id;
    end loop;
    update beamline_internal.audit_chain_heads set head_hash = v_prev where tenant_id = 't1' and lane = 0;
end
$rewrite$;
select is(beamline.verify_audit_chain('t1', 'alice') ->> 'ok', 'true',
          'a whole chain rewritten (with the head row) passes without an external head (the stated limit)');
select is(beamline.verify_audit_chain('t1', 'alice', :'head') - 'lanes' - 'checked' - 'tenant' - 'id',
          jsonb_build_object('ok', false, 'lane', 0, 'seq', :last, 'reason', 'unexpected head'), 'but not with the exported head: unexpected head');
rollback to savepoint attack;
set local session_replication_role = origin;
select is(beamline.verify_audit_chain('t1', 'alice') ->> 'ok', 'true', 'after the attacks are undone the chain verifies again');

-- cleanup keeps the rest verifiable ----------------------------------------------------------------
set local role beamline_owner;
select beamline_internal.set_actor('ops');
insert into beamline.policy_audit_log (tenant_id, target_type, action, actor, "timestamp")
select 't5', 'app', 'OLD', 'ops', now() - interval '100 days' from generate_series(1, 3);
reset role;
select beamline.audit_chain_head('t1', 'alice') - 'tenant' as t1_head \gset
select tests.grant('t5', 'alice', 'admin');
select beamline.audit_chain_head('t5', 'alice') as old_head \gset
set local role beamline_app;
select lives_ok($$ select beamline.log_action('t5', 'alice', 'EVENT', 'x') $$, 'a new event in t5');
select is(beamline.cleanup_old_logs('90 days', 'alice', 't5'), 3::bigint, 'cleanup removes the three old rows of t5');
select is((select (v -> 'lanes' -> 0) - 'head' - 'checked' - 'last_seq' - 'lane' || jsonb_build_object('ok', v -> 'ok')
             from beamline.verify_audit_chain('t5', 'alice') v),
          '{"ok": true, "first_seq": 4, "anchor_seq": 3}', 't5 verifies after the cleanup, from its anchor');
select is(beamline.verify_audit_chain('t5', 'alice', :'old_head') ->> 'ok', 'true', 'a head exported before the cleanup is still in the chain');
select is(beamline.verify_audit_chain('t5', 'alice', '{"seq": 2, "head": "0000000000000000000000000000000000000000000000000000000000000000"}') ->> 'expected_head',
          'removed by cleanup', 'a head older than the cleanup cannot be checked and says so');
select is(beamline.verify_audit_chain('t1', 'alice', :'t1_head') ->> 'ok', 'true', 't1 is untouched by t5''s cleanup');
reset role;
set local session_replication_role = replica;
delete from beamline.policy_audit_log where tenant_id = 't5' and seq = 4;
select is(beamline.verify_audit_chain('t5', 'alice') - 'lanes' - 'checked' - 'tenant' - 'id',
          '{"ok": false, "lane": 0, "seq": 5, "reason": "missing rows"}', 'deleting the first row after the anchor is found');
set local session_replication_role = origin;

select * from finish();
rollback;
