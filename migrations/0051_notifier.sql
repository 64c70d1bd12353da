-- The notifier row: the commit-time trigger change_log__notify NOTIFYs only while it holds this
-- row's lock (FOR UPDATE SKIP LOCKED), so at most one notifying transaction is in flight
-- (docs/CACHE_COHERENCE.md). It replaces an advisory lock, which any role could take and hold
-- in its own session to silence every invalidation (issue 11); only the owner can lock this row.
-- depends: 0050_owner_settings

create table beamline_internal.notifier (
    id  smallint not null default 1,
    constraint notifier_pkey primary key (id),
    constraint notifier_singleton check (id = 1)
);
insert into beamline_internal.notifier (id) values (1);

comment on table beamline_internal.notifier is
    'Singleton row locked by the one transaction allowed to NOTIFY beamline_changes at a time (owner only).';
