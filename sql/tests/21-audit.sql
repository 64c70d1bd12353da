-- Audit (SPEC §4): triggers, log_action, get_audit_log, cleanup_old_logs, immutability.
-- Cases: user_roles ASSIGN / UPDATE / REVOKE rows with actor, old/new data and metadata (txid,
-- application_name, client_addr, db_user, caller context); tenant_quotas SET; policies CREATE /
-- UPDATE (new version, old_data = previous version) / DEACTIVATE / ACTIVATE, intent hints
-- SUPERSEDE and DELETE; no actor = BL007 and nothing written; log_action single and batched
-- (happy, BL007 per argument and entry, BL009 size limits: 64 KiB per event, 1,000 events and
-- 1 MiB per batch, BL001, nothing written);
-- get_audit_log filters, policy filter, keyset pages (complete, no duplicates), BL007 / BL001;
-- UPDATE / DELETE / TRUNCATE rejected (BL011) for the owner and the superuser, forged bypasses
-- rejected, app role has no table rights (42501); cleanup_old_logs per tenant and global.
begin;
select plan(81);

select tests.bootstrap('t1', 'alice');
select tests.bootstrap('t2', 'bob');
select tests.grant('t1', 'vera', 'viewer');
select tests.grant('t1', 'writer', 'viewer', '["audit:write"]');

-- role triggers ---------------------------------------------------------------------------
set local application_name = 'audit-test';
select beamline_internal.audit_set_context('{"request_id": "r-1"}');
set local role beamline_app;
select beamline.assign_role('t1', 'carl', 'viewer', 'alice');
select beamline.assign_role('t1', 'carl', 'operator', 'alice');
select beamline.revoke_role('t1', 'carl', 'alice');
reset role;

select results_eq(
    $$ select action::text, actor::text, target_type::text, target_id::text,
              old_data ->> 'role', new_data ->> 'role'
         from beamline.policy_audit_log where tenant_id = 't1' and target_id = 'carl' order by "timestamp" $$,
    $$ values ('ASSIGN', 'alice', 'role', 'carl', null, 'viewer'),
              ('UPDATE', 'alice', 'role', 'carl', 'viewer', 'operator'),
              ('REVOKE', 'alice', 'role', 'carl', 'operator', null) $$,
    'assign / re-assign / revoke are audited as ASSIGN / UPDATE / REVOKE with old and new rows');
select is((select count(*)::int from beamline.policy_audit_log
            where target_id = 'carl' and metadata ?& array['txid', 'application_name', 'client_addr', 'db_user']), 3,
          'metadata has txid, application_name, client_addr, db_user');
select is((select distinct (metadata ->> 'txid')::bigint from beamline.policy_audit_log where target_id = 'carl'),
          txid_current(), 'metadata txid is the writing transaction');
select is((select distinct metadata ->> 'application_name' from beamline.policy_audit_log where target_id = 'carl'),
          'audit-test', 'metadata application_name');
select is((select distinct metadata -> 'context' from beamline.policy_audit_log where target_id = 'carl'),
          '{"request_id": "r-1"}'::jsonb, 'caller context lands in metadata.context');
select is((select actor::text from beamline.policy_audit_log where target_id = 'alice' and action = 'ASSIGN'),
          'owner', 'bootstrap is audited with actor owner');
select throws_ok($$ select beamline_internal.audit_set_context('[1]') $$, 'BL007', null, 'context must be an object');
select throws_ok($$ select beamline_internal.audit_set_context(null) $$, 'BL007', null, 'context NULL: BL007');

-- ===== acting as the owner role, writing the tables directly ==============================
set local role beamline_owner;
select set_config('beamline.actor', '', true);
select tests.row_counts() as before \gset
select throws_ok($$ insert into beamline.user_roles (tenant_id, user_id, role, granted_by) values ('t1', 'ghost', 'viewer', 'x') $$,
                 'BL007', null, 'a change without an actor is refused (BL007)');
select throws_ok($$ insert into beamline.tenant_quotas (tenant_id) values ('t1') $$,
                 'BL007', null, 'a quota change without an actor is refused');
select is(tests.row_counts(), :'before'::jsonb, 'nothing written without an actor');

