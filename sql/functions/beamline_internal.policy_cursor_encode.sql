-- policy_cursor_encode: the opaque keyset cursor of list_policies: base64 of the JSON array
-- [policy_id, version] of the last row returned. Callers must treat it as opaque.
create or replace function beamline_internal.policy_cursor_encode(p_policy_id text, p_version integer)
    returns text
    immutable
    parallel safe
    set search_path = pg_catalog, pg_temp
    language sql
as $$
    select pg_catalog.translate(
        pg_catalog.encode(pg_catalog.convert_to(pg_catalog.json_build_array(p_policy_id, p_version)::text, 'UTF8'), 'base64'),
        E'\n', '')
$$;

comment on function beamline_internal.policy_cursor_encode(text, integer) is
    'Opaque list_policies cursor for the position after (policy_id, version).';
