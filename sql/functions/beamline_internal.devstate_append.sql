-- devstate_append: append one entry to the HMAC chain (the body of append_history and of
-- update_state's optional history entry; the caller has checked permissions and the entry).
-- Locks devstate.chain_head FOR UPDATE first, so concurrent appends queue up and the id
-- (taken from the sequence after the lock) grows along the chain. The session's key must be the
-- one registered for its key id and not retired (BL025, devstate_check_keys), so nobody can
-- sign under an id with a secret of their own. Returns the new hmac.
create or replace function beamline_internal.devstate_append(p_entry jsonb, p_actor text)
    returns text
    volatile
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
declare
    v_keys jsonb := beamline_internal.devstate_keys();
    v_key_id text := v_keys ->> '';
    v_head devstate.chain_head;
    v_id bigint;
    v_ts timestamptz;
    v_metadata jsonb := p_entry -> 'metadata';
    v_canonical text := beamline_internal.devstate_canonical_json(p_entry -> 'metadata');
    v_hmac text;
begin
    perform beamline_internal.devstate_check_keys(v_keys, array[v_key_id], true);
    -- everything above runs before the lock; from here to commit appends are serialised
    select * into strict v_head from devstate.chain_head h where h.id = 1 for update;
    v_id := pg_catalog.nextval('devstate.history_entries_id_seq'::pg_catalog.regclass);
    v_ts := pg_catalog.clock_timestamp();
    v_hmac := pg_catalog.encode(beamline_ext.hmac(
        beamline_internal.devstate_entry_message(
            v_id, v_ts, p_actor, p_entry ->> 'action', p_entry ->> 'cp_from', p_entry ->> 'cp_to',
            p_entry ->> 'state_checksum', v_key_id, v_head.head_hmac,
            v_canonical),
        pg_catalog.decode(v_keys ->> v_key_id, 'hex'), 'sha256'), 'hex');
    insert into devstate.history_entries
        (id, ts, actor, action, cp_from, cp_to, state_checksum, hmac_prev, hmac, key_id, metadata)
    values (v_id, v_ts, p_actor, p_entry ->> 'action', p_entry ->> 'cp_from', p_entry ->> 'cp_to',
            p_entry ->> 'state_checksum', v_head.head_hmac, v_hmac, v_key_id, v_metadata);
    return v_hmac;
end;
$$;

comment on function beamline_internal.devstate_append(jsonb, text) is
    'Append a checked entry to the history chain under the chain_head row lock and return its hmac (BL012 without a secret, BL025 with an unregistered, retired or wrong key).';
