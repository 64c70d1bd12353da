-- Scheduled maintenance settings (issue 16): what beamline_admin.maintain keeps and removes.
-- depends: 0030_change_log
--
-- One row, owner-only (schema beamline_internal is granted to nobody). Changed through
-- beamline_admin.set_maintenance (or `beamline maintain config`), read by
-- beamline_admin.maintain, which `beamline maintain`, cron/systemd timers and pg_cron call.

create table beamline_internal.maintenance_settings (
    id               smallint     not null default 1,
    -- change_log entries older than this are pruned; a listener whose watermark is older
    -- than the prune boundary gets complete = false from changes_since and flushes its cache
    change_log_keep  interval     not null default '7 days',
    -- audit rows older than this are removed through beamline.cleanup_old_logs;
    -- null keeps the audit log forever
    audit_retention  interval,
    -- the actor maintain acts as (audited); audit retention needs audit:manage in tenant
    -- 'global' for this actor, otherwise it is skipped and the report says why
    actor            varchar(128) not null default 'beamline-maintain',
    updated_at       timestamptz  not null default now(),
    constraint maintenance_settings_pkey primary key (id),
    constraint maintenance_settings_singleton check (id = 1),
    constraint maintenance_settings_keep_not_negative check (change_log_keep >= interval '0'),
    constraint maintenance_settings_retention_positive check (audit_retention is null or audit_retention > interval '0'),
    constraint maintenance_settings_actor_format check (actor ~ '^[A-Za-z0-9][A-Za-z0-9._:@+-]*$')
);
insert into beamline_internal.maintenance_settings (id) values (1);

comment on table beamline_internal.maintenance_settings is
    'Singleton: change-log window, audit retention and actor of beamline_admin.maintain. Owner-only; change with beamline_admin.set_maintenance.';
comment on column beamline_internal.maintenance_settings.change_log_keep is
    'change_log entries older than this are pruned (listeners further behind flush).';
comment on column beamline_internal.maintenance_settings.audit_retention is
    'Audit rows older than this are deleted via beamline.cleanup_old_logs; null = keep forever.';
comment on column beamline_internal.maintenance_settings.actor is
    'Actor of maintenance changes in the audit log; needs audit:manage in tenant global for retention.';
