-- audit_chain_prev: lock a tenant's audit chain head and return the row the next audit row must
-- follow: (seq, row_hash) of the later of the tenant's last row (the (tenant_id, seq) index; it
-- sees rows this statement inserted already) and the recorded head in
-- beamline_internal.audit_chain_heads (after a cleanup removed every row, or after someone
-- deleted the tail: new rows then continue after the recorded head, so the cut shows); (0, 64
-- zeros) for a new tenant. The head row is created if missing and locked FOR UPDATE until
-- commit: this is what serialises the audit writers of one tenant. Used by the chain trigger
-- (one row) and by the batched beamline.log_action (once per batch).
create or replace function beamline_internal.audit_chain_prev(p_tenant text, out seq bigint, out row_hash text)
    volatile
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
declare
    v_head_seq bigint;
    v_head_hash text;
begin
    select h.seq, h.head_hash, l.seq, l.row_hash into v_head_seq, v_head_hash, seq, row_hash
      from beamline_internal.audit_chain_heads h
      left join lateral (select a.seq, a.row_hash from beamline.policy_audit_log a
                          where a.tenant_id = h.tenant_id order by a.seq desc limit 1) l on true
     where h.tenant_id = p_tenant
       for update of h;
    if not found then
        insert into beamline_internal.audit_chain_heads (tenant_id, seq, head_hash)
        values (p_tenant, 0, '0000000000000000000000000000000000000000000000000000000000000000')
        on conflict (tenant_id) do nothing;
        select h.seq, h.head_hash into strict v_head_seq, v_head_hash
          from beamline_internal.audit_chain_heads h where h.tenant_id = p_tenant for update;
        select a.seq, a.row_hash into seq, row_hash
          from beamline.policy_audit_log a where a.tenant_id = p_tenant order by a.seq desc limit 1;
    end if;
    if seq is null or v_head_seq > seq then
        seq := v_head_seq;
        row_hash := v_head_hash;
    end if;
end;
$$;

comment on function beamline_internal.audit_chain_prev(text) is
    'Lock a tenant''s audit chain head (FOR UPDATE, created if missing) and return (seq, row_hash) that the next audit row follows.';
