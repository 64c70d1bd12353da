-- maintenance_status: one row to alert on (docs/OPERATIONS.md "Monitoring"): how much the
-- bounded tables hold, how much is waiting for beamline_admin.maintain, and when it last did
-- something. Alert when last_maintain_at is older than a few schedule periods while work is
-- pending, or when change_log_oldest_age exceeds the configured window by far.
-- Readable by the read-only role (reporting); it reveals counts and times, no contents.
create or replace view beamline.maintenance_status as
select (select pg_catalog.count(*) from beamline.change_log) as change_log_entries,
       (select pg_catalog.now() - pg_catalog.min(c.changed_at) from beamline.change_log c) as change_log_oldest_age,
       s.change_log_keep,
       (select pg_catalog.count(*) from devstate.locks l where l.expires_at <= pg_catalog.now()) as expired_leases,
       (select pg_catalog.count(*) from beamline.user_roles r
         where r.expires_at is not null and r.expires_at <= pg_catalog.now()) as expired_grants,
       s.audit_retention,
       case when s.audit_retention is null then 0
            else (select pg_catalog.count(*) from beamline.policy_audit_log a
                   where a."timestamp" < pg_catalog.now() - s.audit_retention) end as audit_rows_past_retention,
       (select pg_catalog.max(a."timestamp") from beamline.policy_audit_log a
         where a.action = 'MAINTAIN' and a.tenant_id = 'global') as last_maintain_at,
       pg_catalog.pg_notification_queue_usage() as notification_queue_usage
  from beamline_internal.maintenance_settings s
 where s.id = 1;

comment on view beamline.maintenance_status is
    'Counts to alert on: change-log size and age, expired leases/grants and audit rows past retention awaiting beamline_admin.maintain, its last run (MAINTAIN audit row), NOTIFY queue usage.';
