-- Settings a caller can preset never change a rule (issue 11). The application role SETs, in its
-- own transaction, every beamline.* setting our functions read or used to read -- except
-- beamline.jsonschema_* (the validation cache) and beamline.hmac_* (the key transport), which
-- have their own tests -- to hostile values before calling:
--   beamline.max_document_bytes / max_document_depth  huge (were limits: a 2 MB policy and a
--                                                      40-deep document were stored)
-- and sends documents small in binary form but over the size limit as text (huge-exponent
-- numbers: 1e100000 is a few bytes of jsonb and 100,001 characters of JSON).
--   beamline.audit_context    a forged ticket/approver with 5 MB of padding, and non-JSON text
--   beamline.actor            another actor ('mallory')
--   beamline.audit_intent     'SUPERSEDE ...' / 'DELETE ...' of the policy it then deactivates
--   beamline.notify_done      on (it silenced the commit-time invalidation)
-- Cases:
--   * limits: put_policy / validate / update_state / append_history / import_begin refuse an
--     over-size (also: over-size only as text) or over-deep document with BL009 and write nothing; the limits come from
--     beamline_admin.set_setting (owner only: the app role can neither execute it nor write
--     the settings table; BL007 for a bad value);
--   * audit context: audit rows written under a forged setting carry no context; the owner's
--     audit_set_context still works; its 4 KiB cap holds;
--   * actor and intent: the audit rows name the API's actor and the real action, and the change
--     log records every deactivation;
--   * notify_done / early fire: the trigger, fired by SET CONSTRAINTS IMMEDIATE, does not keep
--     the notifier row;
--   * every API function (from the catalog, so new ones are covered), called with every jsonb
--     argument over the size limit, over it only as text, and over the depth limit, all settings hostile: no
--     jsonb value in any of our tables is then over a limit, no audit row names 'mallory' or
--     carries a context.
begin;
select plan(36);

select tests.bootstrap('t1', 'alice');
select tests.bootstrap('devstate', 'alice');
select pg_catalog.set_config('beamline.hmac_secret', 'pgtap-test-key', true) is not null as key_set \gset

create temp table hostile as select
    '{"providers":[{"id":"a","weight":1}],"rules":[]}'::jsonb as small_doc,
    pg_catalog.jsonb_build_object('providers', pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
        'id', 'a', 'weight', 1, 'metadata', pg_catalog.jsonb_build_object('pad', pg_catalog.repeat('x', 2 * 1024 * 1024)))),
        'rules', '[]'::jsonb) as big_doc,
    ('{"providers":[{"id":"a","weight":1,"metadata":' || pg_catalog.repeat('[', 40) || pg_catalog.repeat(']', 40) || '}],"rules":[]}')::jsonb as deep_doc,
    -- small in binary form, 2 MB as JSON text: a jsonb number keeps its exponent, its text has
    -- every digit (the size check once trusted the binary size: helper review, 2026-12-03)
    pg_catalog.jsonb_build_object('providers', pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
        'id', 'a', 'weight', 1, 'metadata', (select pg_catalog.jsonb_agg('1e100000'::jsonb) from pg_catalog.generate_series(1, 20)))),
        'rules', '[]'::jsonb) as wide_doc,
    pg_catalog.jsonb_build_object('ticket', 'FORGED-1', 'approver', 'ceo', 'pad', pg_catalog.repeat('x', 5 * 1024 * 1024))::text as forged_context;
grant select on hostile to public;

-- The hostile presets, as one statement to repeat (each API call may consume or reset some).
create function pg_temp.preset_hostile() returns void language sql as $$
    select pg_catalog.set_config('beamline.max_document_bytes', '2000000000', true),
           pg_catalog.set_config('beamline.max_document_depth', '100000', true),
           pg_catalog.set_config('beamline.audit_context', (select forged_context from hostile), true),
           pg_catalog.set_config('beamline.actor', 'mallory', true),
           pg_catalog.set_config('beamline.notify_done', 'on', true);
$$;
grant execute on function pg_temp.preset_hostile() to public;

