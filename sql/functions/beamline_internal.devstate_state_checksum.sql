-- devstate_state_checksum: the checksum of a DevState document, the lowercase hex SHA-256 of
-- its canonical JSON (devstate_canonical_json) encoded in UTF-8. .trae/state.json holds exactly
-- that canonical text plus a newline, so `head -c -1 .trae/state.json | sha256sum` agrees.
create or replace function beamline_internal.devstate_state_checksum(p_doc jsonb)
    returns text
    immutable
    strict
    parallel safe
    set search_path = pg_catalog, pg_temp
    language sql
return pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(beamline_internal.devstate_canonical_json(p_doc), 'UTF8')), 'hex');

comment on function beamline_internal.devstate_state_checksum(jsonb) is
    'SHA-256 (hex) of the canonical JSON of a DevState document, UTF-8 encoded.';
