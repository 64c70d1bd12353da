-- Scheduled maintenance (issue 16): beamline_admin.maintain and set_maintenance.
-- Cases: owner-only (no EXECUTE for the app / read-only roles, SECURITY DEFINER, pinned
-- search_path); expired leases and grants removed and audited (LEASE_EXPIRED, REVOKE, MAINTAIN),
-- live ones kept; a second run is a no-op that logs nothing; audit retention is skipped with a
-- reason without audit:manage in global and applied through cleanup_old_logs with it; a run
-- that cannot take the advisory lock returns ran = false; bad settings are BL007.
-- Times are relative to now(), so the shifted-clock run exercises the same cases.
begin;
select plan(19);

select function_privs_are('beamline_admin', 'maintain', array['text'], 'beamline_app', array[]::text[],
                          'the app role cannot run maintain');
select function_privs_are('beamline_admin', 'set_maintenance', array['interval', 'interval', 'text', 'boolean'],
                          'beamline_readonly', array[]::text[], 'the read-only role cannot change maintenance settings');
select is_definer('beamline_admin', 'maintain', array['text'], 'maintain is SECURITY DEFINER');
select is((select p.proconfig from pg_proc p where p.oid = 'beamline_admin.maintain(text)'::regprocedure),
          array['search_path=pg_catalog, pg_temp'], 'maintain pins its search_path');

select tests.bootstrap('t1', 'alice');
select beamline.assign_role('t1', 'bob', 'operator', 'alice');
select beamline.assign_role('t1', 'carol', 'viewer', 'alice');
select beamline_internal.set_actor('alice');
update beamline.user_roles set expires_at = now() - interval '1 minute' where tenant_id = 't1' and user_id = 'bob';
insert into devstate.locks (scope, owner, acquired_at, expires_at) values
    ('old', 'agent-a', now() - interval '2 hours', now() - interval '1 hour'),
    ('live', 'agent-b', now() - interval '1 minute', now() + interval '1 hour');

create temp table report as select beamline_admin.maintain() as r;
select is((select (r ->> 'leases_expired')::int from report), 1, 'one expired lease removed');
select is((select (r ->> 'grants_expired')::int from report), 1, 'one expired grant removed');
select results_eq($$select scope from devstate.locks$$, array['live'], 'the live lease stays');
select results_eq($$select user_id::text from beamline.user_roles where tenant_id = 't1' order by 1$$,
                  array['alice', 'carol'], 'the live grants stay');
select is((select a.actor::text from beamline.policy_audit_log a where a.action = 'LEASE_EXPIRED' and a.target_id = 'old'),
          'beamline-maintain', 'the expired lease is audited');
select is((select a.target_id::text from beamline.policy_audit_log a where a.action = 'REVOKE' and a.actor = 'beamline-maintain'),
          'bob', 'the expired grant is audited as a revoke by the maintenance actor');
select is((select pg_catalog.count(*)::int from beamline.policy_audit_log a where a.action = 'MAINTAIN'), 1, 'the run is logged');

create temp table second as select beamline_admin.maintain() as r;
select is((select (r ->> 'leases_expired')::int + (r ->> 'grants_expired')::int from second), 0, 'a second run finds nothing');
select is((select pg_catalog.count(*)::int from beamline.policy_audit_log a where a.action = 'MAINTAIN'), 1, 'and logs nothing');

-- audit retention
-- (a tenant of their own: retention removes the oldest prefix of each tenant's hash chain, and
-- rows inserted after t1's recent ones would not be a prefix of t1's chain; docs/AUDIT.md)
insert into beamline.policy_audit_log (tenant_id, target_type, target_id, action, actor, "timestamp")
select 'archive', 'app', 'old-' || g, 'DEPLOY', 'alice', now() - interval '400 days' from generate_series(1, 5) g;
select beamline_admin.set_maintenance(p_audit_retention => '365 days');
select alike((select beamline_admin.maintain() -> 'audit' ->> 'skipped'), '%lacks audit:manage%',
            'retention is skipped without audit:manage in global');
select beamline_admin.bootstrap_admin('global', 'ops');
select is((select beamline_admin.maintain('ops') -> 'audit' ->> 'deleted'), '5', 'retention deletes through cleanup_old_logs');
select is((select pg_catalog.count(*)::int from beamline.policy_audit_log a where a.action = 'CLEANUP' and a.actor = 'ops'), 1,
          'the cleanup is logged');

-- another run in progress: this transaction already holds the lock, so a second session would
-- skip; inside one session the xact lock is re-entrant, so check the lock is the named one
select ok(exists (select 1 from pg_locks l where l.locktype = 'advisory' and l.pid = pg_backend_pid()
                   and l.objid = ((pg_catalog.hashtext('beamline.maintain')::bigint & 4294967295)::text)::oid),
          'maintain holds the advisory lock beamline.maintain until commit');

select throws_ok($$select beamline_admin.set_maintenance(p_change_log_keep => '-1 hour')$$, 'BL007', null,
                 'a negative change-log window is bad input');
select throws_ok($$select beamline_admin.set_maintenance(p_actor => 'bad actor')$$, 'BL007', null,
                 'a bad actor id is bad input');

select * from finish();
rollback;
