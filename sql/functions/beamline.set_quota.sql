-- set_quota: change a tenant's limits (quota:manage). A null argument keeps the current value
-- (or the default). Ranges (BL007 outside): max_policies 0..1000000, max_rules 0..10000,
-- max_providers 0..1000 (the CHECK constraints of tenant_quotas). Lowering a limit below the
-- current usage is allowed: existing policies stay, new ones are refused (BL003) until usage
-- drops. Serialised with policy creation by the tenant lock. Returns the get_quota row.
--   BL007 bad ids, out-of-range values, all three null;  BL001 actor lacks quota:manage
create or replace function beamline.set_quota(
    p_tenant text,
    p_actor text,
    p_max_policies integer default null,
    p_max_rules integer default null,
    p_max_providers integer default null)
    returns table (tenant_id varchar, max_policies integer, max_rules_per_policy integer,
                   max_providers_per_policy integer, is_default boolean, active_policies integer,
                   updated_at timestamptz)
    volatile
    security definer
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
declare
    v_quota beamline.tenant_quotas;
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
    perform beamline_internal.require_permission(p_tenant, p_actor, 'quota:manage');
    perform beamline_internal.quota_lock(p_tenant);
    v_quota := beamline_internal.quota_of(p_tenant);
    insert into beamline.tenant_quotas as q (tenant_id, max_policies, max_rules_per_policy, max_providers_per_policy)
    values (p_tenant,
            coalesce(p_max_policies, v_quota.max_policies),
            coalesce(p_max_rules, v_quota.max_rules_per_policy),
            coalesce(p_max_providers, v_quota.max_providers_per_policy))
    on conflict on constraint tenant_quotas_tenant_id_key do update
       set max_policies = excluded.max_policies,
           max_rules_per_policy = excluded.max_rules_per_policy,
           max_providers_per_policy = excluded.max_providers_per_policy,
           updated_at = pg_catalog.now();
    return query select * from beamline_internal.quota_report(p_tenant);
end;
$$;

comment on function beamline.set_quota(text, text, integer, integer, integer) is
    'Set a tenant''s limits (quota:manage); null keeps a value. BL007 out of range (0..1000000 policies, 0..10000 rules, 0..1000 providers).';