select beamline_internal.set_actor('ops');
insert into beamline.tenant_quotas (tenant_id, max_policies) values ('t1', 5);
update beamline.tenant_quotas set max_policies = 7 where tenant_id = 't1';
select results_eq(
    $$ select action::text, actor::text, target_type::text, target_id::text,
              (old_data ->> 'max_policies')::int, (new_data ->> 'max_policies')::int
         from beamline.policy_audit_log where target_type = 'quota' order by "timestamp" $$,
    $$ values ('SET', 'ops', 'quota', 't1', null::int, 5), ('SET', 'ops', 'quota', 't1', 5, 7) $$,
    'quota insert and update are audited as SET');

-- policies: the row operations of the policy API
insert into beamline.policies (tenant_id, policy_id, version, is_active, data, created_by, updated_by)
values ('t1', 'p1', 1, true, '{"v": 1}', 'ops', 'ops');
update beamline.policies set is_active = false where tenant_id = 't1' and policy_id = 'p1' and version = 1;
insert into beamline.policies (tenant_id, policy_id, version, is_active, data, created_by, updated_by)
values ('t1', 'p1', 2, true, '{"v": 2}', 'ops', 'ops');
select beamline_internal.audit_set_intent('t1', 'p1', 'SUPERSEDE');
update beamline.policies set is_active = false where tenant_id = 't1' and policy_id = 'p1' and version = 2;
update beamline.policies set is_active = true where tenant_id = 't1' and policy_id = 'p1' and version = 1;
select beamline_internal.audit_set_intent('t1', 'p1', 'DELETE');
update beamline.policies set is_active = false where tenant_id = 't1' and policy_id = 'p1' and version = 1;
select results_eq(
    $$ select action::text, policy_id::text, (old_data ->> 'version')::int, (new_data ->> 'version')::int,
              old_data -> 'data', new_data -> 'data'
         from beamline.policy_audit_log where target_type = 'policy' order by "timestamp" $$,
    $$ values ('CREATE', 'p1', null::int, 1, null::jsonb, '{"v": 1}'::jsonb),
              ('DEACTIVATE', 'p1', 1, 1, '{"v": 1}', '{"v": 1}'),
              ('UPDATE', 'p1', 1, 2, '{"v": 1}', '{"v": 2}'),
              ('ACTIVATE', 'p1', 1, 1, '{"v": 1}', '{"v": 1}'),
              ('DELETE', 'p1', 1, 1, '{"v": 1}', '{"v": 1}') $$,
    'policies: CREATE, DEACTIVATE, UPDATE (old = previous version), SUPERSEDE hides a flip, ACTIVATE, DELETE');
select throws_ok($$ select beamline_internal.audit_set_intent('t1', 'p1', 'EXPLODE') $$, 'BL007', null, 'unknown intent: BL007');
reset role;

-- log_action -------------------------------------------------------------------------------
set local role beamline_app;
select isnt(beamline.log_action('t1', 'writer', 'LOGIN', 'writer', '{"ip": "10.0.0.1"}'), null, 'log_action (single) returns the row id');
select is(beamline.log_action('t1', 'writer', '[{"action": "EXPORT", "target_id": "r1", "data": {"n": 1}},
                                                 {"action": "EXPORT", "policy_id": "p1"},
                                                 {"action": "IMPORT", "target_id": null}]'), 3::bigint,
          'log_action (batched) returns the count');
select is(beamline.log_action('t1', 'writer', '[]'::jsonb), 0::bigint, 'an empty batch writes nothing');
select is(beamline.log_action('t1', 'writer', (select jsonb_agg(jsonb_build_object('action', 'BULK', 'target_id', 'k' || i))
                                                 from generate_series(1, 1000) i)), 1000::bigint, 'a batch of 1,000 is accepted');
select is(beamline.log_action('t1', 'writer', (select jsonb_agg(jsonb_build_object('action', 'BULK', 'data', jsonb_build_object('pad', repeat('x', 60000))))
                                                 from generate_series(1, 16) i)), 16::bigint, 'a batch of 16 events of 60 KB (under 1 MiB) is accepted');
