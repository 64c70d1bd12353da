-- Change log for cache invalidation (SPEC §5, issue 4 point 6).
-- depends: 0002_policy_tables
--
-- Every committed change to beamline.policies, beamline.user_roles and beamline.tenant_quotas
-- leaves one row here (row triggers sql/triggers/*__change_log.sql), written in the changing
-- transaction and stamped with its transaction id (xid8). Clients resync exactly with
-- beamline.changes_since(watermark): a watermark is a snapshot xmin, so every transaction
-- below it has finished and its rows are final. bigserial ids commit out of order, so the id is
-- only for de-duplication, never a watermark. LISTEN/NOTIFY on channel beamline_changes only
-- wakes readers up (coalesced: see docs/CACHE_COHERENCE.md); rows carry keys, never documents.

create table beamline.change_log (
    id          bigserial    not null,
    xid         xid8         not null default pg_catalog.pg_current_xact_id(),
    kind        varchar(16)  not null,
    tenant_id   varchar(64)  not null,
    object_id   varchar(128) not null,
    op          varchar(16)  not null,
    version     integer,
    changed_at  timestamptz  not null default pg_catalog.clock_timestamp(),
    constraint change_log_pkey primary key (id),
    -- policy: object_id is the policy id; role: the user id; quota: the tenant id.
    constraint change_log_kind_check check (kind in ('policy', 'role', 'quota')),
    constraint change_log_op_check check (op in ('insert', 'update', 'delete'))
);
-- changes_since reads by (xid, id) from a watermark.
create index change_log_xid_idx on beamline.change_log (xid, id);
create index change_log_changed_at_idx on beamline.change_log (changed_at);

comment on table beamline.change_log is
    'One row per committed change of a policy version, role grant or quota, for cache invalidation. Read with beamline.changes_since; pruned with beamline_internal.change_log_prune.';
comment on column beamline.change_log.id is 'Change id (for de-duplication only: ids commit out of order, never use them as a watermark).';
comment on column beamline.change_log.xid is 'The writing transaction (pg_current_xact_id); watermarks compare against it.';
comment on column beamline.change_log.kind is 'policy | role | quota.';
comment on column beamline.change_log.object_id is 'policy: the policy id; role: the user id; quota: the tenant id.';
comment on column beamline.change_log.version is 'policy: the version row that changed; null otherwise.';

-- One row: everything below pruned_below has been pruned from change_log, so a client whose
-- watermark is older cannot resync exactly and must flush (changes_since says complete = false).
create table beamline.change_log_state (
    id            smallint not null default 1,
    pruned_below  xid8     not null default '0'::xid8,
    constraint change_log_state_pkey primary key (id),
    constraint change_log_state_singleton check (id = 1)
);
insert into beamline.change_log_state (id) values (1);

comment on table beamline.change_log_state is
    'Singleton: change_log rows with xid < pruned_below may have been pruned; older watermarks must flush.';
