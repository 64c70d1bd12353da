-- devstate_import_rows: the entries of an import batch (a JSON array of history.json objects)
-- as typed rows, in order. Casts raise 22xxx for a bad id or ts; devstate.import_entries turns
-- that into BL007.
create or replace function beamline_internal.devstate_import_rows(p_entries jsonb)
    returns table (ord bigint, id bigint, ts timestamptz, actor text, action text, cp_from text,
                   cp_to text, state_checksum text, key_id text, hmac_prev text, hmac text,
                   metadata jsonb)
    stable
    set search_path = pg_catalog, pg_temp
    language sql
as $$
    select r.ord, (r.e ->> 'id')::bigint, (r.e ->> 'ts')::timestamptz, r.e ->> 'actor', r.e ->> 'action',
           r.e ->> 'cp_from', r.e ->> 'cp_to', r.e ->> 'state_checksum', r.e ->> 'key_id',
           r.e ->> 'hmac_prev', r.e ->> 'hmac', r.e -> 'metadata'
      from pg_catalog.jsonb_array_elements(p_entries) with ordinality r(e, ord);
$$;

comment on function beamline_internal.devstate_import_rows(jsonb) is
    'The entries of a DevState import batch as typed rows, in order (used by devstate.import_entries).';