reset role;
select results_eq(
    $$ select action::text, actor::text, target_type::text, target_id::text, policy_id::text, new_data
         from beamline.policy_audit_log where target_type = 'app' and action <> 'BULK' order by "timestamp" $$,
    $$ values ('LOGIN', 'writer', 'app', 'writer', null, '{"ip": "10.0.0.1"}'::jsonb),
              ('EXPORT', 'writer', 'app', 'r1', null, '{"n": 1}'),
              ('EXPORT', 'writer', 'app', null, 'p1', '{}'),
              ('IMPORT', 'writer', 'app', null, null, '{}') $$,
    'application events stored with target_type app');
set local role beamline_app;
select tests.row_counts() as before \gset
select throws_ok($$ select beamline.log_action('t1', 'vera', 'LOGIN', 'vera') $$, 'BL001', null, 'log_action without audit:write: BL001');
select throws_ok($$ select beamline.log_action('t2', 'writer', '[{"action": "X"}]'::jsonb) $$, 'BL001', null, 'batched log_action in another tenant: BL001');
select throws_ok($$ select beamline.log_action(null, 'writer', 'LOGIN', 'x') $$, 'BL007', null, 'single: NULL tenant');
select throws_ok($$ select beamline.log_action('t1', null, 'LOGIN', 'x') $$, 'BL007', null, 'single: NULL actor');
select throws_ok($$ select beamline.log_action('t1', 'writer', null, 'x') $$, 'BL007', null, 'single: NULL action');
select throws_ok($$ select beamline.log_action('t1', 'writer', 'LOGIN', 'x', null) $$, 'BL007', null, 'single: NULL data');
select throws_ok($$ select beamline.log_action('t1', 'writer', 'login', 'x') $$, 'BL007', null, 'single: lower-case action');
select throws_ok($$ select beamline.log_action('t1', 'writer', 'LOGIN', 'x;y') $$, 'BL007', null, 'single: bad target id');
select throws_ok($$ select beamline.log_action('t1', 'writer', 'LOGIN', 'x', '[]') $$, 'BL007', null, 'single: data not an object');
select throws_ok($$ select beamline.log_action('t1', 'writer', 'LOGIN', 'x', '{}', 'p''1') $$, 'BL007', null, 'single: bad policy id');
select throws_ok($$ select beamline.log_action('t1', 'writer', 'LOGIN', 'x', jsonb_build_object('big', repeat('x', 70000))) $$, 'BL009', null, 'single: data over 64 KiB: BL009');
select throws_ok($$ select beamline.log_action('t1', 'writer', null::jsonb) $$, 'BL007', null, 'batched: NULL entries');
select throws_ok($$ select beamline.log_action('t1', 'writer', '{"action": "X"}'::jsonb) $$, 'BL007', null, 'batched: not an array');
select throws_ok($$ select beamline.log_action('t1', 'writer', '[{"action": "OK"}, {"action": "OK", "extra": 1}]'::jsonb) $$, 'BL007', null, 'batched: unknown key');
select throws_ok($$ select beamline.log_action('t1', 'writer', '[{"action": "OK"}, "OK"]'::jsonb) $$, 'BL007', null, 'batched: entry not an object');
select throws_ok($$ select beamline.log_action('t1', 'writer', '[{"target_id": "x"}]'::jsonb) $$, 'BL007', null, 'batched: missing action');
select throws_ok($$ select beamline.log_action('t1', 'writer', '[{"action": "OK", "target_id": 5}]'::jsonb) $$, 'BL007', null, 'batched: target id not a string');
select throws_ok($$ select beamline.log_action('t1', 'writer', '[{"action": "OK", "target_id": "é"}]'::jsonb) $$, 'BL007', null, 'batched: unicode target id');
select throws_ok($$ select beamline.log_action('t1', 'writer', (select jsonb_agg(jsonb_build_object('action', 'X')) from generate_series(1, 1001))) $$,
                 'BL009', null, 'batched: more than 1,000 entries: BL009');
select throws_ok($$ select beamline.log_action('t1', 'writer', (select jsonb_agg(jsonb_build_object('action', 'X', 'data', jsonb_build_object('pad', repeat('x', 60000))))
                                                                  from generate_series(1, 18))) $$,
                 'BL009', null, 'batched: 18 entries of 60 KB each (over 1 MiB in total): BL009');
