-- Check a whole JSON Schema before use (register_schema, and beamline.validate once per
-- session and schema): the problems of every subschema (jsonschema_check_node), a size cap,
-- and $ref cycles that never consume the document ({"$defs": {"a": {"$ref": "#/$defs/a"}}}).
-- Returns the list of problems, [] when the schema is usable.
create or replace function beamline_internal.jsonschema_check_schema(p_schema jsonb)
returns jsonb
immutable
parallel safe
set search_path = pg_catalog, pg_temp
language plpgsql
as $function$
declare
    v_res    record;
    v_cycle  text;
    c_max_bytes constant integer := 262144;
begin
    if p_schema is null then
        return '[{"path": "", "keyword": "", "message": "the schema is null"}]'::jsonb;
    end if;
    if pg_catalog.octet_length(p_schema::text) > c_max_bytes then
        return pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object('path', '', 'keyword', '',
            'message', pg_catalog.format('the schema is larger than %s bytes', c_max_bytes)));
    end if;
    select * into v_res from beamline_internal.jsonschema_check_node(p_schema, p_schema, '', '{}'::text[]);
    if v_res.p_problems <> '[]'::jsonb or pg_catalog.cardinality(v_res.p_refs) = 0 then
        return v_res.p_problems;
    end if;
    -- Reachability closure over "ref -> in-place refs of its target"; UNION keeps it polynomial.
    with recursive edge(src, dst) as (
        select distinct r.ref, d.ref
          from pg_catalog.unnest(v_res.p_refs) as r(ref)
          cross join lateral pg_catalog.unnest(beamline_internal.jsonschema_inplace_refs(
              p_schema #> beamline_internal.jsonschema_pointer(r.ref))) as d(ref)
    ), reach(src, dst) as (
        select e.src, e.dst from edge as e
        union
        select r.src, e.dst from reach as r join edge as e on e.src = r.dst
    )
    select r.src into v_cycle from reach as r where r.src = r.dst limit 1;
    if v_cycle is not null then
        return pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object('path', '', 'keyword', '$ref',
            'message', pg_catalog.format('$ref %s leads back to itself without descending into the document', pg_catalog.to_jsonb(v_cycle))));
    end if;
    return '[]'::jsonb;
end
$function$;

comment on function beamline_internal.jsonschema_check_schema(jsonb) is
    'Problems of a JSON Schema (unsupported keywords, malformed values, bad patterns, unresolvable or cycling $refs); [] when usable.';
