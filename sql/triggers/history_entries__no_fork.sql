-- A history entry whose hmac_prev is already some entry's hmac_prev would fork the chain: reject
-- it with BL008 (reason "fork") before the unique key history_entries_hmac_prev_key does so with
-- a bare 23505. (Two racing direct inserts can still meet the unique key; append_history never
-- races, it queues on devstate.chain_head.) The full link check is history_entries__chain_link.
create or replace function beamline_internal.devstate_history_no_fork()
    returns trigger
    volatile
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
begin
    if exists (select 1 from devstate.history_entries e where e.hmac_prev = new.hmac_prev) then
        raise exception using
            errcode = 'BL008',
            message = pg_catalog.format('history entry %s would fork the chain: its predecessor already has a successor', new.id),
            detail = pg_catalog.json_build_object('id', new.id, 'reason', 'fork')::text,
            hint = 'Append with devstate.append_history, which links the entry to the head.';
    end if;
    return new;
end;
$$;

comment on function beamline_internal.devstate_history_no_fork() is
    'BEFORE INSERT row trigger of devstate.history_entries: BL008 (reason fork) when hmac_prev already has a successor.';

drop trigger if exists no_fork on devstate.history_entries;
create trigger no_fork
    before insert on devstate.history_entries
    for each row execute function beamline_internal.devstate_history_no_fork();
comment on trigger no_fork on devstate.history_entries is
    'Rejects (BL008, reason fork) an entry whose hmac_prev already has a successor.';
