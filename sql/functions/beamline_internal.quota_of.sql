-- quota_of: the tenant's quota row, or the defaults (a tenant without a row gets the column
-- defaults of beamline.tenant_quotas: 10 policies, 50 rules, 20 providers; a pgTAP test keeps
-- these literals equal to the column defaults). id is null for the defaults.
create or replace function beamline_internal.quota_of(p_tenant text)
    returns beamline.tenant_quotas
    stable
    -- no SET clause: called on every write (bench/README.md "Write path": a search_path swap
    -- per call cost about 12k instructions); owner-only, reached only through SECURITY DEFINER
    -- or trigger functions that run with search_path = pg_catalog, pg_temp (sql/tests/26).
    language plpgsql
as $$
declare
    v_row beamline.tenant_quotas;
begin
    select q.* into v_row from beamline.tenant_quotas q where q.tenant_id = p_tenant;
    if not found then
        v_row.tenant_id := p_tenant;
        v_row.max_policies := 10;
        v_row.max_rules_per_policy := 50;
        v_row.max_providers_per_policy := 20;
        -- the ceilings default to the same values (migrations/0060_quota_ceilings.sql)
        v_row.platform_max_policies := 10;
        v_row.platform_max_rules_per_policy := 50;
        v_row.platform_max_providers_per_policy := 20;
    end if;
    return v_row;
end;
$$;

comment on function beamline_internal.quota_of(text) is
    'The tenant''s tenant_quotas row, or the column defaults (limits and platform ceilings; id null) when it has none.';
