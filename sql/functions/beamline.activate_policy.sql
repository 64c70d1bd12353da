-- activate_policy: make an existing version the active one (rollback to an older version, or
-- re-activation after deactivate/delete). No new version is written; the previously active
-- version (if any) is deactivated in the same transaction. Activating the active version
-- changes nothing and returns it.
--   BL007 bad ids, version null or < 1;  BL001 actor lacks policy:write;  BL002 no such version;
--   BL003 the policy had no active version and one more would pass max_policies
create or replace function beamline.activate_policy(p_tenant text, p_policy_id text, p_version integer, p_actor text)
    returns beamline.policies
    volatile
    security definer
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
declare
    v_target beamline.policies;
    v_active uuid;
begin
    perform beamline_internal.check_identifier('tenant', p_tenant, 64);
    perform beamline_internal.check_identifier('policy_id', p_policy_id, 128);
    perform beamline_internal.check_identifier('actor', p_actor, 128);
    if p_version is null then
        perform beamline_internal.policy_bad_input('version', 'is null');
    elsif p_version < 1 then
        perform beamline_internal.policy_bad_input('version', 'must be >= 1');
    end if;
    perform beamline_internal.require_permission(p_tenant, p_actor, 'policy:write');
    perform beamline_internal.policy_lock(p_tenant, p_policy_id);

    select p.* into v_target from beamline.policies p
     where p.tenant_id = p_tenant and p.policy_id = p_policy_id and p.version = p_version;
    if not found then
        perform beamline_internal.policy_not_found(p_tenant, p_policy_id, p_version);
    end if;
    if v_target.is_active then
        return v_target;
    end if;
    select p.id into v_active from beamline.policies p
     where p.tenant_id = p_tenant and p.policy_id = p_policy_id and p.is_active;
    if v_active is null then
        perform beamline_internal.quota_check_active(p_tenant);
    else
        -- The audit trigger records the rollback (ACTIVATE), not the flip; the change log records
        -- only the activation too (policies__change_log).
        perform beamline_internal.audit_set_intent(p_tenant, p_policy_id, 'SUPERSEDE');
        update beamline.policies p
           set is_active = false, updated_at = pg_catalog.now(), updated_by = p_actor
         where p.id = v_active;
        perform pg_catalog.set_config('beamline.audit_intent', '', true);  -- it covered this flip only
    end if;
    update beamline.policies p
       set is_active = true, updated_at = pg_catalog.now(), updated_by = p_actor
     where p.id = v_target.id
    returning p.* into v_target;
    return v_target;
end;
$$;

comment on function beamline.activate_policy(text, text, integer, text) is
    'Make version p_version the active one (rollback; policy:write). BL002 no such version, BL003 over max_policies.';
