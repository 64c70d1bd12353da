-- current_watermark: a safe watermark for beamline.changes_since: the xmin of the current
-- snapshot. Every transaction with an xid below it has finished, so every change entry below it
-- is final and visible; anything committed later has an xid >= it. A client that starts with an
-- empty cache takes this first, then fills its cache, then reads changes_since from it.
create or replace function beamline.current_watermark()
    returns bigint
    volatile
    security definer
    set search_path = pg_catalog, pg_temp
    language sql
as $$ select pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot())::text::bigint $$;

comment on function beamline.current_watermark() is
    'Safe change-log watermark (snapshot xmin as bigint): start point for beamline.changes_since.';