select is(tests.row_counts(), :'before'::jsonb, 'rejected log_action calls wrote nothing');
reset role;

-- get_audit_log ----------------------------------------------------------------------------
set local role beamline_app;
select is((select count(*)::int from beamline.get_audit_log('t1', 'vera', null, '{"action": "EXPORT"}')), 2, 'filter by action');
select is((select count(*)::int from beamline.get_audit_log('t1', 'vera', null, '{"actor": "ops", "target_type": "quota"}')), 2, 'filter by actor and target type');
select is((select count(*)::int from beamline.get_audit_log('t1', 'vera', 'p1')), 6, 'filter by policy (5 changes + 1 event)');
select is((select count(*)::int from beamline.get_audit_log('t1', 'vera', null, jsonb_build_object('from', now() - interval '1 hour', 'to', now()))), 0,
          'time range before this transaction is empty');
select is((select count(*)::int from beamline.get_audit_log('t1', 'vera', null, jsonb_build_object('from', now()), 1000)), 1000, 'limit caps the page');
select is((select count(*)::int from beamline.get_audit_log('t2', 'bob', null, '{}', 1000)), 1, 'tenant t2 sees only its own rows');
reset role;

-- keyset pagination walks every row exactly once, in the stable order
create temp table pages (n int, id uuid, ts timestamptz, cursor text);
grant all on pages to public;
do $$
declare
    v_cursor text;
    v_n int := 0;
begin
    loop
        v_n := v_n + 1;
        insert into pages select v_n, g.id, g."timestamp", g.cursor
          from beamline.get_audit_log('t1', 'alice', null, '{}', 997, v_cursor) g;
        exit when not found;
        select p.cursor into v_cursor from pages p where p.n = v_n order by p.ts, p.id limit 1;
    end loop;
end $$;
select is((select count(*)::int from pages), (select count(*)::int from beamline.policy_audit_log where tenant_id = 't1'), 'pages cover every row');
select is((select count(distinct id)::int from pages), (select count(*)::int from pages), 'no row appears twice');
select ok((select bool_and(ok) from (select (ts, id) < lag((ts, id)) over (order by n, ts desc, id desc) or lag(id) over (order by n, ts desc, id desc) is null as ok from pages) s),
          'rows come in ("timestamp", id) descending order across pages');

set local role beamline_app;
select throws_ok($$ select * from beamline.get_audit_log('t1', 'nobody') $$, 'BL001', null, 'get_audit_log without audit:read: BL001');
select throws_ok($$ select * from beamline.get_audit_log('t2', 'alice') $$, 'BL001', null, 'get_audit_log in another tenant: BL001');
select throws_ok($$ select * from beamline.get_audit_log(null, 'alice') $$, 'BL007', null, 'get_audit_log NULL tenant');
select throws_ok($$ select * from beamline.get_audit_log('t1', null) $$, 'BL007', null, 'get_audit_log NULL actor');
select throws_ok($$ select * from beamline.get_audit_log('t1', 'alice', null, null) $$, 'BL007', null, 'get_audit_log NULL filters');
select throws_ok($$ select * from beamline.get_audit_log('t1', 'alice', null, '{}', null) $$, 'BL007', null, 'get_audit_log NULL limit');
select throws_ok($$ select * from beamline.get_audit_log('t1', 'alice', null, '{}', 0) $$, 'BL007', null, 'get_audit_log limit 0');
select throws_ok($$ select * from beamline.get_audit_log('t1', 'alice', null, '{}', 1001) $$, 'BL007', null, 'get_audit_log limit 1001');
select throws_ok($$ select * from beamline.get_audit_log('t1', 'alice', null, '{}', 10, 'garbage') $$, 'BL007', null, 'get_audit_log bad cursor');
select throws_ok($$ select * from beamline.get_audit_log('t1', 'alice', null, '{"colour": "red"}') $$, 'BL007', null, 'get_audit_log unknown filter');
select throws_ok($$ select * from beamline.get_audit_log('t1', 'alice', null, '{"from": "yesterday-ish"}') $$, 'BL007', null, 'get_audit_log bad timestamp');
select throws_ok($$ select * from beamline.get_audit_log('t1', 'alice', null, '{"actor": 5}') $$, 'BL007', null, 'get_audit_log non-string filter');
select throws_ok($$ select * from beamline.get_audit_log('t1', 'alice', 'p;1') $$, 'BL007', null, 'get_audit_log bad policy id');
select throws_ok($$ select * from beamline.get_audit_log('t1', 'alice', null, '{"target_type": "file"}') $$, 'BL007', null, 'get_audit_log bad target type');

