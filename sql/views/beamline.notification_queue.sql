-- notification_queue: how full the cluster's LISTEN/NOTIFY queue is (pg_notification_queue_usage,
-- 0..1). A queue that fills (a listener that stopped reading while holding a transaction open)
-- makes NOTIFY fail at commit; alert well before 1.0 (e.g. at 0.5).
create or replace view beamline.notification_queue as
select pg_catalog.pg_notification_queue_usage() as usage_fraction,
       pg_catalog.round((100 * pg_catalog.pg_notification_queue_usage())::numeric, 3) as usage_pct;

comment on view beamline.notification_queue is
    'Fraction (0..1) of the LISTEN/NOTIFY queue in use (pg_notification_queue_usage); NOTIFY fails at commit when it is full.';
