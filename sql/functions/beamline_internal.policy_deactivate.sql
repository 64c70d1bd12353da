-- policy_deactivate: shared body of deactivate_policy and delete_policy. Under the policy lock,
-- set the active version inactive and return it; BL002 if the policy has no active version.
-- p_action 'DELETE' tells the audit trigger (beamline_internal.audit_set_intent) to record the
-- flip as DELETE; 'DEACTIVATE' leaves it recorded as DEACTIVATE.
create or replace function beamline_internal.policy_deactivate(p_tenant text, p_policy_id text, p_actor text, p_action text)
    returns beamline.policies
    volatile
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
declare
    v_row beamline.policies;
begin
    perform beamline_internal.policy_lock(p_tenant, p_policy_id);
    if p_action = 'DELETE' then
        perform beamline_internal.audit_set_intent(p_tenant, p_policy_id, 'DELETE');
    else
        -- Always set: an intent a caller left in its session must not hide this deactivation.
        perform pg_catalog.set_config('beamline.audit_intent', '', true);
    end if;
    update beamline.policies p
       set is_active = false, updated_at = pg_catalog.now(), updated_by = p_actor
     where p.tenant_id = p_tenant and p.policy_id = p_policy_id and p.is_active
    returning p.* into v_row;
    perform pg_catalog.set_config('beamline.audit_intent', '', true);  -- it covered this flip only
    if v_row.id is null then
        perform beamline_internal.policy_not_found(p_tenant, p_policy_id);
    end if;
    return v_row;
end;
$$;

comment on function beamline_internal.policy_deactivate(text, text, text, text) is
    'Deactivate the active version of a policy under its lock (p_action DELETE is audited as DELETE); BL002 if none is active.';
