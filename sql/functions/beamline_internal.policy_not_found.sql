-- policy_not_found: raise BL002 for a policy (or one version of it) that does not exist.
-- Detail {"tenant", "policy_id", "version"}. Never returns.
create or replace function beamline_internal.policy_not_found(p_tenant text, p_policy_id text, p_version integer default null, p_what text default null)
    returns void
    immutable
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
begin
    raise exception using
        errcode = 'BL002',
        message = coalesce(p_what, case when p_version is null
                                        then pg_catalog.format('policy %s has no active version in tenant %s', p_policy_id, p_tenant)
                                        else pg_catalog.format('policy %s version %s not found in tenant %s', p_policy_id, p_version, p_tenant) end),
        detail = pg_catalog.json_build_object('tenant', p_tenant, 'policy_id', p_policy_id, 'version', p_version)::text,
        hint = 'beamline.list_policies and beamline.policy_history show what exists.';
end;
$$;

comment on function beamline_internal.policy_not_found(text, text, integer, text) is
    'Raise BL002 with detail {"tenant", "policy_id", "version"}; never returns.';
