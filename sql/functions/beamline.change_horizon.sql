-- change_horizon: a position above every transaction that already has an xid (issue 13, SPEC
-- §5.7). It is this call's own transaction id (pg_current_xact_id assigns one; ids are handed
-- out in increasing order under XidGenLock), so every transaction that had an xid before the
-- call has a smaller one. A reader woken by a (coalesced) signal takes it, then re-reads
-- beamline.changes_since until the returned watermark (a snapshot xmin) is >= it: by then every
-- transaction that was running when the signal arrived has finished and its changes were read.
-- A snapshot's xmax is NOT such a bound: it is latestCompletedXid + 1, and a running transaction
-- can hold an xid at or above it (docs/CACHE_COHERENCE.md). The transaction writes no WAL but
-- its commit record, which is not flushed synchronously (nothing else was logged).
create or replace function beamline.change_horizon()
    returns bigint
    volatile
    security definer
    set search_path = pg_catalog, pg_temp
    language sql
as $$ select pg_catalog.pg_current_xact_id()::text::bigint $$;

comment on function beamline.change_horizon() is
    'A change-log position above every transaction that has an xid now (this call''s own xid): a woken reader re-reads changes_since until its watermark reaches it.';
