-- Tamper evidence for the audit log (issue 11; docs/AUDIT.md "Tamper evidence"): every row is
-- chained to the previous row of its tenant, whatever path wrote it (audit triggers,
-- log_action, cleanup, the owner's direct INSERT).
--
-- chain (BEFORE INSERT, per row, only for rows that arrive without row_hash, i.e. every path
-- but the batched log_action): beamline_internal.audit_chain_prev locks the tenant's head row
-- (held to commit: the audit writers of one tenant are serialised from their first audit insert
-- to their commit; other tenants are not affected; under REPEATABLE READ the loser of a race
-- gets 40001 and retries) and names the previous row; then
--   seq := previous seq + 1, prev_hash := previous row_hash (64 zeros at first),
--   row_hash := beamline_internal.audit_row_hash(the row, seq, prev_hash)
-- chain_check (AFTER INSERT, once per statement, set-based over the new rows): whatever filled
-- the chain columns — this trigger, the batched log_action computing a whole batch in memory
-- under the same lock, or an inserter supplying its own values — the rows must extend each
-- tenant's chain: per tenant, seq contiguous and starting after the recorded head, the first row
-- linked to the row before it (or the recorded head, or 64 zeros at seq 1), each next row to the
-- previous one, every row_hash the hash of its row. Else BL008 and the statement fails. Then the
-- recorded head advances to the statement's last row (once per statement, not per row).
-- The chain trigger also notes the row it linked as the tenant's running tail (a
-- transaction-local setting valid for the running statement: audit_chain_prev), so the next row
-- of the same statement follows it without searching every partition of the log.
-- The log is partitioned (migration 0085), so (tenant_id, seq) cannot be a unique index: no
-- fork rests on the head-row lock and on this check (seq must follow the locked head), and
-- beamline.verify_audit_chain reports a repeated seq ('missing rows').
create or replace function beamline_internal.audit_chain_link()
    returns trigger
    volatile
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
declare
    v_prev record;
begin
    v_prev := beamline_internal.audit_chain_prev(new.tenant_id);
    new.seq := v_prev.seq + 1;
    new.prev_hash := v_prev.row_hash;
    new.row_hash := beamline_internal.audit_row_hash(new.tenant_id, new.seq, new.prev_hash, new.id,
        new.target_type, new.policy_id, new.target_id, new.action, new.actor, new.old_data, new.new_data,
        new.metadata, new."timestamp");
    -- the running tail: the tenant's next row in this statement follows this one
    -- (beamline_internal.audit_chain_prev says why this is safe)
    perform pg_catalog.set_config('beamline.audit_tail_' || pg_catalog.md5(new.tenant_id),
        new.seq::text || '|' || new.row_hash || '|' || pg_catalog.date_part('epoch', pg_catalog.statement_timestamp())::text,
        true);
    return new;
end;
$$;

comment on function beamline_internal.audit_chain_link() is
    'BEFORE INSERT row trigger of beamline.policy_audit_log (rows without row_hash): under the tenant''s head-row lock, sets seq, prev_hash and row_hash after the tenant''s previous row.';

create or replace function beamline_internal.audit_chain_check()
    returns trigger
    volatile
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
declare
    v_bad record;
begin
    select s.tenant_id, s.seq, s.reason into v_bad
      from (select n.tenant_id, n.seq,
                   case when n.row_hash is distinct from beamline_internal.audit_row_hash(n.tenant_id, n.seq, n.prev_hash, n.id,
                             n.target_type, n.policy_id, n.target_id, n.action, n.actor, n.old_data, n.new_data,
                             n.metadata, n."timestamp") then 'bad hash'
                        when pg_catalog.lag(n.seq) over w is null then
                            case when n.seq <= h.seq then 'seq not after head'
                                 when n.prev_hash is distinct from coalesce(
                                        (select a.row_hash from beamline.policy_audit_log a
                                          where a.tenant_id = n.tenant_id and a.seq = n.seq - 1),
                                        case when h.seq = n.seq - 1 then h.head_hash end,
                                        case when n.seq = 1 then '0000000000000000000000000000000000000000000000000000000000000000' end)
                                      then 'bad link' end
                        when n.seq <> pg_catalog.lag(n.seq) over w + 1 then 'missing rows'
                        when n.prev_hash <> pg_catalog.lag(n.row_hash) over w then 'bad link'
                   end as reason
              from new_rows n
              left join beamline_internal.audit_chain_heads h on h.tenant_id = n.tenant_id
            window w as (partition by n.tenant_id order by n.seq)) s
     where s.reason is not null
     order by s.tenant_id, s.seq
     limit 1;
    if found then
        raise exception using
            errcode = 'BL008',
            message = pg_catalog.format('audit row %s of tenant %s does not extend the audit chain (%s)', v_bad.seq, v_bad.tenant_id, v_bad.reason),
            detail = pg_catalog.json_build_object('tenant', v_bad.tenant_id, 'seq', v_bad.seq, 'reason', v_bad.reason)::text,
            hint = 'Audit rows are chained by the trigger chain; do not supply seq, prev_hash or row_hash.';
    end if;
    update beamline_internal.audit_chain_heads h
       set seq = n.seq, head_hash = n.row_hash, updated_at = pg_catalog.now()
      from (select distinct on (r.tenant_id) r.tenant_id, r.seq, r.row_hash
              from new_rows r order by r.tenant_id, r.seq desc) n
     where h.tenant_id = n.tenant_id;
    return null;
end;
$$;

comment on function beamline_internal.audit_chain_check() is
    'AFTER INSERT statement trigger of beamline.policy_audit_log: BL008 unless the new rows extend each tenant''s hash chain from its recorded head; then advances the head (beamline_internal.audit_chain_heads).';

drop trigger if exists chain on beamline.policy_audit_log;
create trigger chain
    before insert on beamline.policy_audit_log
    for each row when (new.row_hash is null) execute function beamline_internal.audit_chain_link();
comment on trigger chain on beamline.policy_audit_log is
    'Chains every inserted audit row without row_hash to its tenant''s previous row (seq, prev_hash, row_hash), serialised per tenant.';

drop trigger if exists chain_check on beamline.policy_audit_log;
create trigger chain_check
    after insert on beamline.policy_audit_log
    referencing new table as new_rows
    for each statement execute function beamline_internal.audit_chain_check();
comment on trigger chain_check on beamline.policy_audit_log is
    'Rejects (BL008) inserted audit rows that do not extend their tenant''s hash chain; advances the recorded heads once per statement.';
