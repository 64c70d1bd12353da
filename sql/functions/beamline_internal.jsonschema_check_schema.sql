-- Check a whole JSON Schema before use (register_schema, and beamline.validate for a schema
-- that is not registered): a size cap (256 KiB), a nesting cap (128 levels), the problems of every subschema (jsonschema_check_node),
-- then references (jsonschema_prepare: each resolves, no cycle that never consumes the document).
-- Returns {"problems": [...]} or, when usable, the prepared form {"root", "ctx", "problems": []}.
create or replace function beamline_internal.jsonschema_check_schema(p_schema jsonb)
returns jsonb
stable
set search_path = pg_catalog, pg_temp
language plpgsql
as $function$
declare
    v_res    record;
    c_max_bytes constant integer := 262144;
    c_max_depth constant integer := 128;
begin
    if p_schema is null then
        return '{"problems": [{"path": "", "keyword": "", "message": "the schema is null"}]}'::jsonb;
    end if;
    if pg_catalog.octet_length(p_schema::text) > c_max_bytes then
        return pg_catalog.jsonb_build_object('problems', pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
            'path', '', 'keyword', '', 'message', pg_catalog.format('the schema is larger than %s bytes', c_max_bytes))));
    end if;
    -- the checker and the engine recurse once per nesting level: bound it well below the
    -- server's stack limit (a 500-deep "not" chain overflowed it, SQLSTATE 54001)
    if pg_catalog.jsonb_path_exists(p_schema, pg_catalog.format(
           'strict $.**{%s} ? (@.type() == "object" || @.type() == "array")', c_max_depth)::jsonpath) then
        return pg_catalog.jsonb_build_object('problems', pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
            'path', '', 'keyword', '', 'message', pg_catalog.format('the schema is nested deeper than %s levels', c_max_depth))));
    end if;
    select * into v_res from beamline_internal.jsonschema_check_node(p_schema, p_schema, '', '{}'::text[]);
    if v_res.p_problems <> '[]'::jsonb then
        return pg_catalog.jsonb_build_object('problems', v_res.p_problems);
    end if;
    return beamline_internal.jsonschema_prepare(p_schema);
end
$function$;

comment on function beamline_internal.jsonschema_check_schema(jsonb) is
    'Check and prepare a JSON Schema: {"problems": [...]} (unsupported keywords, malformed values, bad patterns, unresolvable or cycling references), else the prepared form with problems [].';
