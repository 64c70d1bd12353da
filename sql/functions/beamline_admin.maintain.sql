-- maintain: one idempotent maintenance pass (issue 16), the SQL entry point of `beamline
-- maintain` and of pg_cron / cron jobs. Owner only. In one transaction:
--   1. takes the transaction advisory lock 'beamline.maintain' without waiting: a concurrent
--      run (another host, another cron) returns at once with "ran": false;
--   2. prunes beamline.change_log to the configured window (change_log_prune); a listener
--      whose watermark is older than the new boundary gets complete = false and flushes;
--   3. deletes expired DevState leases (devstate.locks), one audit row LEASE_EXPIRED each
--      (tenant devstate), and expired role grants (beamline.user_roles), audited REVOKE by the
--      user_roles trigger and signalled through the change log like any revoke;
--   4. applies the audit retention through beamline.cleanup_old_logs (the one way rows leave
--      the audit log), when configured and the actor holds audit:manage in tenant 'global';
--      otherwise says why it skipped;
--   5. creates the monthly partitions of beamline.policy_audit_log through three months ahead
--      (beamline_internal.audit_partitions_ensure; "blocked" names a month whose rows already
--      sit in the default partition);
--   6. logs one MAINTAIN audit row (tenant global) with the report, unless nothing happened.
-- Every delete re-checks its condition on the row it deletes, so a lease or grant renewed
-- concurrently (lock_state, assign_role) is not removed. p_actor overrides the configured actor.
-- Returns the report: {"ran", "actor", "change_log": {"pruned", "remaining", "keep"},
-- "leases_expired", "grants_expired", "audit": {"retention", "deleted" | "skipped"},
-- "audit_partitions": {"created", "blocked"}, "ms"}.
create or replace function beamline_admin.maintain(p_actor text default null)
    returns jsonb
    volatile
    security definer
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
declare
    v_started    timestamptz := pg_catalog.clock_timestamp();
    v_settings   beamline_internal.maintenance_settings;
    v_actor      text;
    v_pruned     bigint;
    v_leases     bigint := 0;
    v_grants     bigint;
    v_audit      jsonb;
    v_lease      devstate.locks;
    v_report     jsonb;
    v_partitions jsonb;
begin
    if not pg_catalog.pg_try_advisory_xact_lock(pg_catalog.hashtext('beamline.maintain')) then
        return pg_catalog.jsonb_build_object('ran', false,
            'reason', 'another maintain run holds the lock beamline.maintain');
    end if;
    select * into strict v_settings from beamline_internal.maintenance_settings s where s.id = 1;
    v_actor := coalesce(p_actor, v_settings.actor);
    perform beamline_internal.set_actor(v_actor);

    v_pruned := beamline_internal.change_log_prune(v_settings.change_log_keep);

    for v_lease in
        delete from devstate.locks l where l.expires_at <= pg_catalog.now() returning l.*
    loop
        v_leases := v_leases + 1;
        perform beamline_internal.audit_write('devstate', 'app', null, pg_catalog.left(v_lease.scope, 128),
            'LEASE_EXPIRED', pg_catalog.to_jsonb(v_lease), null);
    end loop;

    delete from beamline.user_roles r where r.expires_at is not null and r.expires_at <= pg_catalog.now();
    get diagnostics v_grants = row_count;

    if v_settings.audit_retention is null then
        v_audit := pg_catalog.jsonb_build_object('retention', null, 'skipped', 'no audit retention configured');
    elsif not exists (select 1 from beamline_internal.has_permission('global', v_actor, 'audit:manage') h where h.allowed) then
        v_audit := pg_catalog.jsonb_build_object('retention', v_settings.audit_retention::text,
            'skipped', pg_catalog.format('actor %s lacks audit:manage in tenant global', v_actor));
    else
        v_audit := pg_catalog.jsonb_build_object('retention', v_settings.audit_retention::text,
            'deleted', beamline.cleanup_old_logs(v_settings.audit_retention, v_actor, null));
    end if;

    v_partitions := beamline_internal.audit_partitions_ensure(3);

    v_report := pg_catalog.jsonb_build_object(
        'ran', true,
        'actor', v_actor,
        'change_log', pg_catalog.jsonb_build_object(
            'pruned', v_pruned,
            'remaining', (select pg_catalog.count(*) from beamline.change_log),
            'keep', v_settings.change_log_keep::text),
        'leases_expired', v_leases,
        'grants_expired', v_grants,
        'audit', v_audit,
        'audit_partitions', v_partitions);
    if v_pruned + v_leases + v_grants + coalesce((v_audit ->> 'deleted')::bigint, 0)
       + pg_catalog.jsonb_array_length(v_partitions -> 'created') > 0 then
        perform beamline_internal.audit_write('global', 'app', null, 'maintain', 'MAINTAIN', null, v_report);
    end if;
    return v_report || pg_catalog.jsonb_build_object('ms',
        pg_catalog.round((extract(epoch from pg_catalog.clock_timestamp() - v_started) * 1000)::numeric, 1));
end;
$$;

comment on function beamline_admin.maintain(text) is
    'Owner only: one idempotent maintenance pass (prune change log, expired leases and grants, audit retention, audit partitions ahead); concurrent runs skip (advisory lock). Returns a JSON report.';