-- ===== as the application role: limits =====
set local role beamline_app;
select pg_temp.preset_hostile();
select tests.row_counts() as counts_before \gset

select throws_ok($$select beamline.put_policy('t1', 'big', (select big_doc from hostile), 'alice')$$, 'BL009', null,
                 'put_policy: a 2 MB policy with max_document_bytes preset to 2 GB is BL009');
select throws_ok($$select beamline.put_policy('t1', 'deep', (select deep_doc from hostile), 'alice')$$, 'BL009', null,
                 'put_policy: a 40-deep policy with max_document_depth preset to 100000 is BL009');
select throws_ok($$select beamline.validate('true', (select deep_doc from hostile))$$, 'BL009', null,
                 'validate: a 40-deep document is BL009 whatever the session says');
select throws_ok($$select devstate.update_state((select deep_doc from hostile), 'alice')$$, 'BL009', null,
                 'update_state: a 40-deep patch is BL009');
select throws_ok($$select devstate.append_history(pg_catalog.jsonb_build_object('action', 'a', 'metadata', (select big_doc from hostile)), 'alice')$$,
                 'BL009', null, 'append_history: 2 MB of metadata is BL009');
select ok((select pg_catalog.pg_column_size(wide_doc) < 2048 and pg_catalog.octet_length(wide_doc::text) > 2000000 from hostile),
          'the wide document: under 2 KB in binary form, over 2 MB as text');
select throws_ok($$select beamline.put_policy('t1', 'wide', (select wide_doc from hostile), 'alice')$$, 'BL009', null,
                 'put_policy: a policy of 2 MB of JSON text in huge-exponent numbers is BL009');
select throws_ok($$select beamline.validate('true', (select wide_doc from hostile))$$, 'BL009', null,
                 'validate: the wide document is BL009');
select throws_ok($$select devstate.update_state((select wide_doc from hostile), 'alice')$$, 'BL009', null,
                 'update_state: the wide document as a patch is BL009');
select throws_ok($$select devstate.append_history(pg_catalog.jsonb_build_object('action', 'a', 'metadata', (select wide_doc from hostile)), 'alice')$$,
                 'BL009', null, 'append_history: the wide document as metadata is BL009');
select is(tests.row_counts(), :'counts_before'::jsonb, 'the rejected calls wrote nothing');

-- ===== the limits are the owner's =====
select throws_ok($$select beamline_admin.set_setting('max_document_bytes', '2000000000')$$, '42501', null,
                 'the app role cannot execute beamline_admin.set_setting');
select throws_ok($$update beamline_internal.settings set max_document_depth = 100000$$, '42501', null,
                 'the app role cannot write the settings table');
reset role;
select is(beamline_admin.set_setting('max_document_depth', '3') ->> 'max_document_depth', '3', 'the owner lowers the depth limit');
select throws_ok($$select beamline_admin.set_setting('max_document_depth', '100000')$$, 'BL007', null, 'out of range: BL007');
select throws_ok($$select beamline_admin.set_setting('search_path', '1')$$, 'BL007', null, 'not a setting: BL007');
set local role beamline_app;
select throws_ok($$select beamline.validate('true', '{"a": [{"b": []}]}')$$, 'BL009', null, 'the owner''s limit applies to the app role');
reset role;
select is(beamline_admin.set_setting('max_document_depth', '32') ->> 'max_document_depth', '32', 'the owner restores it');

-- ===== as the application role: audit context, actor, intent =====
set local role beamline_app;
select pg_temp.preset_hostile();
select lives_ok($$select beamline.put_policy('t1', 'p1', (select small_doc from hostile), 'alice')$$, 'a write under forged settings succeeds');
select lives_ok($$select beamline.put_policy('t1', 'p2', (select small_doc from hostile), 'alice')$$, 'a second policy');
select lives_ok($$select beamline.log_action('t1', 'alice', 'DEPLOY', 'x', '{"n": 1}')$$, 'log_action under forged settings');
select pg_catalog.set_config('beamline.audit_intent', 'DELETE t1 p1', true) is not null as intent_set \gset
select lives_ok($$select beamline.deactivate_policy('t1', 'p1', 'alice')$$, 'deactivate p1 under a forged DELETE intent');
select pg_catalog.set_config('beamline.audit_intent', 'SUPERSEDE t1 p2', true) is not null as intent_set \gset
select lives_ok($$select beamline.deactivate_policy('t1', 'p2', 'alice')$$, 'deactivate p2 under a forged SUPERSEDE intent');
reset role;

