-- Every insert into devstate.history_entries must extend the chain at its head (SPEC §6).
-- After each INSERT statement, under a lock on devstate.chain_head: the new rows, in id order,
-- must start after the head's id, the first must link to the head's hmac (the genesis value, 64
-- zeros, for the first entry ever) and each next one to the row before it; else BL008 and the
-- statement fails. The head then advances to the last new row, once per statement (so a bulk
-- INSERT ... SELECT does not rewrite the head row per entry). Concurrent inserts therefore can
-- never fork the chain (unique(hmac_prev) backs this up), and chain order is id order.
-- devstate.append_history locks the head before taking an id, so its appends simply queue.
create or replace function beamline_internal.devstate_history_link()
    returns trigger
    volatile
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
declare
    v_head devstate.chain_head;
    v_bad_id bigint;
    v_reason text;
    v_count bigint;
    v_last_id bigint;
    v_last_hmac text;
begin
    select * into strict v_head from devstate.chain_head h where h.id = 1 for update;
    select pg_catalog.count(*), pg_catalog.max(n.id) into v_count, v_last_id from new_rows n;
    if v_count = 0 then
        return null;
    end if;
    if v_count = 1 then  -- the common case (append_history): no window needed
        select n.id, case when n.id <= v_head.head_id then 'id not after head'
                          when n.hmac_prev <> v_head.head_hmac then 'bad link' end,
               n.hmac
          into v_bad_id, v_reason, v_last_hmac from new_rows n;
    else
        select s.id, s.reason into v_bad_id, v_reason
          from (select n.id,
                       case when n.id <= v_head.head_id then 'id not after head'
                            when n.hmac_prev <> pg_catalog.lag(n.hmac, 1, v_head.head_hmac) over (order by n.id) then 'bad link'
                       end as reason
                  from new_rows n) s
         where s.reason is not null
         order by s.id
         limit 1;
        select n.hmac into v_last_hmac from new_rows n where n.id = v_last_id;
    end if;
    if v_reason is not null then
        raise exception using
            errcode = 'BL008',
            message = pg_catalog.format('history entry %s does not extend the chain (%s)', v_bad_id, v_reason),
            detail = pg_catalog.json_build_object('id', v_bad_id, 'reason', v_reason)::text,
            hint = 'Append with devstate.append_history, which links the entry to the head.';
    end if;
    update devstate.chain_head h
       set head_id = v_last_id, head_hmac = v_last_hmac, entries = h.entries + v_count,
           updated_at = pg_catalog.now()
     where h.id = 1;
    return null;
end;
$$;

comment on function beamline_internal.devstate_history_link() is
    'AFTER INSERT statement trigger of devstate.history_entries: BL008 unless the new rows extend the chain from devstate.chain_head in id order; then advances the head.';

drop trigger if exists chain_link on devstate.history_entries;
create trigger chain_link
    after insert on devstate.history_entries
    referencing new table as new_rows
    for each statement execute function beamline_internal.devstate_history_link();
comment on trigger chain_link on devstate.history_entries is
    'Rejects (BL008) inserted entries that do not extend the chain from its head in id order; advances devstate.chain_head.';
