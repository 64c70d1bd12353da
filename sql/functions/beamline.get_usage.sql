-- get_usage: what the tenant uses of each quota: active policies, stored versions, and the
-- largest rule and provider counts among its active versions.
--   BL007 bad ids;  BL001 actor lacks policy:read
create or replace function beamline.get_usage(p_tenant text, p_actor text)
    returns table (tenant_id varchar, active_policies integer, total_versions integer,
                   max_rules_in_active integer, max_providers_in_active integer)
    stable
    security definer
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
begin
    perform beamline_internal.require_permission(p_tenant, p_actor, 'policy:read');
    return query
        select p_tenant::varchar,
               (pg_catalog.count(*) filter (where p.is_active))::integer,
               pg_catalog.count(*)::integer,
               coalesce(pg_catalog.max(case when pg_catalog.jsonb_typeof(p.data -> 'rules') = 'array'
                                            then pg_catalog.jsonb_array_length(p.data -> 'rules') else 0 end)
                        filter (where p.is_active), 0)::integer,
               coalesce(pg_catalog.max(case when pg_catalog.jsonb_typeof(p.data -> 'providers') = 'array'
                                            then pg_catalog.jsonb_array_length(p.data -> 'providers') else 0 end)
                        filter (where p.is_active), 0)::integer
          from beamline.policies p
         where p.tenant_id = p_tenant;
end;
$$;

comment on function beamline.get_usage(text, text) is
    'Usage of a tenant: active policies, stored versions, largest rule / provider counts among active versions (policy:read).';
