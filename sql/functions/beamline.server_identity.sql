-- server_identity: which server history the caller is talking to (issue 13, SPEC §5.8). The
-- transaction ids and change-log watermarks a client keeps are meaningful only within one
-- history; a client compares this identity on every (re)connection and poll, and when any field
-- differs it flushes its caches, forgets its own-write xids and restarts from
-- beamline.current_watermark().
--   system_identifier  pg_control_system(): differs between clusters made by separate initdb
--   timeline           the WAL timeline: changes at every promotion (failover, switchover) and at
--                      the end of a point-in-time recovery. On a primary it is read from the WAL
--                      insert position (pg_control_checkpoint() lags until the next checkpoint)
--   started_at         pg_postmaster_start_time(): a restart may come back with a restored data
--                      directory whose xids rewound on the same system id and timeline, so any
--                      restart counts as a new history (the cost: one cache refill)
--   database_oid       a database dropped and re-created (or restored by pg_restore) gets a new oid
--   incarnation        beamline_internal.server_incarnation: a random id made by the migrations
create or replace function beamline.server_identity(
    out system_identifier text, out timeline integer, out started_at timestamptz,
    out database_oid bigint, out incarnation uuid)
    stable
    security definer
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
begin
    system_identifier := (pg_catalog.pg_control_system()).system_identifier::text;
    if pg_catalog.pg_is_in_recovery() then
        timeline := (pg_catalog.pg_control_checkpoint()).timeline_id;
    else
        timeline := ('x' || pg_catalog.substr(
            pg_catalog.pg_walfile_name(pg_catalog.pg_current_wal_lsn()), 1, 8))::bit(32)::integer;
    end if;
    started_at := pg_catalog.pg_postmaster_start_time();
    select d.oid::bigint into database_oid
      from pg_catalog.pg_database d where d.datname = pg_catalog.current_database();
    select s.incarnation into incarnation from beamline_internal.server_incarnation s where s.id = 1;
end;
$$;

comment on function beamline.server_identity() is
    'The server history the caller talks to (system identifier, timeline, postmaster start, database oid, incarnation id): a client that sees it change flushes its caches and restarts from a fresh watermark.';
