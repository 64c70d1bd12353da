-- devstate_key_fingerprint: the registered fingerprint of an HMAC key (migrations/0056):
-- hex(HMAC-SHA256(key, 'beamline-devstate-key-fingerprint/1,' || key_id || ',' || hex(salt))).
-- One-way: it proves a session holds the registered key without storing the key.
create or replace function beamline_internal.devstate_key_fingerprint(p_key bytea, p_key_id text, p_salt bytea)
    returns text
    immutable
    strict
    parallel safe
    set search_path = pg_catalog, pg_temp
    language sql
return pg_catalog.encode(beamline_ext.hmac(
    pg_catalog.convert_to('beamline-devstate-key-fingerprint/1,' || p_key_id || ',' || pg_catalog.encode(p_salt, 'hex'), 'UTF8'),
    p_key, 'sha256'), 'hex');

comment on function beamline_internal.devstate_key_fingerprint(bytea, text, bytea) is
    'Salted HMAC-SHA256 fingerprint of a DevState HMAC key (see beamline_internal.devstate_hmac_keys).';
