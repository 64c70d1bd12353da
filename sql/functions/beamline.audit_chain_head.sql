-- audit_chain_head: the head of a tenant's audit hash chain, {"tenant", "seq", "head"} (seq 0
-- and 64 zeros before the first row). Export it regularly to a place the database's owner and
-- superusers cannot write (a CI artifact, another system's log, a signed ticket) and pass it
-- back to beamline.verify_audit_chain(tenant, actor, head): rows removed after it (truncation)
-- and any rewrite of the chain up to it are then detected. Needs audit:read.
create or replace function beamline.audit_chain_head(p_tenant text, p_actor text)
    returns jsonb
    stable
    security definer
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
declare
    v_seq bigint;
    v_hash text;
begin
    perform beamline_internal.require_permission(p_tenant, p_actor, 'audit:read');
    select h.seq, h.head_hash into v_seq, v_hash from beamline_internal.audit_chain_heads h where h.tenant_id = p_tenant;
    return pg_catalog.jsonb_build_object('tenant', p_tenant, 'seq', coalesce(v_seq, 0),
        'head', coalesce(v_hash, '0000000000000000000000000000000000000000000000000000000000000000'));
end;
$$;

comment on function beamline.audit_chain_head(text, text) is
    'The head {"tenant", "seq", "head"} of a tenant''s audit hash chain, to store outside the database and pass to beamline.verify_audit_chain later. Needs audit:read.';
