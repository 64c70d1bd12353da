-- Quotas are a platform limit (issue 11; docs/RBAC.md "Quotas").
-- depends: 0002_policy_tables
--
-- Each limit of tenant_quotas gets a ceiling that only the platform sets (quota:manage in the
-- reserved tenant `global`, via beamline.set_quota); a tenant's own quota:manage moves its
-- limits between 0 and the ceiling. The ceilings default to the limits' defaults, so a tenant
-- nobody raised gets exactly what it got before. The CHECK constraints keep limit <= ceiling
-- for every writer, the owner included.
--
-- Upgrade: an existing row keeps its limits (its ceilings start at max(limit, default)). A limit
-- above the default may have been raised by the tenant itself before this change: review them
-- (select * from beamline.tenant_quotas where platform_max_policies > 10 ...).

alter table beamline.tenant_quotas
    add column platform_max_policies             integer,
    add column platform_max_rules_per_policy     integer,
    add column platform_max_providers_per_policy integer;

-- On an existing database the UPDATE below fires the audit and change-log triggers, which need an
-- actor: the upgrade is recorded as actor 'migration' (set_actor exists only there; on a fresh
-- database the table is empty and the stored logic is installed after the migrations).
do $actor$
begin
    if pg_catalog.to_regprocedure('beamline_internal.set_actor(text)') is not null then
        perform beamline_internal.set_actor('migration');
    end if;
end
$actor$;

update beamline.tenant_quotas
   set platform_max_policies = greatest(max_policies, 10),
       platform_max_rules_per_policy = greatest(max_rules_per_policy, 50),
       platform_max_providers_per_policy = greatest(max_providers_per_policy, 20);

alter table beamline.tenant_quotas
    alter column platform_max_policies set default 10,
    alter column platform_max_policies set not null,
    alter column platform_max_rules_per_policy set default 50,
    alter column platform_max_rules_per_policy set not null,
    alter column platform_max_providers_per_policy set default 20,
    alter column platform_max_providers_per_policy set not null,
    add constraint tenant_quotas_platform_max_policies_range check (platform_max_policies between 0 and 1000000),
    add constraint tenant_quotas_platform_max_rules_range check (platform_max_rules_per_policy between 0 and 10000),
    add constraint tenant_quotas_platform_max_providers_range check (platform_max_providers_per_policy between 0 and 1000),
    add constraint tenant_quotas_max_policies_ceiling check (max_policies <= platform_max_policies),
    add constraint tenant_quotas_max_rules_ceiling check (max_rules_per_policy <= platform_max_rules_per_policy),
    add constraint tenant_quotas_max_providers_ceiling check (max_providers_per_policy <= platform_max_providers_per_policy);

comment on column beamline.tenant_quotas.platform_max_policies is
    'Ceiling of max_policies, set only by the platform (quota:manage in tenant global); the tenant''s own quota:manage stays at or below it.';
comment on column beamline.tenant_quotas.platform_max_rules_per_policy is
    'Ceiling of max_rules_per_policy (platform only, as platform_max_policies).';
comment on column beamline.tenant_quotas.platform_max_providers_per_policy is
    'Ceiling of max_providers_per_policy (platform only, as platform_max_policies).';
