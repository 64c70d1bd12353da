-- quota_report: the tenant's limits (or the defaults) with current usage and the platform's
-- ceilings of the limits (docs/RBAC.md "Quotas"); the row shape of beamline.get_quota and
-- beamline.set_quota.
-- The ceilings (platform_max_*) were added to the returned row (issue 11): a function's row
-- type cannot change in place, so an older one is dropped first.
do $drop$
begin
    if exists (select 1 from pg_catalog.pg_proc p
                where p.oid = pg_catalog.to_regprocedure('beamline_internal.quota_report(text)')
                  and not ('platform_max_policies' = any (p.proargnames))) then
        drop function beamline_internal.quota_report(text);
    end if;
end
$drop$;

create or replace function beamline_internal.quota_report(
    p_tenant text,
    out tenant_id varchar, out max_policies integer, out max_rules_per_policy integer,
    out max_providers_per_policy integer, out is_default boolean, out active_policies integer,
    out updated_at timestamptz, out platform_max_policies integer,
    out platform_max_rules_per_policy integer, out platform_max_providers_per_policy integer)
    stable
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
declare
    v_quota beamline.tenant_quotas;
begin
    v_quota := beamline_internal.quota_of(p_tenant);
    tenant_id := p_tenant;
    max_policies := v_quota.max_policies;
    max_rules_per_policy := v_quota.max_rules_per_policy;
    max_providers_per_policy := v_quota.max_providers_per_policy;
    is_default := v_quota.id is null;
    updated_at := v_quota.updated_at;
    platform_max_policies := v_quota.platform_max_policies;
    platform_max_rules_per_policy := v_quota.platform_max_rules_per_policy;
    platform_max_providers_per_policy := v_quota.platform_max_providers_per_policy;
    select pg_catalog.count(*)::integer into active_policies
      from beamline.policies p where p.tenant_id = p_tenant and p.is_active;
end;
$$;

comment on function beamline_internal.quota_report(text) is
    'A tenant''s quota (or the defaults, is_default) with its active policy count and the platform ceilings of its limits.';
