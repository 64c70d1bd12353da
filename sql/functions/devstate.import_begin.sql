-- import_begin: first step of loading .trae/state.json + .trae/history.json into an EMPTY
-- DevState (no history entries, and the initial document never written), in the caller's
-- transaction: checks the document (limits BL009, schema state/default BL004) and that
-- p_checksum is its checksum (BL004, keyword "checksum"), writes it, and opens the import for
-- devstate.import_entries in this transaction. BL013 when DevState is not empty.
-- Needs state:write and history:append in tenant devstate; BL012 without an HMAC key.
-- The client then calls import_entries batch by batch and verify_hmac_chain, and rolls back
-- on any failure, so a refused import writes nothing.
create or replace function devstate.import_begin(p_state jsonb, p_checksum text, p_actor text)
    returns void
    volatile
    security definer
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
declare
    v_row devstate.state_current;
    v_checksum text;
begin
    perform beamline_internal.require_permission('devstate', p_actor, 'state:write');
    perform beamline_internal.require_permission('devstate', p_actor, 'history:append');
    perform beamline_internal.devstate_keys();
    if p_state is null or pg_catalog.jsonb_typeof(p_state) <> 'object' then
        perform beamline_internal.devstate_bad_input('state', 'must be a JSON object');
    end if;
    -- Same lock order as update_state / append_history (state, then chain head): no deadlock.
    select * into v_row from devstate.state_current s where s.id = 1 for update;
    perform 1 from devstate.chain_head h where h.id = 1 for update;
    if exists (select 1 from devstate.history_entries)
       or (found and v_row.updated_by is not null) then
        raise exception using
            errcode = 'BL013',
            message = 'DevState is not empty: import loads only into an empty DevState',
            detail = pg_catalog.json_build_object('devstate', 'not empty',
                'entries', (select pg_catalog.count(*) from devstate.history_entries))::text,
            hint = 'Import into a fresh database (beamline migrate), or export instead.';
    end if;
    perform beamline_internal.check_document_limits(p_state);
    perform beamline_internal.assert_valid(beamline_internal.schema_for('state/default'), p_state);
    v_checksum := beamline_internal.devstate_state_checksum(p_state);
    if p_checksum is distinct from v_checksum then
        raise exception using
            errcode = 'BL004',
            message = 'state.json does not match the state checksum recorded in history.json',
            detail = pg_catalog.json_build_array(pg_catalog.json_build_object('path', '', 'keyword', 'checksum',
                'message', pg_catalog.format('checksum is %s, expected %s', v_checksum, p_checksum)))::text,
            hint = 'The files were edited or come from different exports; export them again.';
    end if;
    insert into devstate.state_current as s (id, json, checksum, updated_at, updated_by)
    values (1, p_state, v_checksum, pg_catalog.now(), p_actor)
    on conflict (id) do update set json = excluded.json, checksum = excluded.checksum,
                                   updated_at = excluded.updated_at, updated_by = excluded.updated_by;
    -- Open the import for this transaction only, in a table callers cannot write.
    delete from devstate.import_sessions i
     where i.xid < pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot());
    insert into devstate.import_sessions (xid) values (pg_catalog.pg_current_xact_id())
    on conflict do nothing;
end;
$$;

comment on function devstate.import_begin(jsonb, text, text) is
    'Start an import into an empty DevState (BL013 otherwise): validate and write the state document (BL004 / BL009, checksum must match). Needs state:write + history:append.';
