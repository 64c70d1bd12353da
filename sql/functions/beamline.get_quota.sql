-- get_quota: the tenant's limits (or the defaults when none were set: is_default) with the
-- usage they bound (active_policies) and the ceilings up to which the tenant's own quota:manage
-- may set them (platform_max_*; docs/RBAC.md "Quotas"). Readable by anyone with policy:read in
-- the tenant.
--   BL007 bad ids;  BL001 actor lacks policy:read
-- The ceilings (platform_max_*) were added to the returned row (issue 11): a function's row
-- type cannot change in place, so an older one is dropped first.
do $drop$
begin
    if exists (select 1 from pg_catalog.pg_proc p
                where p.oid = pg_catalog.to_regprocedure('beamline.get_quota(text,text)')
                  and not ('platform_max_policies' = any (p.proargnames))) then
        drop function beamline.get_quota(text, text);
    end if;
end
$drop$;

create or replace function beamline.get_quota(p_tenant text, p_actor text)
    returns table (tenant_id varchar, max_policies integer, max_rules_per_policy integer,
                   max_providers_per_policy integer, is_default boolean, active_policies integer,
                   updated_at timestamptz, platform_max_policies integer,
                   platform_max_rules_per_policy integer, platform_max_providers_per_policy integer)
    stable
    security definer
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
begin
    perform beamline_internal.require_permission(p_tenant, p_actor, 'policy:read');
    return query select * from beamline_internal.quota_report(p_tenant);
end;
$$;

comment on function beamline.get_quota(text, text) is
    'The tenant''s quota (max_policies, max_rules_per_policy, max_providers_per_policy; is_default when unset), active_policies and the platform ceilings platform_max_* (policy:read).';
