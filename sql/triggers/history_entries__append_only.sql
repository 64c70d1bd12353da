-- The DevState history is append-only (SPEC §6): UPDATE, DELETE and TRUNCATE raise BL011 for
-- everyone, the owner role and superusers included. (A superuser can still disable triggers
-- with session_replication_role = replica; verify_hmac_chain then shows what was changed.)
create or replace function beamline_internal.devstate_history_guard()
    returns trigger
    volatile
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
begin
    raise exception using
        errcode = 'BL011',
        message = pg_catalog.format('%s on devstate.history_entries is not allowed: the history is append-only', tg_op),
        detail = 'devstate.history_entries',
        hint = 'Add entries with devstate.append_history; the chain cannot be edited.';
end;
$$;

comment on function beamline_internal.devstate_history_guard() is
    'BEFORE statement trigger of devstate.history_entries: BL011 for UPDATE / DELETE / TRUNCATE.';

drop trigger if exists append_only on devstate.history_entries;
create trigger append_only
    before update or delete on devstate.history_entries
    for each statement execute function beamline_internal.devstate_history_guard();
comment on trigger append_only on devstate.history_entries is 'Rejects UPDATE and DELETE (BL011), for everyone.';

drop trigger if exists append_only_truncate on devstate.history_entries;
create trigger append_only_truncate
    before truncate on devstate.history_entries
    for each statement execute function beamline_internal.devstate_history_guard();
comment on trigger append_only_truncate on devstate.history_entries is 'Rejects TRUNCATE (BL011), for everyone.';
