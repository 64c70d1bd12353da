-- verify_audit_chains: every tenant's audit hash chain, one result per tenant (owner only; for
-- operators and `beamline backup verify`, which run as the owner on a restored copy and have no
-- tenant actor). Each row is beamline_internal.audit_chain_verify's result for that tenant:
-- {"ok": true, "tenant", "checked", "lanes", ...} or the first bad {"ok": false, "lane", "seq",
-- "reason", ...}.
-- Tenants come from the chain heads and the log itself, so a tenant whose rows were all removed
-- behind the functions' back still reports "truncated".
create or replace function beamline_admin.verify_audit_chains()
    returns setof jsonb
    stable
    security definer
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
begin
    return query
        select beamline_internal.audit_chain_verify(t.tenant_id)
          from (select h.tenant_id from beamline_internal.audit_chain_heads h
                union
                select distinct a.tenant_id from beamline.policy_audit_log a) t
         order by t.tenant_id;
end;
$$;

comment on function beamline_admin.verify_audit_chains() is
    'Verify every tenant''s audit hash chain (owner only): one jsonb per tenant, as beamline.verify_audit_chain returns; used by beamline backup verify.';
