-- audit_chain_prev: lock a tenant's audit chain head and return the row the next audit row must
-- follow: (seq, row_hash) of the later of
--   * the recorded head in beamline_internal.audit_chain_heads: the last row of the last
--     completed statement (after a cleanup removed every row, or after someone deleted the
--     tail, new rows continue after it, so the cut shows);
--   * the running tail: the last row the trigger chain linked for this tenant in the running
--     statement (the head advances only at the statement's end, in chain_check). The chain
--     trigger notes it (seq|row_hash|statement_timestamp()) in the transaction-local setting
--     beamline.audit_tail_<md5(tenant)>; a note from an earlier statement is ignored (and older
--     than the head anyway), and a subtransaction's notes roll back with it. A setting is
--     caller-writable: a value a caller forges within its own statement can only make that
--     statement fail, because chain_check verifies every link against the log and the head
--     (BL008) — nothing wrong is ever stored.
-- (0, 64 zeros) for a new tenant. The log itself is not read: on the partitioned log (migration
-- 0085) finding the tenant's last row costs an index descent per partition, per audit row.
-- The head row is created if missing and locked FOR UPDATE until commit: this is what
-- serialises the audit writers of one tenant. Used by the chain trigger (one row) and by the
-- batched beamline.log_action (once per batch).
create or replace function beamline_internal.audit_chain_prev(p_tenant text, out seq bigint, out row_hash text)
    volatile
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
declare
    v_tail text[];
begin
    select h.seq, h.head_hash into seq, row_hash
      from beamline_internal.audit_chain_heads h
     where h.tenant_id = p_tenant
       for update;
    if not found then
        insert into beamline_internal.audit_chain_heads (tenant_id, seq, head_hash)
        values (p_tenant, 0, '0000000000000000000000000000000000000000000000000000000000000000')
        on conflict (tenant_id) do nothing;
        select h.seq, h.head_hash into strict seq, row_hash
          from beamline_internal.audit_chain_heads h where h.tenant_id = p_tenant for update;
    end if;
    v_tail := pg_catalog.string_to_array(
        coalesce(pg_catalog.current_setting('beamline.audit_tail_' || pg_catalog.md5(p_tenant), true), ''), '|');
    if pg_catalog.cardinality(v_tail) = 3
       and v_tail[3] = pg_catalog.date_part('epoch', pg_catalog.statement_timestamp())::text
       and v_tail[1] ~ '^[0-9]{1,18}$' and v_tail[2] ~ '^[0-9a-f]{64}$'
       and v_tail[1]::bigint > seq then
        seq := v_tail[1]::bigint;
        row_hash := v_tail[2];
    end if;
end;
$$;

comment on function beamline_internal.audit_chain_prev(text) is
    'Lock a tenant''s audit chain head (FOR UPDATE, created if missing) and return (seq, row_hash) that the next audit row follows.';
