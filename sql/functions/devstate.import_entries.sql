-- import_entries: load a batch of exported history entries (a JSON array of the objects of
-- .trae/history.json, in order) after import_begin in the same transaction. Every entry keeps
-- its id, ts, actor, key_id, hmac_prev and hmac; every hmac is recomputed with the session's
-- keys and must match (BL008 {"id", "reason": "bad hmac" | "unknown key"}), and the insert
-- trigger checks every link (BL008). The session's key for every key id in the batch must match
-- the fingerprint registered for it (BL025; retired ids are fine for old entries), so an import
-- cannot found a chain on a key nobody else holds. Bad fields are BL007. Returns the number of
-- entries loaded. A batch holds at most 10,000 entries and 32 MiB of JSON (BL009).
-- Needs history:append in tenant devstate.
create or replace function devstate.import_entries(p_entries jsonb, p_actor text)
    returns bigint
    volatile
    security definer
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
declare
    v_keys jsonb := beamline_internal.devstate_keys();
    v_bad record;
    v_count bigint;
    v_min bigint;
    v_max bigint;
begin
    perform beamline_internal.require_permission('devstate', p_actor, 'history:append');
    if not exists (select 1 from devstate.import_sessions i
                    where i.xid = pg_catalog.pg_current_xact_id()) then
        perform beamline_internal.devstate_bad_input('import', 'no import in progress in this transaction',
            'Call devstate.import_begin first, in the same transaction.');
    end if;
    if p_entries is null or pg_catalog.jsonb_typeof(p_entries) <> 'array' then
        perform beamline_internal.devstate_bad_input('entries', 'must be a JSON array');
    end if;
    -- Bounded batches (issue 11, like log_action's): the client sends 10,000 entries per call.
    v_count := pg_catalog.jsonb_array_length(p_entries);
    if v_count > 10000 then
        raise exception using
            errcode = 'BL009',
            message = 'too many entries in one import_entries batch',
            detail = pg_catalog.json_build_object('limit', 10000, 'value', v_count)::text,
            hint = 'Send the entries in batches of at most 10,000 entries and 32 MiB.';
    end if;
    v_count := pg_catalog.octet_length(p_entries::text);
    if v_count > 33554432 then
        raise exception using
            errcode = 'BL009',
            message = 'import_entries batch is over 32 MiB',
            detail = pg_catalog.json_build_object('limit', 33554432, 'value', v_count)::text,
            hint = 'Send the entries in batches of at most 10,000 entries and 32 MiB.';
    end if;
    -- The batch is read straight from p_entries (no temporary table: a caller could pre-create
    -- one in pg_temp with a trigger and have it run as the owner).
    begin
        select b.ord, b.id into v_bad from beamline_internal.devstate_import_rows(p_entries) b
     where b.id is null or b.id < 1 or b.ts is null or b.actor is null or b.actor = ''
        or b.action is null or b.action = '' or b.key_id is null or b.key_id = ''
        or b.hmac_prev !~ '^[0-9a-f]{64}$' or b.hmac !~ '^[0-9a-f]{64}$'
        or b.hmac_prev is null or b.hmac is null
        or (b.state_checksum is not null and b.state_checksum !~ '^[0-9a-f]{64}$')
        or pg_catalog.jsonb_typeof(b.metadata) is distinct from 'object'
     order by b.ord limit 1;
    exception when invalid_text_representation or invalid_datetime_format or datetime_field_overflow
                   or numeric_value_out_of_range then
        perform beamline_internal.devstate_bad_input('entries', 'an id or ts is not valid');
    end;
    if v_bad.ord is not null then
        perform beamline_internal.devstate_bad_input('entries',
            pg_catalog.format('entry %s (id %s) has a missing or malformed field', v_bad.ord, v_bad.id));
    end if;
    perform beamline_internal.devstate_check_keys(v_keys,
        array(select distinct b.key_id from beamline_internal.devstate_import_rows(p_entries) b), false);
    -- insert first (the trigger checks every link), then recompute the hmacs from the stored
    -- rows, whose generated metadata_canonical spares a second serialisation; a failure raises,
    -- and the caller's transaction rolls back the whole import.
    insert into devstate.history_entries
        (id, ts, actor, action, cp_from, cp_to, state_checksum, hmac_prev, hmac, key_id, metadata)
    select b.id, b.ts, b.actor, b.action, b.cp_from, b.cp_to, b.state_checksum, b.hmac_prev, b.hmac, b.key_id, b.metadata
      from beamline_internal.devstate_import_rows(p_entries) b
     order by b.ord;
    get diagnostics v_count = row_count;
    select pg_catalog.min(b.id), pg_catalog.max(b.id) into v_min, v_max
      from beamline_internal.devstate_import_rows(p_entries) b;
    select e.id, case when v_keys ? e.key_id then 'bad hmac' else 'unknown key' end as reason
      into v_bad
      from devstate.history_entries e
     where e.id between v_min and v_max
       and e.hmac is distinct from pg_catalog.encode(beamline_ext.hmac(
               beamline_internal.devstate_entry_message(e.id, e.ts, e.actor, e.action, e.cp_from, e.cp_to,
                   e.state_checksum, e.key_id, e.hmac_prev, e.metadata_canonical),
               pg_catalog.decode(v_keys ->> e.key_id, 'hex'), 'sha256'), 'hex')
     order by e.id limit 1;
    if found then
        raise exception using
            errcode = 'BL008',
            message = pg_catalog.format('history entry %s does not verify (%s)', v_bad.id, v_bad.reason),
            detail = pg_catalog.json_build_object('id', v_bad.id, 'reason', v_bad.reason)::text,
            hint = 'The file was edited or signed with another key; nothing was imported.';
    end if;
    if v_max is not null then
        perform pg_catalog.setval('devstate.history_entries_id_seq'::pg_catalog.regclass,
            greatest(v_max, (select s.last_value from devstate.history_entries_id_seq s)), true);
    end if;
    return v_count;
end;
$$;

comment on function devstate.import_entries(jsonb, text) is
    'Load a batch of exported history entries after devstate.import_begin (same transaction): every hmac recomputed (BL008), every link checked by the insert trigger, every key id registered (BL025). Needs history:append.';
