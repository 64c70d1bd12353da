-- notify_lock_key: the advisory lock key that elects the one in-flight notifying transaction
-- (sql/triggers/change_log__notify.sql). A constant; a function so it is written once.
create or replace function beamline_internal.notify_lock_key()
    returns bigint
    immutable
    parallel safe
    set search_path = pg_catalog, pg_temp
    language sql
as $$ select pg_catalog.hashtextextended('beamline.notify', 0) $$;

comment on function beamline_internal.notify_lock_key() is
    'Advisory lock key (bigint space) held by the single transaction allowed to NOTIFY beamline_changes at a time.';
