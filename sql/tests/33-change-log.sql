-- Change log for cache invalidation (SPEC §5): entries for policies, roles and quotas; the
-- watermark functions; pruning. (Signals are delivered at commit, so NOTIFY itself is tested by
-- tests/integration/test_change_log.py.)
-- Cases: triggers exist; put_policy / assign_role / set_quota leave keyed entries (no
-- documents; one per put_policy, activate_policy and deactivate_policy: the superseded
-- version's flip leaves none); changes_since returns them from watermark 0 with watermark <= own in-flight xid;
-- paging with more; BL007 for bad watermark / limit; prune makes complete = false for old
-- watermarks; the app role has no privileges on the table; change_horizon is above every
-- xid handed out before it (the change rows' xids) and is the caller's own xid; server_identity
-- gives every field to the app role, which cannot read the incarnation table.
begin;
select plan(26);

select beamline_admin.register_default_schema('policy/default', '{"type": "object"}')
 where not exists (select 1 from beamline.json_schemas s where s.name = 'policy/default');
select has_trigger('beamline', 'policies', 'policies__change_log', 'policies has the change-log trigger');
select has_trigger('beamline', 'user_roles', 'user_roles__change_log', 'user_roles has the change-log trigger');
select has_trigger('beamline', 'tenant_quotas', 'tenant_quotas__change_log', 'tenant_quotas has the change-log trigger');
select has_trigger('beamline', 'change_log', 'change_log__notify', 'change_log has the deferred notify trigger');
select is((select t.tgdeferrable and t.tginitdeferred from pg_trigger t where t.tgname = 'change_log__notify'), true, 'the notify trigger runs at commit');

select tests.bootstrap('t1', 'alice');
create temp table mark as select beamline.current_watermark() as wm;
grant select on mark to public;
set local role beamline_app;
select beamline.assign_role('t1', 'bob', 'viewer', 'alice');
select beamline.set_quota('t1', 'alice', 5);  -- a tenant may lower its own limit (34-quota-platform)
select beamline.put_policy('t1', 'p1', '{"providers":[{"id":"a","weight":1}],"rules":[]}', 'alice');
select beamline.put_policy('t1', 'p1', '{"providers":[{"id":"a","weight":2}],"rules":[]}', 'alice');

select ok((select m.wm from mark m) <= (select beamline.current_watermark()), 'watermarks never go backwards');
select ok(beamline.current_watermark() <= (select (c.changes -> -1 ->> 'xid')::bigint from beamline.changes_since(0) c),
          'the watermark stays at or below an in-flight writer''s xid');
select is((select jsonb_path_query_array(c.changes, '$[*] ? (@.tenant_id == "t1") . kind') from beamline.changes_since((select m.wm from mark m)) c),
          '["role", "role", "quota", "policy", "policy"]', 'role, quota and policy changes are all logged, in order');
select is((select jsonb_path_query_array(c.changes, '$[*] ? (@.kind == "policy") . version') from beamline.changes_since((select m.wm from mark m)) c),
          '[1, 2]', 'policy entries carry the version (v1 inserted, v2 inserted; superseding v1 leaves no entry of its own)');
select is((select jsonb_path_query_array(c.changes, '$[*] ? (@.kind == "role") . object_id') from beamline.changes_since((select m.wm from mark m)) c),
          '["alice", "bob"]', 'role entries are keyed by user id');
select lives_ok($$select beamline.activate_policy('t1', 'p1', 1, 'alice')$$, 'roll p1 back to v1');
select lives_ok($$select beamline.deactivate_policy('t1', 'p1', 'alice')$$, 'then deactivate it');
select is((select jsonb_agg(jsonb_build_array(e ->> 'op', (e ->> 'version')::int) order by n)
             from beamline.changes_since((select m.wm from mark m)) c, jsonb_array_elements(c.changes) with ordinality as x(e, n)
            where e ->> 'kind' = 'policy'),
          '[["insert", 1], ["insert", 2], ["update", 1], ["update", 1]]',
          'a rollback leaves one entry (v1 activated; superseding v2 leaves none), a deactivation one');
select is((select count(*)::int from beamline.changes_since(0) c, jsonb_array_elements(c.changes) e where e ? 'data' or e ? 'new_data'), 0, 'entries carry keys, never documents');
select is((select row(c.more, jsonb_array_length(c.changes))::text from beamline.changes_since(0, 1) c), '(t,7)',
          'a page never splits one transaction (all 7 entries of this one)');
select throws_ok($$select beamline.changes_since(null)$$, 'BL007', null, 'watermark NULL: BL007');
select throws_ok($$select beamline.changes_since(-1)$$, 'BL007', null, 'negative watermark: BL007');
select throws_ok($$select beamline.changes_since(0, 0)$$, 'BL007', null, 'limit 0: BL007');
select throws_ok($$select count(*) from beamline.change_log$$, '42501', null, 'the application role cannot read the table directly');
select ok(beamline.change_horizon() >= (select (c.changes -> -1 ->> 'xid')::bigint from beamline.changes_since(0) c),
    'change_horizon is at or above every xid that has written a change');
select is(beamline.change_horizon(), pg_catalog.pg_current_xact_id()::text::bigint, 'change_horizon is the caller''s own xid');
select is((select row(i.system_identifier is not null, i.timeline >= 1, i.started_at is not null,
                      i.database_oid is not null, i.incarnation is not null)::text from beamline.server_identity() i),
    '(t,t,t,t,t)', 'server_identity: every field, for the application role');
select throws_ok($$select count(*) from beamline_internal.server_incarnation$$, '42501', null,
    'the application role cannot read the incarnation table');
reset role;
select is_definer('beamline', 'server_identity', array[]::text[], 'server_identity is security definer');

select ok(beamline_internal.change_log_prune('0 seconds') >= 5, 'prune deletes old entries (the 5 of this test at least)');
select is((select c.complete from beamline.changes_since(0) c), false, 'a watermark older than the pruned range is not complete: flush');

select * from finish();
rollback;
