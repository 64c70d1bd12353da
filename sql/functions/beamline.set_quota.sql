-- set_quota: change a tenant's limits. A null argument keeps the current value (or the
-- default). Ranges (BL007 outside): max_policies 0..1000000, max_rules 0..10000,
-- max_providers 0..1000 (the CHECK constraints of tenant_quotas).
-- Who (docs/RBAC.md "Quotas"): quotas are a platform limit.
--   * quota:manage in the reserved tenant `global` (the platform): sets each given limit AND its
--     ceiling (platform_max_*) to the value -- raising or lowering what the tenant may use;
--   * quota:manage in the tenant itself: sets each given limit anywhere from 0 up to its
--     ceiling (lower, or back up); any value above a ceiling refuses the whole call (BL001,
--     detail {"tenant": "global", "actor", "permission": "quota:manage", "quota", "ceiling",
--     "requested"}), nothing written.
-- The platform check comes first, so a platform user who is also in the tenant acts as platform.
-- Lowering a limit below the current usage is allowed: existing policies stay, new ones are
-- refused (BL003) until usage drops. Serialised with policy creation by the tenant lock.
-- Returns the get_quota row.
--   BL007 bad ids, out-of-range values, all three null;  BL001 as above, or no quota:manage
-- The ceilings (platform_max_*) were added to the returned row (issue 11): a function's row
-- type cannot change in place, so an older one is dropped first.
do $drop$
begin
    if exists (select 1 from pg_catalog.pg_proc p
                where p.oid = pg_catalog.to_regprocedure('beamline.set_quota(text,text,integer,integer,integer)')
                  and not ('platform_max_policies' = any (p.proargnames))) then
        drop function beamline.set_quota(text, text, integer, integer, integer);
    end if;
end
$drop$;

create or replace function beamline.set_quota(
    p_tenant text,
    p_actor text,
    p_max_policies integer default null,
    p_max_rules integer default null,
    p_max_providers integer default null)
    returns table (tenant_id varchar, max_policies integer, max_rules_per_policy integer,
                   max_providers_per_policy integer, is_default boolean, active_policies integer,
                   updated_at timestamptz, platform_max_policies integer,
                   platform_max_rules_per_policy integer, platform_max_providers_per_policy integer)
    volatile
    security definer
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
declare
    v_quota    beamline.tenant_quotas;
    v_platform boolean;
    v_name     text;
    v_ceiling  integer;
    v_value    integer;
begin
    perform beamline_internal.check_identifier('tenant', p_tenant, 64);
    perform beamline_internal.check_identifier('actor', p_actor, 128);
    if p_max_policies is null and p_max_rules is null and p_max_providers is null then
        perform beamline_internal.policy_bad_input('quota', 'nothing to set: give max_policies, max_rules or max_providers');
    end if;
    if p_max_policies not between 0 and 1000000 then
        perform beamline_internal.policy_bad_input('max_policies', 'must be between 0 and 1000000');
    end if;
    if p_max_rules not between 0 and 10000 then
        perform beamline_internal.policy_bad_input('max_rules', 'must be between 0 and 10000');
    end if;
    if p_max_providers not between 0 and 1000 then
        perform beamline_internal.policy_bad_input('max_providers', 'must be between 0 and 1000');
    end if;
    -- Is the actor the platform? Its global grant is locked first, as every write's is
    -- (docs/RBAC.md "Revocation"; sql/tests/27-rbac-write-locks.sql checks the pattern).
    perform 1 from beamline.user_roles ur
     where ur.tenant_id = 'global' and ur.user_id = p_actor
       for share;
    select h.allowed into v_platform from beamline_internal.has_permission('global', p_actor, 'quota:manage') h;
    if v_platform then
        perform beamline_internal.require_permission('global', p_actor, 'quota:manage');  -- pins the grant, records the actor
    else
        perform beamline_internal.require_permission(p_tenant, p_actor, 'quota:manage');
    end if;
    perform beamline_internal.quota_lock(p_tenant);
    v_quota := beamline_internal.quota_of(p_tenant);
    if not v_platform then
        for v_name, v_ceiling, v_value in
            values ('max_policies', v_quota.platform_max_policies, p_max_policies),
                   ('max_rules_per_policy', v_quota.platform_max_rules_per_policy, p_max_rules),
                   ('max_providers_per_policy', v_quota.platform_max_providers_per_policy, p_max_providers)
        loop
            if v_value > v_ceiling then
                raise exception using
                    errcode = 'BL001',
                    message = pg_catalog.format('permission denied: %s above its ceiling %s needs quota:manage in tenant global (%s asked %s for tenant %s)',
                                                v_name, v_ceiling, p_actor, v_value, p_tenant),
                    detail = pg_catalog.json_build_object('tenant', 'global', 'actor', p_actor, 'permission', 'quota:manage',
                                                          'quota', v_name, 'ceiling', v_ceiling, 'requested', v_value)::text,
                    hint = 'Quotas are a platform limit: a tenant sets its limits up to the ceilings; the platform (quota:manage in tenant global) raises them.';
            end if;
        end loop;
    end if;
    insert into beamline.tenant_quotas as q
        (tenant_id, max_policies, max_rules_per_policy, max_providers_per_policy,
         platform_max_policies, platform_max_rules_per_policy, platform_max_providers_per_policy)
    values (p_tenant,
            coalesce(p_max_policies, v_quota.max_policies),
            coalesce(p_max_rules, v_quota.max_rules_per_policy),
            coalesce(p_max_providers, v_quota.max_providers_per_policy),
            -- only the platform moves a ceiling; it moves it to the limit it sets
            case when v_platform then coalesce(p_max_policies, v_quota.platform_max_policies) else v_quota.platform_max_policies end,
            case when v_platform then coalesce(p_max_rules, v_quota.platform_max_rules_per_policy) else v_quota.platform_max_rules_per_policy end,
            case when v_platform then coalesce(p_max_providers, v_quota.platform_max_providers_per_policy) else v_quota.platform_max_providers_per_policy end)
    on conflict on constraint tenant_quotas_tenant_id_key do update
       set max_policies = excluded.max_policies,
           max_rules_per_policy = excluded.max_rules_per_policy,
           max_providers_per_policy = excluded.max_providers_per_policy,
           platform_max_policies = excluded.platform_max_policies,
           platform_max_rules_per_policy = excluded.platform_max_rules_per_policy,
           platform_max_providers_per_policy = excluded.platform_max_providers_per_policy,
           updated_at = pg_catalog.now();
    return query select * from beamline_internal.quota_report(p_tenant);
end;
$$;

comment on function beamline.set_quota(text, text, integer, integer, integer) is
    'Set a tenant''s limits; null keeps a value. quota:manage in tenant global (the platform) sets limits and their ceilings; the tenant''s own quota:manage stays at or below the ceilings (BL001). BL007 out of range (0..1000000 policies, 0..10000 rules, 0..1000 providers).';