select is(array(select (a.action || ' ' || a.policy_id)::text from beamline.policy_audit_log a
                 where a.tenant_id = 't1' and a.policy_id in ('p1', 'p2') order by a.timestamp, a.id),
          array['CREATE p1', 'CREATE p2', 'DEACTIVATE p1', 'DEACTIVATE p2'],
          'the audit names the real actions (a preset intent neither turns a deactivation into a DELETE nor hides it)');
select is(array(select c.object_id || ' ' || c.op || ' ' || c.version from beamline.change_log c
                 where c.tenant_id = 't1' and c.kind = 'policy' and c.object_id in ('p1', 'p2') order by c.id),
          array['p1 insert 1', 'p2 insert 1', 'p1 update 1', 'p2 update 1'],
          'the change log has both deactivations (a preset SUPERSEDE intent does not hide one from the caches)');
select is(array(select distinct a.actor::text from beamline.policy_audit_log a where a.tenant_id = 't1' and a.actor <> 'owner' order by 1),
          array['alice'], 'every audit row names the API''s actor, not the preset one');
select is((select pg_catalog.count(*)::int from beamline.policy_audit_log a
            where a.metadata ?| array['context', 'context_raw']),
          0, 'no audit row carries the forged context');
select cmp_ok((select pg_catalog.max(pg_catalog.octet_length(a.metadata::text)) from beamline.policy_audit_log a), '<', 4096,
              'no audit metadata is near the 4 KiB context cap');

-- the owner's audit_set_context still works, and its cap holds
select throws_ok($$select beamline_internal.audit_set_context(pg_catalog.jsonb_build_object('pad', pg_catalog.repeat('x', 5000)))$$,
                 'BL007', null, 'audit_set_context: over 4 KiB is BL007');
select beamline_internal.audit_set_context('{"ticket": "T-1"}') is null as context_set \gset
set local role beamline_app;
select pg_catalog.set_config('beamline.audit_context', (select forged_context from hostile), true) is not null as forged \gset
select lives_ok($$select beamline.log_action('t1', 'alice', 'DEPLOY', 'y', '{"n": 2}')$$, 'log_action after the owner set a context');
reset role;
select is((select a.metadata -> 'context' from beamline.policy_audit_log a where a.target_id = 'y'), '{"ticket": "T-1"}'::jsonb,
          'the context set with audit_set_context is recorded, not the preset one');

-- ===== notify_done =====
-- The commit-time trigger fires at SET CONSTRAINTS ... IMMEDIATE. Fired early, it must not keep
-- the notifier row (the other writers would rely on a transaction that is not committing); it
-- signals on its own at commit instead. That the signal is sent, with notify_done preset and
-- under an early fire, is proven end to end by tests/integration/test_invalidation_attacks.py.
set local role beamline_app;
select pg_catalog.set_config('beamline.notify_done', 'on', true) is not null as notify_preset \gset
set constraints beamline.change_log__notify immediate;
reset role;
select ok((select n.xmax::text from beamline_internal.notifier n) <> (pg_catalog.pg_current_xact_id()::text::bigint & 4294967295)::text,
          'fired early (SET CONSTRAINTS ... IMMEDIATE), the change trigger does not keep the notifier row');
select ok((select pg_catalog.count(*) from beamline.change_log c where c.xid = pg_catalog.pg_current_xact_id()) > 0,
          'this transaction has change rows (the trigger had events to fire)');

-- ===== every API function, every jsonb argument over a limit, every setting hostile =====
create temp table hostile_calls (fn text, kind text, sqlstate text);
grant insert on hostile_calls to public;
set local role beamline_app;
do $drive$
declare
    v_fn    record;
    v_kind  text;
    v_args  text;
    v_state text;
