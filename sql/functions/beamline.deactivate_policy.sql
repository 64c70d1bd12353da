-- deactivate_policy: take a policy out of routing; its versions stay, and activate_policy or
-- put_policy brings it back. Returns the version that was active.
--   BL007 bad ids;  BL001 actor lacks policy:write;  BL002 the policy has no active version
create or replace function beamline.deactivate_policy(p_tenant text, p_policy_id text, p_actor text)
    returns beamline.policies
    volatile
    security definer
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
begin
    perform beamline_internal.check_identifier('tenant', p_tenant, 64);
    perform beamline_internal.check_identifier('policy_id', p_policy_id, 128);
    perform beamline_internal.check_identifier('actor', p_actor, 128);
    perform beamline_internal.require_permission(p_tenant, p_actor, 'policy:write');
    return beamline_internal.policy_deactivate(p_tenant, p_policy_id, p_actor, 'DEACTIVATE');
end;
$$;

comment on function beamline.deactivate_policy(text, text, text) is
    'Deactivate the active version of a policy (policy:write); history stays. BL002 if none is active.';
