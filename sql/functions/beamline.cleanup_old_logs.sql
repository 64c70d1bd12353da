-- cleanup_old_logs: the only way audit rows leave beamline.policy_audit_log. Deletes the rows
-- older than now() - p_older_than, of one tenant (audit:manage there) or, with p_tenant null,
-- of every tenant (audit:manage in the reserved tenant 'global'). The append-only guard
-- (trigger policy_audit_log__append_only) lets exactly this function's DELETE through, by
-- inspecting the PL/pgSQL call stack. The cleanup itself is logged (action CLEANUP).
-- Hash chain (docs/AUDIT.md "Tamper evidence"): a cleanup removes a prefix of each lane of each
-- tenant's chain — the rows in seq order up to the first row that is not older than the cutoff
-- — and records where the lane now starts (the last removed seq and row_hash) in the owner-only
-- beamline_internal.audit_chain_anchors, so the rest still verifies. A row older than the cutoff
-- that follows a newer one in chain order (a row inserted with a backdated timestamp, or within
-- the milliseconds one writer waited for another's lock) stays until a later cleanup.
-- Partitions (migration 0085, docs/AUDIT.md "Partitions and retention"): after the anchors are
-- recorded, a partition whose whole range is older than the cutoff and all of whose rows are
-- in that removed prefix (every row's tenant in scope and seq <= its lane's new anchor; one scan of the
-- partition, read-only) is dropped whole; the rest of the prefix (the boundary month, rows held
-- back by the chain order, the default partition, or every partition for a one-tenant cleanup)
-- goes by the DELETE. Dropping a partition needs ACCESS EXCLUSIVE on beamline.policy_audit_log:
-- when a partition is old enough to be dropped, that lock is taken first, before the chain heads
-- (audit writers take the table, then their head: the same order, no deadlock), and audit
-- reads and writes wait until this transaction commits.
--   BL007  bad ids, p_older_than null or not positive
--   BL001  actor lacks audit:manage
-- Returns the number of rows deleted.
create or replace function beamline.cleanup_old_logs(p_older_than interval, p_actor text, p_tenant text default null)
    returns bigint
    volatile
    security definer
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
declare
    v_scope text := coalesce(p_tenant, 'global');
    v_cutoff timestamptz;
    v_all boolean := p_tenant is null;
    v_deleted bigint;
    v_dropped bigint := 0;
    v_dropped_names text[] := '{}';
    v_part record;
    v_whole boolean;
    v_rows bigint;
begin
    -- Compare the cutoff itself: '-3 months 90 days' is "> 0" as an interval (a month counts
    -- 30 days there) yet puts the cutoff in the future.
    if p_older_than is null or pg_catalog.now() - p_older_than >= pg_catalog.now() then
        raise exception using
            errcode = 'BL007',
            message = 'invalid older_than: must be a positive interval',
            detail = pg_catalog.json_build_object('argument', 'older_than', 'reason', 'must be a positive interval')::text,
            hint = 'For example ''90 days''.';
    end if;
    perform beamline_internal.require_permission(v_scope, p_actor, 'audit:manage');
    v_cutoff := pg_catalog.now() - p_older_than;
    if v_all and exists (select 1 from beamline_internal.audit_partitions() p
                          where not p.is_default and p.upper_bound <= v_cutoff) then
        lock table beamline.policy_audit_log in access exclusive mode;
    end if;
    -- The new anchor of each tenant: the row before its first row at or after the cutoff (or its
    -- last row when all are older). Locks the tenants' head rows first, like every audit insert.
    perform 1 from beamline_internal.audit_chain_heads h where v_all or h.tenant_id = p_tenant for update;
    insert into beamline_internal.audit_chain_anchors as x (tenant_id, lane, seq, row_hash, cut_at)
    select a.tenant_id, a.lane, a.seq, a.row_hash, pg_catalog.now()
      from (select h.tenant_id, h.lane,
                   coalesce((select pg_catalog.min(b.seq) from beamline.policy_audit_log b
                              where b.tenant_id = h.tenant_id and b.lane = h.lane and b."timestamp" >= v_cutoff) - 1, h.seq) as cut
              from beamline_internal.audit_chain_heads h
             where v_all or h.tenant_id = p_tenant) c
      join beamline.policy_audit_log a on a.tenant_id = c.tenant_id and a.lane = c.lane and a.seq = c.cut
    on conflict (tenant_id, lane) do update set seq = excluded.seq, row_hash = excluded.row_hash, cut_at = excluded.cut_at;
    -- Whole partitions (a cleanup of every tenant only: a partition holds every tenant's rows).
    for v_part in select p.partition from beamline_internal.audit_partitions() p
                   where v_all and not p.is_default and p.upper_bound <= v_cutoff order by p.upper_bound loop
        execute pg_catalog.format(
            'select coalesce(pg_catalog.bool_and(c.seq is not null and s.last_seq <= c.seq), true), coalesce(pg_catalog.sum(s.n), 0)'
            ' from (select r.tenant_id, r.lane, pg_catalog.count(*) as n, pg_catalog.max(r.seq) as last_seq from %s r group by r.tenant_id, r.lane) s'
            ' left join beamline_internal.audit_chain_anchors c on c.tenant_id = s.tenant_id and c.lane = s.lane', v_part.partition)
            into v_whole, v_rows;
        if v_whole then
            execute pg_catalog.format('drop table %s', v_part.partition);
            v_dropped := v_dropped + v_rows;
            v_dropped_names := v_dropped_names || v_part.partition::text;
        end if;
    end loop;
    -- The guard recognises this exact statement text; keep it on one line and unchanged.
    delete from beamline.policy_audit_log a using beamline_internal.audit_chain_anchors c where c.tenant_id = a.tenant_id and c.lane = a.lane and a.seq <= c.seq and (v_all or a.tenant_id = p_tenant);
    get diagnostics v_deleted = row_count;
    v_deleted := v_deleted + v_dropped;
    perform beamline_internal.audit_write(v_scope, 'app', null, null, 'CLEANUP', null,
        pg_catalog.jsonb_build_object('older_than', p_older_than::text, 'cutoff', v_cutoff,
                                      'tenant', p_tenant, 'deleted', v_deleted,
                                      'dropped_partitions', pg_catalog.to_jsonb(v_dropped_names)));
    return v_deleted;
end;
$$;

comment on function beamline.cleanup_old_logs(interval, text, text) is
    'Delete audit rows older than p_older_than (one tenant, or all with p_tenant null via tenant ''global''), as a prefix of each tenant''s hash chain whose new start is recorded, dropping whole monthly partitions where it can; needs audit:manage; the only permitted delete. Logs CLEANUP; returns the count.';
