-- set_maintenance: change the settings of beamline_admin.maintain (owner only). A null argument
-- keeps the current value; p_clear_retention => true sets "keep the audit log forever".
--   BL007  negative change-log window, non-positive retention, bad actor id
-- Returns the settings as JSON.
create or replace function beamline_admin.set_maintenance(
    p_change_log_keep interval default null,
    p_audit_retention interval default null,
    p_actor text default null,
    p_clear_retention boolean default false)
    returns jsonb
    volatile
    security definer
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
declare
    v_row beamline_internal.maintenance_settings;
begin
    if p_change_log_keep is not null and pg_catalog.now() - p_change_log_keep > pg_catalog.now() then
        perform beamline_internal.policy_bad_input('change_log_keep', 'must not be negative');
    end if;
    if p_audit_retention is not null and pg_catalog.now() - p_audit_retention >= pg_catalog.now() then
        perform beamline_internal.policy_bad_input('audit_retention', 'must be a positive interval');
    end if;
    if p_actor is not null then
        perform beamline_internal.check_identifier('actor', p_actor, 128);
    end if;
    update beamline_internal.maintenance_settings s
       set change_log_keep = coalesce(p_change_log_keep, s.change_log_keep),
           audit_retention = case when p_clear_retention then null
                                  else coalesce(p_audit_retention, s.audit_retention) end,
           actor = coalesce(p_actor, s.actor),
           updated_at = pg_catalog.now()
     where s.id = 1
    returning s.* into strict v_row;
    return pg_catalog.jsonb_build_object(
        'change_log_keep', v_row.change_log_keep::text,
        'audit_retention', v_row.audit_retention::text,
        'actor', v_row.actor,
        'updated_at', v_row.updated_at);
end;
$$;

comment on function beamline_admin.set_maintenance(interval, interval, text, boolean) is
    'Owner only: set the change-log window, audit retention (p_clear_retention: keep forever) and actor of beamline_admin.maintain; returns the settings.';
