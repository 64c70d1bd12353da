-- get_policy: the active version of a policy, or the given version (active or not).
--   BL007 bad ids / version < 1;  BL001 actor lacks policy:read;  BL002 no such (active) version
create or replace function beamline.get_policy(
    p_tenant text,
    p_policy_id text,
    p_actor text,
    p_version integer default null)
    returns beamline.policies
    stable
    security definer
    set search_path = ''
    language plpgsql
as $$
declare
    v_row beamline.policies;
begin
    perform beamline_internal.check_identifier('policy_id', p_policy_id, 128);
    if p_version < 1 then
        perform beamline_internal.policy_bad_input('version', 'must be >= 1');
    end if;
    perform beamline_internal.require_permission(p_tenant, p_actor, 'policy:read');
    if p_version is null then
        select p.* into v_row from beamline.policies p
         where p.tenant_id = p_tenant and p.policy_id = p_policy_id and p.is_active;
    else
        select p.* into v_row from beamline.policies p
         where p.tenant_id = p_tenant and p.policy_id = p_policy_id and p.version = p_version;
    end if;
    if not found then
        perform beamline_internal.policy_not_found(p_tenant, p_policy_id, p_version);
    end if;
    return v_row;
end;
$$;

comment on function beamline.get_policy(text, text, text, integer) is
    'The active version of a policy, or version p_version (policy:read). BL002 when there is none.';