-- ===== immutability: the app role has no table rights at all ==============================
select throws_ok($$ update beamline.policy_audit_log set actor = 'x' $$, '42501', null, 'app role: UPDATE denied by privileges');
select throws_ok($$ delete from beamline.policy_audit_log $$, '42501', null, 'app role: DELETE denied by privileges');
reset role;

-- ===== the owner role: rejected by the triggers ==========================================
set local role beamline_owner;
select throws_ok($$ update beamline.policy_audit_log set actor = 'x' $$, 'BL011', null, 'owner: UPDATE rejected (BL011)');
select throws_ok($$ delete from beamline.policy_audit_log $$, 'BL011', null, 'owner: DELETE rejected (BL011)');
select throws_ok($$ truncate beamline.policy_audit_log $$, 'BL011', null, 'owner: TRUNCATE rejected (BL011)');
select throws_ok($$ do $d$ begin perform set_config('beamline.cleanup', 'on', true); delete from beamline.policy_audit_log a where a."timestamp" < now() and (true or a.tenant_id = 't1'); end $d$ $$,
                 'BL011', null, 'owner: a DO block imitating cleanup is rejected');
select throws_ok($$ do $d$ declare v_all boolean := true; p_tenant text; begin delete from beamline.policy_audit_log a using beamline_internal.audit_chain_anchors c where c.tenant_id = a.tenant_id and c.lane = a.lane and a.seq <= c.seq and (v_all or a.tenant_id = p_tenant); end $d$ $$,
                 'BL011', null, 'owner: the exact cleanup statement outside cleanup_old_logs is rejected');
reset role;
-- ===== the superuser running the tests ===================================================
select throws_ok($$ delete from beamline.policy_audit_log where tenant_id = 't1' $$, 'BL011', null, 'superuser: DELETE rejected (BL011)');

-- cleanup_old_logs -------------------------------------------------------------------------
set local role beamline_owner;
select beamline_internal.set_actor('ops');
-- backdated rows start the chains of t3 and t4 (a cleanup removes a prefix of each chain)
insert into beamline.policy_audit_log (tenant_id, target_type, action, actor, "timestamp")
select t, 'app', 'OLD', 'ops', now() - interval '100 days' from unnest(array['t3', 't3', 't4']) t;
reset role;
select tests.bootstrap('global', 'root');
select tests.grant('t3', 'alice', 'admin');
set local role beamline_app;
select throws_ok($$ select beamline.cleanup_old_logs('90 days', 'vera', 't3') $$, 'BL001', null, 'cleanup without audit:manage: BL001');
select throws_ok($$ select beamline.cleanup_old_logs('90 days', 'alice') $$, 'BL001', null, 'global cleanup needs audit:manage in tenant global');
select throws_ok($$ select beamline.cleanup_old_logs(null, 'alice', 't1') $$, 'BL007', null, 'cleanup NULL interval: BL007');
select throws_ok($$ select beamline.cleanup_old_logs('-1 day', 'alice', 't1') $$, 'BL007', null, 'cleanup negative interval: BL007');
select throws_ok($$ select beamline.cleanup_old_logs('90 days', null, 't1') $$, 'BL007', null, 'cleanup NULL actor: BL007');
select is(beamline.cleanup_old_logs('90 days', 'alice', 't3'), 2::bigint, 'cleanup deletes the old rows of one tenant');
select is(beamline.cleanup_old_logs('90 days', 'root'), 1::bigint, 'global cleanup deletes the rest');
reset role;
select is((select count(*)::int from beamline.policy_audit_log where action = 'OLD'), 0, 'old rows are gone');
select is((select count(*)::int from beamline.policy_audit_log where action = 'CLEANUP'), 2, 'each cleanup is itself audited');

select * from finish();
rollback;
