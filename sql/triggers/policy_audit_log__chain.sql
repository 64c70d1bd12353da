-- Tamper evidence for the audit log (issue 11; docs/AUDIT.md "Tamper evidence"): every row is
-- chained to the previous row of its tenant, whatever path wrote it (audit triggers,
-- log_action, cleanup, the owner's direct INSERT); values an inserter gives are overwritten.
--
-- BEFORE INSERT, per row: lock the tenant's row in beamline_internal.audit_chain_heads (created
-- at seq 0 for a new tenant). The lock is held to commit, so the audit writers of one tenant are
-- serialised from their first audit insert to their commit (other tenants are not affected;
-- under REPEATABLE READ a writer that lost the race gets 40001 and retries). Then the previous
-- row is the later of the tenant's last row (the (tenant_id, seq) index; it sees the rows this
-- statement inserted before) and the recorded head (after a cleanup removed every row, or after
-- someone deleted the tail: new rows then continue after the recorded head, so the cut shows):
--   seq := previous seq + 1, prev_hash := previous row_hash (64 zeros at first),
--   row_hash := beamline_internal.audit_row_hash(the row, seq, prev_hash)
-- AFTER INSERT, once per statement: advance the head to the statement's last row per tenant
-- (one head update per statement, not per row: a log_action batch of 1,000 rows rewrites the
-- head row once). A rolled-back writer leaves no gap. unique (tenant_id, seq) backs the "no
-- fork" rule up.
create or replace function beamline_internal.audit_chain_link()
    returns trigger
    volatile
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
declare
    v_head_seq bigint;
    v_head_hash text;
    v_seq bigint;
    v_prev text;
begin
    -- one query per row: lock the head, read the tenant's last row
    select h.seq, h.head_hash, l.seq, l.row_hash into v_head_seq, v_head_hash, v_seq, v_prev
      from beamline_internal.audit_chain_heads h
      left join lateral (select a.seq, a.row_hash from beamline.policy_audit_log a
                          where a.tenant_id = h.tenant_id order by a.seq desc limit 1) l on true
     where h.tenant_id = new.tenant_id
       for update of h;
    if not found then
        insert into beamline_internal.audit_chain_heads (tenant_id, seq, head_hash)
        values (new.tenant_id, 0, '0000000000000000000000000000000000000000000000000000000000000000')
        on conflict (tenant_id) do nothing;
        select h.seq, h.head_hash into strict v_head_seq, v_head_hash
          from beamline_internal.audit_chain_heads h where h.tenant_id = new.tenant_id for update;
        select a.seq, a.row_hash into v_seq, v_prev
          from beamline.policy_audit_log a where a.tenant_id = new.tenant_id order by a.seq desc limit 1;
    end if;
    if v_seq is null or v_head_seq > v_seq then
        v_seq := v_head_seq;
        v_prev := v_head_hash;
    end if;
    new.seq := v_seq + 1;
    new.prev_hash := v_prev;
    new.row_hash := beamline_internal.audit_row_hash(new.tenant_id, new.seq, new.prev_hash, new.id,
        new.target_type, new.policy_id, new.target_id, new.action, new.actor, new.old_data, new.new_data,
        new.metadata, new."timestamp");
    return new;
end;
$$;

comment on function beamline_internal.audit_chain_link() is
    'BEFORE INSERT row trigger of beamline.policy_audit_log: under the tenant''s head-row lock, sets seq, prev_hash and row_hash after the tenant''s last row or recorded head.';

create or replace function beamline_internal.audit_chain_advance()
    returns trigger
    volatile
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
begin
    update beamline_internal.audit_chain_heads h
       set seq = n.seq, head_hash = n.row_hash, updated_at = pg_catalog.now()
      from (select distinct on (r.tenant_id) r.tenant_id, r.seq, r.row_hash
              from new_rows r order by r.tenant_id, r.seq desc) n
     where h.tenant_id = n.tenant_id and n.seq > h.seq;
    return null;
end;
$$;

comment on function beamline_internal.audit_chain_advance() is
    'AFTER INSERT statement trigger of beamline.policy_audit_log: advances each tenant''s recorded head (beamline_internal.audit_chain_heads) to the statement''s last row.';

drop trigger if exists chain on beamline.policy_audit_log;
create trigger chain
    before insert on beamline.policy_audit_log
    for each row execute function beamline_internal.audit_chain_link();
comment on trigger chain on beamline.policy_audit_log is
    'Chains every inserted audit row to its tenant''s previous row (seq, prev_hash, row_hash), serialised per tenant.';

drop trigger if exists chain_head on beamline.policy_audit_log;
create trigger chain_head
    after insert on beamline.policy_audit_log
    referencing new table as new_rows
    for each statement execute function beamline_internal.audit_chain_advance();
comment on trigger chain_head on beamline.policy_audit_log is
    'Advances the recorded head of each tenant''s audit hash chain once per INSERT statement.';
