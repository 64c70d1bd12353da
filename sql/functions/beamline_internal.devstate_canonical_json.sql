-- devstate_canonical_json: the canonical JSON serializer of DevState (state checksum, history
-- metadata, export). Also created by migrations/0040 (a generated column uses it); keep both identical.
-- Output must never change: the HMACs of stored entries depend on it (docs/DEVSTATE_MCP.md).
create or replace function beamline_internal.devstate_canonical_json(p_doc jsonb)
    returns text
    immutable
    strict
    parallel safe
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
begin
    case pg_catalog.jsonb_typeof(p_doc)
        when 'object' then
            return (select '{' || coalesce(pg_catalog.string_agg(
                        pg_catalog.to_json(e.key)::text || ':' ||
                        case when pg_catalog.jsonb_typeof(e.value) in ('object', 'array')
                             then beamline_internal.devstate_canonical_json(e.value)
                             else e.value::text end,
                        ',' order by e.key collate "C"), '') || '}'
                      from pg_catalog.jsonb_each(p_doc) e);
        when 'array' then
            return (select '[' || coalesce(pg_catalog.string_agg(
                        case when pg_catalog.jsonb_typeof(e.value) in ('object', 'array')
                             then beamline_internal.devstate_canonical_json(e.value)
                             else e.value::text end,
                        ',' order by e.ord), '') || ']'
                      from pg_catalog.jsonb_array_elements(p_doc) with ordinality e(value, ord));
        else
            return p_doc::text;
    end case;
end;
$$;

comment on function beamline_internal.devstate_canonical_json(jsonb) is
    'Canonical JSON text of a document: object keys sorted by UTF-8 bytes, no whitespace, strings escaped as PostgreSQL/JSON, numbers in plain notation (numeric output). See docs/DEVSTATE_MCP.md.';
