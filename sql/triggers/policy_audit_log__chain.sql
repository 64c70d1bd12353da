-- Tamper evidence for the audit log (issue 11; docs/AUDIT.md "Tamper evidence"): every row is
-- chained to the previous row of its tenant. BEFORE INSERT, per row, whatever path wrote it
-- (audit triggers, log_action, cleanup, the owner's direct INSERT): lock the tenant's row in
-- beamline_internal.audit_chain_heads (created at seq 0 for a new tenant), then
--   seq       := head.seq + 1
--   prev_hash := head.head_hash (64 zeros for a new tenant)
--   row_hash  := beamline_internal.audit_row_hash(the row, seq, prev_hash)
-- and advance the head. Values the inserter gave for these columns are overwritten. The head's
-- row lock is held to commit, so the audit writers of one tenant are serialised from their audit
-- insert to their commit (other tenants are not affected); a rolled-back writer leaves the head
-- untouched, so seq has no gaps. The unique index (tenant_id, seq) backs the "no fork" rule up.
create or replace function beamline_internal.audit_chain_link()
    returns trigger
    volatile
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
declare
    v_seq bigint;
    v_prev text;
begin
    select h.seq, h.head_hash into v_seq, v_prev
      from beamline_internal.audit_chain_heads h where h.tenant_id = new.tenant_id for update;
    if not found then
        insert into beamline_internal.audit_chain_heads (tenant_id, seq, head_hash)
        values (new.tenant_id, 0, '0000000000000000000000000000000000000000000000000000000000000000')
        on conflict (tenant_id) do nothing;
        select h.seq, h.head_hash into strict v_seq, v_prev
          from beamline_internal.audit_chain_heads h where h.tenant_id = new.tenant_id for update;
    end if;
    new.seq := v_seq + 1;
    new.prev_hash := v_prev;
    new.row_hash := beamline_internal.audit_row_hash(new.tenant_id, new.seq, new.prev_hash, new.id,
        new.target_type, new.policy_id, new.target_id, new.action, new.actor, new.old_data, new.new_data,
        new.metadata, new."timestamp");
    update beamline_internal.audit_chain_heads h
       set seq = new.seq, head_hash = new.row_hash, updated_at = pg_catalog.now()
     where h.tenant_id = new.tenant_id;
    return new;
end;
$$;

comment on function beamline_internal.audit_chain_link() is
    'BEFORE INSERT row trigger of beamline.policy_audit_log: under the tenant''s head-row lock, sets seq, prev_hash and row_hash and advances beamline_internal.audit_chain_heads.';

drop trigger if exists chain on beamline.policy_audit_log;
create trigger chain
    before insert on beamline.policy_audit_log
    for each row execute function beamline_internal.audit_chain_link();
comment on trigger chain on beamline.policy_audit_log is
    'Chains every inserted audit row to its tenant''s previous row (seq, prev_hash, row_hash), serialised per tenant.';