begin
    foreach v_kind in array array['big', 'deep', 'wide'] loop
        for v_fn in
            select n.nspname::text as nsp, p.proname::text as proname, p.oid,
                   p.proargtypes::oid[] as types, p.proargnames as names
              from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
             where n.nspname in ('beamline', 'devstate')
               and pg_catalog.has_function_privilege('beamline_app', p.oid, 'EXECUTE')
             order by p.proname, p.oid
        loop
            select pg_catalog.string_agg(
                       case t.typname
                           when 'jsonb' then pg_catalog.format('(select %I_doc from hostile)', v_kind)
                           when 'text' then case
                               when nm.pname ~ 'tenant' then '''t1'''
                               when nm.pname ~ 'actor|owner' then '''alice'''
                               when nm.pname ~ 'user' then '''bob'''
                               when nm.pname ~ 'policy' then '''p9'''
                               when nm.pname ~ 'name' then '''policy/t1'''
                               when nm.pname ~ 'scope' then '''state'''
                               when nm.pname ~ 'action' then '''DEPLOY'''
                               else 'null::text' end
                           else pg_catalog.format('null::pg_catalog.%I', t.typname) end,
                       ', ' order by u.n)
              into v_args
              from pg_catalog.unnest(v_fn.types) with ordinality u(typ, n)
              join pg_catalog.pg_type t on t.oid = u.typ
              cross join lateral (select coalesce(v_fn.names[u.n], '') as pname) nm;
            perform pg_temp.preset_hostile();
            begin
                execute pg_catalog.format('select pg_catalog.count(*) from %I.%I(%s) as r', v_fn.nsp, v_fn.proname, coalesce(v_args, ''));
                v_state := '00000';
            exception when others then
                get stacked diagnostics v_state = returned_sqlstate;
            end;
            insert into hostile_calls values (v_fn.oid::regprocedure::text, v_kind, v_state);
        end loop;
    end loop;
end
$drive$;
reset role;
select '# hostile calls by SQLSTATE: ' || pg_catalog.string_agg(s.sqlstate || ':' || s.n, ' ' order by s.sqlstate)
  from (select c.sqlstate, pg_catalog.count(*) as n from hostile_calls c group by 1) s;

-- Every jsonb value stored in our tables, from the catalog: none over the limits.
create temp table stored_over_limit (what text);
do $scan$
declare
    v_col record;
    v_hit text;
begin
    for v_col in
        select n.nspname::text as nsp, c.relname::text as rel, a.attname::text as col
          from pg_catalog.pg_attribute a
          join pg_catalog.pg_class c on c.oid = a.attrelid
          join pg_catalog.pg_namespace n on n.oid = c.relnamespace
         where n.nspname in ('beamline', 'beamline_internal', 'devstate') and c.relkind in ('r', 'p')
           and a.atttypid = 'jsonb'::regtype and a.attnum > 0 and not a.attisdropped
    loop
        execute pg_catalog.format(
            'select pg_catalog.string_agg(distinct %L, '','') from %I.%I t
              where pg_catalog.octet_length(t.%I::text) > 1048576
                 or pg_catalog.jsonb_path_exists(t.%I, ''strict $.**{32} ? (@.type() == "object" || @.type() == "array")'')',
            v_col.nsp || '.' || v_col.rel || '.' || v_col.col, v_col.nsp, v_col.rel, v_col.col, v_col.col) into v_hit;
        if v_hit is not null then
            insert into stored_over_limit values (v_hit);
        end if;
    end loop;
end
$scan$;
select cmp_ok((select pg_catalog.count(distinct fn)::int from hostile_calls), '>=', 30, 'every API function was called with hostile documents');
select is(array(select what from stored_over_limit order by 1), array[]::text[],
          'no jsonb value in any of our tables is over the size or depth limit (columns listed)');
select is((select pg_catalog.count(*)::int from beamline.policy_audit_log a
            where a.actor = 'mallory' or a.metadata ?| array['context_raw'] or a.metadata -> 'context' ? 'approver'),
          0, 'no audit row names the preset actor or carries the forged context');

select * from finish();
rollback;
