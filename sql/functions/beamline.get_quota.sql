-- get_quota: the tenant's limits (or the defaults when none were set: is_default) with the
-- usage they bound (active_policies). Readable by anyone with policy:read in the tenant.
--   BL007 bad ids;  BL001 actor lacks policy:read
create or replace function beamline.get_quota(p_tenant text, p_actor text)
    returns table (tenant_id varchar, max_policies integer, max_rules_per_policy integer,
                   max_providers_per_policy integer, is_default boolean, active_policies integer,
                   updated_at timestamptz)
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
    'The tenant''s quota (max_policies, max_rules_per_policy, max_providers_per_policy; is_default when unset) and active_policies (policy:read).';
