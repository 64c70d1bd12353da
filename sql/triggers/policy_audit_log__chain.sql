-- Tamper evidence for the audit log (issue 11; docs/AUDIT.md "Tamper evidence"): every row is
-- chained to the previous row of its tenant, whatever path wrote it (audit triggers,
-- log_action, cleanup, the owner's direct INSERT, an INSERT naming a partition: PostgreSQL
-- clones this row trigger to every partition).
--
-- A tenant's chain has up to 8 lanes (migration 0100), each a hash chain of its own.
-- chain (BEFORE INSERT, every row): locks the head row, in beamline_internal.audit_chain_heads,
-- of the tenant's first lane that no other transaction holds (beamline_internal.audit_chain_prev
-- when none is free or the tenant has none yet). The lock is held to commit: the audit writers
-- of one lane are serialised from their first audit insert to their commit; up to 8 writers of
-- a tenant run side by side; under REPEATABLE READ the loser of a race gets 40001 and retries.
-- Then, after the lane's last row (seq, row_hash):
--   lane := that lane, seq := previous seq + 1, prev_hash := previous row_hash (64 zeros first),
--   row_hash := beamline_internal.audit_row_hash(the row, seq, prev_hash),
-- and the lane's head advances to this row at once. A head row is therefore always its lane's
-- last row, read under its lock: no statement-level recheck, no in-statement bookkeeping, no
-- session setting a caller could preset. An inserter may not supply seq, prev_hash or row_hash
-- (BL008, nothing written); lane is always overwritten: the trigger is the only writer of the
-- chain columns (so the log carries no CHECK on their format: migration 0100).
-- The log is partitioned (migration 0085), so (tenant_id, lane, seq) cannot be a unique index:
-- no fork rests on the head-row lock (seq follows the locked head), and
-- beamline.verify_audit_chain reports a repeated seq left by someone with the triggers off
-- ('missing rows').
create or replace function beamline_internal.audit_chain_link()
    returns trigger
    volatile
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
declare
    v_lane smallint;
    v_seq bigint;
    v_prev_hash text;
    -- the jsonb fields' text, rendered once for the hash (docs/AUDIT.md)
    v_old text := new.old_data::text;
    v_new text := new.new_data::text;
    v_metadata text := new.metadata::text;
begin
    if new.seq is not null or new.prev_hash is not null or new.row_hash is not null then
        raise exception using
            errcode = 'BL008',
            message = pg_catalog.format('audit row of tenant %s supplies its own chain values', new.tenant_id),
            detail = pg_catalog.json_build_object('tenant', new.tenant_id, 'seq', new.seq, 'reason', 'supplied chain values')::text,
            hint = 'Audit rows are chained by the trigger chain; do not supply seq, prev_hash or row_hash.';
    end if;
    -- the first lane of the tenant no other transaction holds (the hot path: one locked read);
    -- none free, or no lanes yet: audit_chain_prev
    select h.lane, h.seq, h.head_hash into v_lane, v_seq, v_prev_hash
      from beamline_internal.audit_chain_heads h
     where h.tenant_id = new.tenant_id
     order by h.lane
     limit 1
       for update skip locked;
    if not found then
        select p.lane, p.seq, p.row_hash into v_lane, v_seq, v_prev_hash
          from beamline_internal.audit_chain_prev(new.tenant_id) p;
    end if;
    new.lane := v_lane;
    new.seq := v_seq + 1;
    new.prev_hash := v_prev_hash;
    new.row_hash := beamline_internal.audit_row_hash(new.tenant_id, new.seq, new.prev_hash, new.id,
        new.target_type, new.policy_id, new.target_id, new.action, new.actor, v_old, v_new,
        v_metadata, new."timestamp");
    update beamline_internal.audit_chain_heads h
       set seq = new.seq, head_hash = new.row_hash, updated_at = pg_catalog.now()
     where h.tenant_id = new.tenant_id and h.lane = new.lane;
    return new;
end;
$$;

comment on function beamline_internal.audit_chain_link() is
    'BEFORE INSERT row trigger of beamline.policy_audit_log: under the lock of a free lane of the tenant''s chain, sets lane, seq, prev_hash and row_hash after the lane''s last row and advances its head; BL008 if the row supplies seq, prev_hash or row_hash.';

-- the statement-level recheck of an earlier design (every row's hash computed twice)
drop function if exists beamline_internal.audit_chain_check() cascade;

drop trigger if exists chain on beamline.policy_audit_log;
create trigger chain
    before insert on beamline.policy_audit_log
    for each row execute function beamline_internal.audit_chain_link();
comment on trigger chain on beamline.policy_audit_log is
    'Chains every inserted audit row after the last row of a free lane of its tenant''s chain (lane, seq, prev_hash, row_hash) and advances that head.';
