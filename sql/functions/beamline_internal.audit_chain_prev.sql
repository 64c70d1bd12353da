-- audit_chain_prev: the chain trigger's slow path, when none of a tenant's lanes was free (or
-- the tenant has none yet): lock a lane of the tenant's audit hash chain and return the row the
-- next audit row must follow there: (lane, seq, row_hash) of the lane's last row, as recorded in
-- beamline_internal.audit_chain_heads (the chain trigger advances it with every row; after a
-- cleanup removed every row of the lane, or after someone deleted its tail, new rows continue
-- after it, so the cut shows). (lane, 0, 64 zeros) for a new lane. The log itself is not read:
-- on the partitioned log (migration 0085) finding a lane's last row costs an index descent per
-- partition.
-- Which lane (the trigger's fast path is the first step here): the lowest-numbered one no
-- other transaction holds (FOR UPDATE SKIP LOCKED; a lane this transaction holds already is
-- never skipped, so a transaction that holds a lane of the tenant never waits). A tenant's 8
-- lanes are created together by its first audit row (migration 0100 created them for the
-- tenants that existed); writers that race that very first row wait for its transaction, once
-- per tenant. A lane created by a transaction still open is invisible to the others, which is
-- why they are not added one by one. Only when all 8 are held by others does the writer wait,
-- for one lane picked by its backend pid; it holds no lane of this tenant then, so waiting on
-- lanes cannot deadlock within a tenant. The lock is held until commit: this is what
-- serialises the audit writers of one lane.
create or replace function beamline_internal.audit_chain_prev(p_tenant text, out lane smallint, out seq bigint, out row_hash text)
    volatile
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
declare
    c_lanes constant integer := 8;
begin
    -- a new tenant (or every lane busy: then this inserts nothing)
    insert into beamline_internal.audit_chain_heads (tenant_id, lane, seq, head_hash)
    select p_tenant, l.n, 0, '0000000000000000000000000000000000000000000000000000000000000000'
      from pg_catalog.generate_series(0, c_lanes - 1) as l(n)
    on conflict on constraint audit_chain_heads_pkey do nothing;
    select h.lane, h.seq, h.head_hash into lane, seq, row_hash
      from beamline_internal.audit_chain_heads h
     where h.tenant_id = p_tenant
     order by h.lane
     limit 1
       for update skip locked;
    if not found then
        select h.lane, h.seq, h.head_hash into strict lane, seq, row_hash
          from beamline_internal.audit_chain_heads h
         where h.tenant_id = p_tenant and h.lane = pg_catalog.pg_backend_pid() % c_lanes
           for update;
    end if;
end;
$$;

comment on function beamline_internal.audit_chain_prev(text) is
    'Lock a lane of a tenant''s audit hash chain (the first of its 8 that no other transaction holds, FOR UPDATE SKIP LOCKED; all 8 created with its first row) and return (lane, seq, row_hash) that the next audit row follows.';
