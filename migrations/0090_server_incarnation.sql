-- The database's incarnation id (issue 13, SPEC §5.8): a random id made once when this database
-- is created by the migrations. beamline.server_identity() returns it beside the cluster's
-- system identifier, the current timeline, the postmaster's start time and the database's oid;
-- a client that sees any of them change is talking to a different server history (failover,
-- restore, point-in-time recovery, a re-created database) and flushes its caches, its change-log
-- watermark and its own-write transaction ids. Owner only: readable through that function.
-- depends: 0080_maintenance

create table beamline_internal.server_incarnation (
    id           smallint    not null default 1,
    incarnation  uuid        not null default pg_catalog.gen_random_uuid(),
    created_at   timestamptz not null default pg_catalog.now(),
    constraint server_incarnation_pkey primary key (id),
    constraint server_incarnation_singleton check (id = 1)
);
insert into beamline_internal.server_incarnation (id) values (1);

comment on table beamline_internal.server_incarnation is
    'Singleton: a random id made when this database was created by the migrations (part of beamline.server_identity()).';
