-- change_log__notify: the coalesced wake-up signal on channel beamline_changes (SPEC §5.3).
--
-- A deferred constraint trigger, so it runs at COMMIT, after all of the transaction's work
-- (an abort after it is then rare: only a failing commit). A caller may make it IMMEDIATE (SET
-- CONSTRAINTS); it then never holds the notifier row, and signals on its own (below).
-- It acts once per transaction: for the transaction's first change_log row (the rows of one
-- transaction have rising ids and their deferred events fire in that order). That is read
-- from change_log itself, which only the owner writes -- not from a session setting a caller
-- could preset to silence the invalidation (beamline.notify_done, until issue 11).
-- It NOTIFYs only if it wins the lock of
-- the owner-only row beamline_internal.notifier (FOR UPDATE SKIP LOCKED, held to the end of the
-- transaction): at most one notifying transaction is in flight in the database, so writers
-- never queue on PostgreSQL's cluster-wide NOTIFY commit lock. (Until issue 11 this was an
-- advisory lock, which any role could hold in its own session to silence every writer.)
-- A writer that loses the race does not signal; it was running while the winner was in flight,
-- so its xid is below the horizon (snapshot xmax) that the woken reader records, and the reader
-- re-reads beamline.changes_since until the watermark passes that horizon
-- (docs/CACHE_COHERENCE.md proves this). Payload: a small JSON object of ids and keys of this
-- transaction's first change, never a document (the 8 KB limit).
create or replace function beamline_internal.notify_change()
    returns trigger
    volatile
    security definer  -- deferred: it fires at COMMIT, outside the API function's definer context
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
declare
    v_won boolean := false;  -- a PL/pgSQL variable keeps its value when a block is rolled back
begin
    if tg_op = 'UPDATE' then
        -- The probe below. Nested in the INSERT event's run, the constraint was made IMMEDIATE
        -- (SET CONSTRAINTS); at COMMIT it fires after that run, at depth 1, and does nothing.
        if pg_catalog.pg_trigger_depth() > 1 then
            raise exception using errcode = 'BL907', message = 'change_log__notify fired before commit';
        end if;
        return null;
    end if;
    -- The transaction's first change (ORDER BY + LIMIT on the (xid, id) index: a plain EXISTS
    -- got a generic plan that scanned the whole change log, 0.5 ms and growing per call).
    if (select c.id from beamline.change_log c where c.xid = new.xid order by c.id limit 1) < new.id then
        return null;  -- an earlier change of this transaction already had its chance
    end if;
    -- The notifier row is the promise "I signal at my commit, which is under way": the other
    -- writers rely on its holder. A caller can fire this trigger early, with SET CONSTRAINTS
    -- ... IMMEDIATE before or after its write, and then keep its transaction open or roll it
    -- back -- holding that promise without keeping it (helper review, 2026-12-03). So the row
    -- is locked in a subtransaction, and the winner probes whether it runs at COMMIT: a no-op
    -- UPDATE of its change row queues this trigger's UPDATE event, which fires nested (and
    -- raises) only when the constraint is IMMEDIATE. Then the subtransaction is rolled back,
    -- releasing the row. Either way a winner signals (queued to its commit, if any).
    begin
        perform 1 from beamline_internal.notifier n where n.id = 1 for update skip locked;
        v_won := found;
        if v_won then
            update beamline.change_log c set xid = c.xid where c.id = new.id;
        end if;
    exception when sqlstate 'BL907' then
        null;  -- fired before commit: the row is released, v_won still true
    end;
    if v_won then
        perform pg_catalog.pg_notify('beamline_changes',
            pg_catalog.json_build_object(
                'change_id', new.id, 'xid', new.xid::text::bigint, 'kind', new.kind,
                'tenant', new.tenant_id, 'key', new.object_id, 'version', new.version)::text);
    end if;
    return null;
end;
$$;

comment on function beamline_internal.notify_change() is
    'Deferred trigger function: at commit, NOTIFY beamline_changes once per transaction, only if no other notifying transaction is in flight (coalescing; see docs/CACHE_COHERENCE.md).';

drop trigger if exists change_log__notify on beamline.change_log;
create constraint trigger change_log__notify
    after insert or update on beamline.change_log
    deferrable initially deferred
    for each row execute function beamline_internal.notify_change();

-- the advisory lock key of the previous design
drop function if exists beamline_internal.notify_lock_key();

comment on trigger change_log__notify on beamline.change_log is
    'At commit: coalesced NOTIFY on channel beamline_changes (keys and a change id only).';
