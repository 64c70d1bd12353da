-- register_hmac_key: owner-only. Register the session's current DevState HMAC key (the
-- startup-option settings beamline.hmac_secret and beamline.hmac_key_id, default k1; never
-- pass a key in a statement) by its salted fingerprint. Appends and imports are refused (BL025)
-- under key ids not registered here. Idempotent for the same key; a different secret under a
-- registered id is BL025 "does not match" (rotate to a new id instead: docs/DEVSTATE_MCP.md).
-- A new key id's secret must be at least 32 bytes (BL007): anyone who may read entries sees
-- their hmacs and messages and can test guesses of the secret offline, so the chain is only as
-- strong as the secret (RFC 2104: no shorter than the hash output). A key registered before
-- this rule stays usable (registering it again is still a no-op); rotate it to a new id.
-- Audited (tenant devstate, target_type key, action REGISTER, actor 'owner'; the fingerprint is
-- not logged). Returns {"key_id", "registered": true} or {"key_id", "registered": false} when
-- the key was registered already.
create or replace function beamline_admin.register_hmac_key()
    returns jsonb
    volatile
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
declare
    v_keys jsonb := beamline_internal.devstate_keys();
    v_key_id text := v_keys ->> '';
    v_salt bytea := beamline_ext.gen_random_bytes(16);
begin
    if v_key_id !~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' then
        perform beamline_internal.devstate_bad_input('beamline.hmac_key_id',
            'must be 1-64 characters: a letter or digit, then letters, digits and . _ -');
    end if;
    perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('beamline.devstate_hmac_keys'));
    if exists (select 1 from beamline_internal.devstate_hmac_keys k where k.key_id = v_key_id) then
        perform beamline_internal.devstate_check_keys(v_keys, array[v_key_id], false);
        return pg_catalog.jsonb_build_object('key_id', v_key_id, 'registered', false);
    end if;
    if pg_catalog.length(v_keys ->> v_key_id) < 2 * 32 then  -- hex: two digits per byte
        perform beamline_internal.devstate_bad_input('beamline.hmac_secret',
            'must be at least 32 bytes for a new key id',
            'Use a random secret, e.g. `openssl rand -hex 32`, in BEAMLINE_HMAC_SECRET (docs/DEVSTATE_MCP.md, "The HMAC key").');
    end if;
    insert into beamline_internal.devstate_hmac_keys (key_id, salt, fingerprint)
    values (v_key_id, v_salt,
            beamline_internal.devstate_key_fingerprint(pg_catalog.decode(v_keys ->> v_key_id, 'hex'), v_key_id, v_salt));
    perform pg_catalog.set_config('beamline.actor', 'owner', true);
    perform beamline_internal.audit_write('devstate', 'key', null, v_key_id, 'REGISTER', null,
                                          pg_catalog.jsonb_build_object('key_id', v_key_id));
    return pg_catalog.jsonb_build_object('key_id', v_key_id, 'registered', true);
end;
$$;

comment on function beamline_admin.register_hmac_key() is
    'Owner only: register the session''s current DevState HMAC key id (beamline.hmac_key_id) by a salted fingerprint of beamline.hmac_secret (at least 32 bytes for a new id, else BL007); BL025 if the id is registered with another secret. Audited.';
