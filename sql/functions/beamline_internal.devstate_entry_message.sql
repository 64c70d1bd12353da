-- devstate_entry_message: the exact bytes a history entry's HMAC covers (message version 1).
-- A sequence of netstrings (length in UTF-8 bytes, ':', the bytes, ','), in this order:
--   "beamline-devstate-entry/1", id (decimal), ts (UTC, YYYY-MM-DDTHH:MM:SS.ffffffZ), actor,
--   action, cp_from, cp_to, state_checksum, key_id, hmac_prev, metadata (canonical JSON).
-- A NULL field (cp_from, cp_to, state_checksum) is written "-," instead of a netstring.
-- UTF-8 throughout. pyclient/beamline_store/devstate/canonical.py builds the same bytes;
-- tests/vectors/devstate_hmac.json holds both sides to it. Plain SQL, so it is inlined into the
-- set-based verification.
create or replace function beamline_internal.devstate_entry_message(
    p_id bigint,
    p_ts timestamptz,
    p_actor text,
    p_action text,
    p_cp_from text,
    p_cp_to text,
    p_state_checksum text,
    p_key_id text,
    p_hmac_prev text,
    p_metadata_canonical text)
    returns bytea
    stable
    parallel safe
    language sql
return pg_catalog.convert_to(
    '25:beamline-devstate-entry/1,'
    || pg_catalog.octet_length(p_id::text)::text || ':' || p_id::text || ','
    || '27:' || pg_catalog.to_char(pg_catalog.timezone('UTC', p_ts), 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || ','
    || pg_catalog.octet_length(p_actor)::text || ':' || p_actor || ','
    || pg_catalog.octet_length(p_action)::text || ':' || p_action || ','
    || coalesce(pg_catalog.octet_length(p_cp_from)::text || ':' || p_cp_from, '-') || ','
    || coalesce(pg_catalog.octet_length(p_cp_to)::text || ':' || p_cp_to, '-') || ','
    || coalesce(pg_catalog.octet_length(p_state_checksum)::text || ':' || p_state_checksum, '-') || ','
    || pg_catalog.octet_length(p_key_id)::text || ':' || p_key_id || ','
    || pg_catalog.octet_length(p_hmac_prev)::text || ':' || p_hmac_prev || ','
    || pg_catalog.octet_length(p_metadata_canonical)::text || ':' || p_metadata_canonical || ',',
    'UTF8');

comment on function beamline_internal.devstate_entry_message(bigint, timestamptz, text, text, text, text, text, text, text, text) is
    'The canonical message of a history entry (netstrings, UTF-8) that its HMAC-SHA256 covers; see docs/DEVSTATE_MCP.md.';
