-- cleanup_old_logs: the only way audit rows leave beamline.policy_audit_log. Deletes the rows
-- older than now() - p_older_than, of one tenant (audit:manage there) or, with p_tenant null,
-- of every tenant (audit:manage in the reserved tenant 'global'). The append-only guard
-- (trigger policy_audit_log__append_only) lets exactly this function's DELETE through, by
-- inspecting the PL/pgSQL call stack. The cleanup itself is logged (action CLEANUP).
--   BL007  bad ids, p_older_than null or not positive
--   BL001  actor lacks audit:manage
-- Returns the number of rows deleted.
create or replace function beamline.cleanup_old_logs(p_older_than interval, p_actor text, p_tenant text default null)
    returns bigint
    volatile
    security definer
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
declare
    v_scope text := coalesce(p_tenant, 'global');
    v_cutoff timestamptz;
    v_all boolean := p_tenant is null;
    v_deleted bigint;
begin
    -- Compare the cutoff itself: '-3 months 90 days' is "> 0" as an interval (a month counts
    -- 30 days there) yet puts the cutoff in the future.
    if p_older_than is null or pg_catalog.now() - p_older_than >= pg_catalog.now() then
        raise exception using
            errcode = 'BL007',
            message = 'invalid older_than: must be a positive interval',
            detail = pg_catalog.json_build_object('argument', 'older_than', 'reason', 'must be a positive interval')::text,
            hint = 'For example ''90 days''.';
    end if;
    perform beamline_internal.require_permission(v_scope, p_actor, 'audit:manage');
    v_cutoff := pg_catalog.now() - p_older_than;
    -- The guard recognises this exact statement text; keep it on one line and unchanged.
    delete from beamline.policy_audit_log a where a."timestamp" < v_cutoff and (v_all or a.tenant_id = p_tenant);
    get diagnostics v_deleted = row_count;
    perform beamline_internal.audit_write(v_scope, 'app', null, null, 'CLEANUP', null,
        pg_catalog.jsonb_build_object('older_than', p_older_than::text, 'cutoff', v_cutoff,
                                      'tenant', p_tenant, 'deleted', v_deleted));
    return v_deleted;
end;
$$;

comment on function beamline.cleanup_old_logs(interval, text, text) is
    'Delete audit rows older than p_older_than (one tenant, or all with p_tenant null via tenant ''global''); needs audit:manage; the only permitted delete. Logs CLEANUP; returns the count.';
