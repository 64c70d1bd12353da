-- policy_history: every version of a policy, oldest first (versions are immutable; is_active
-- shows which one the router uses, none after delete/deactivate).
--   BL007 bad ids;  BL001 actor lacks policy:read;  BL002 the policy never existed
create or replace function beamline.policy_history(p_tenant text, p_policy_id text, p_actor text)
    returns setof beamline.policies
    stable
    security definer
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
begin
    perform beamline_internal.check_identifier('policy_id', p_policy_id, 128);
    perform beamline_internal.require_permission(p_tenant, p_actor, 'policy:read');
    return query
        select p.* from beamline.policies p
         where p.tenant_id = p_tenant and p.policy_id = p_policy_id
         order by p.version;
    if not found then
        perform beamline_internal.policy_not_found(p_tenant, p_policy_id, null,
            pg_catalog.format('policy %s not found in tenant %s', p_policy_id, p_tenant));
    end if;
end;
$$;

comment on function beamline.policy_history(text, text, text) is
    'All versions of a policy, oldest first (policy:read). BL002 if the policy never existed.';
