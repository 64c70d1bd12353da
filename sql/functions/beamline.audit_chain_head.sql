-- audit_chain_head: the head of a tenant's audit hash chain, one entry per lane in use:
-- {"tenant", "lanes": [{"lane", "seq", "head"}, ...]} (none before the tenant's first row).
-- Export it regularly to a place the database's owner and superusers cannot write (a CI
-- artifact, another system's log, a signed ticket) and pass it back to
-- beamline.verify_audit_chain(tenant, actor, head): rows removed after it (truncation) and any
-- rewrite of the chain up to it are then detected, lane by lane. Needs audit:read.
create or replace function beamline.audit_chain_head(p_tenant text, p_actor text)
    returns jsonb
    stable
    security definer
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
begin
    perform beamline_internal.require_permission(p_tenant, p_actor, 'audit:read');
    return pg_catalog.jsonb_build_object('tenant', p_tenant, 'lanes', coalesce(
        (select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('lane', h.lane, 'seq', h.seq, 'head', h.head_hash) order by h.lane)
           from beamline_internal.audit_chain_heads h where h.tenant_id = p_tenant and h.seq > 0),
        '[]'::jsonb));
end;
$$;

comment on function beamline.audit_chain_head(text, text) is
    'The head {"tenant", "lanes": [{"lane", "seq", "head"}]} of a tenant''s audit hash chain, to store outside the database and pass to beamline.verify_audit_chain later. Needs audit:read.';
