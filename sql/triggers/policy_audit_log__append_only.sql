-- The audit log is append-only (SPEC §4 Audit): UPDATE, DELETE and TRUNCATE raise BL011 for
-- everyone, the owner role and superusers included. The single exception is the DELETE inside
-- beamline.cleanup_old_logs. It is recognised from the PL/pgSQL call stack (GET DIAGNOSTICS
-- PG_CONTEXT), not from a setting anyone could set: the frame right above this trigger must be
-- exactly that function's DELETE statement, called from beamline.cleanup_old_logs itself.
-- A caller cannot fake those two lines: the function frame can only be produced by the real
-- function (only the owner can replace it), and a statement text ending in the exact closing
-- quote followed by a fake frame is not valid SQL. (The owner can still DISABLE or DROP this
-- trigger; docs/AUDIT.md says how to watch for that.)
-- Statement-level triggers: one check per statement, whatever the number of rows.
create or replace function beamline_internal.audit_log_guard()
    returns trigger
    volatile
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
declare
    v_context text;
    v_frames text[];
begin
    if tg_op = 'DELETE' then
        get diagnostics v_context = pg_context;
        v_frames := pg_catalog.string_to_array(v_context, E'\n');
        if pg_catalog.array_length(v_frames, 1) >= 3
           and v_frames[2] = 'SQL statement "delete from beamline.policy_audit_log a using beamline_internal.audit_chain_anchors c where c.tenant_id = a.tenant_id and c.lane = a.lane and a.seq <= c.seq and (v_all or a.tenant_id = p_tenant)"'
           and v_frames[3] ~ '^PL/pgSQL function beamline\.cleanup_old_logs\(interval,text,text\) line [0-9]+ at SQL statement$' then
            return null;
        end if;
    end if;
    raise exception using
        errcode = 'BL011',
        message = pg_catalog.format('%s on beamline.policy_audit_log is not allowed: the audit log is append-only', tg_op),
        detail = 'beamline.policy_audit_log',
        hint = 'Old audit rows are removed only by beamline.cleanup_old_logs(older_than, actor).';
end;
$$;

comment on function beamline_internal.audit_log_guard() is
    'BEFORE statement trigger of beamline.policy_audit_log: BL011 for UPDATE / DELETE / TRUNCATE, except the DELETE of beamline.cleanup_old_logs (checked on the call stack).';

drop trigger if exists append_only on beamline.policy_audit_log;
create trigger append_only
    before update or delete on beamline.policy_audit_log
    for each statement execute function beamline_internal.audit_log_guard();
comment on trigger append_only on beamline.policy_audit_log is
    'Rejects UPDATE and DELETE (BL011) except the DELETE of beamline.cleanup_old_logs.';

drop trigger if exists append_only_truncate on beamline.policy_audit_log;
create trigger append_only_truncate
    before truncate on beamline.policy_audit_log
    for each statement execute function beamline_internal.audit_log_guard();
comment on trigger append_only_truncate on beamline.policy_audit_log is 'Rejects TRUNCATE (BL011), for everyone.';
