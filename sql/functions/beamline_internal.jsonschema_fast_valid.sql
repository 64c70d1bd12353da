-- The fast path of beamline.validate (docs/VALIDATION.md, "Performance"): TRUE when p_doc is
-- certainly valid against p_root, given p_fast = beamline_internal.jsonschema_compile(p_root).
-- FALSE means "maybe invalid": the caller then runs the engine, which lists the errors.
-- The predicate runs in C (jsonb_path_match); checks select their nodes with strict jsonpaths
-- built from type-guarded steps (they never raise), then test member names or run the engine
-- on the few opaque subschemas.
create or replace function beamline_internal.jsonschema_fast_valid(p_fast jsonb, p_root jsonb, p_doc jsonb)
returns boolean
immutable
parallel safe
set search_path = pg_catalog, pg_temp
language plpgsql
as $function$
declare
    v_check jsonb;
begin
    if not pg_catalog.jsonb_path_match(p_doc, (p_fast ->> 'predicate')::jsonpath) then
        return false;
    end if;
    for v_check in select c.value from pg_catalog.jsonb_array_elements(p_fast -> 'checks') as c loop
        if v_check ? 'keys' then
            if exists (select 1 from pg_catalog.jsonb_path_query(p_doc, (v_check ->> 'path')::jsonpath) as n(v)
                        where (n.v operator(pg_catalog.-) array(select pg_catalog.jsonb_array_elements_text(v_check -> 'keys')))
                              operator(pg_catalog.<>) '{}'::jsonb) then
                return false;
            end if;
        elsif exists (select 1 from pg_catalog.jsonb_path_query(p_doc, (v_check ->> 'path')::jsonpath) as n(v)
                       where beamline_internal.jsonschema_node(p_root, v_check -> 'schema', n.v, '', false) is not null) then
            return false;
        end if;
    end loop;
    return true;
end
$function$;

comment on function beamline_internal.jsonschema_fast_valid(jsonb, jsonb, jsonb) is
    'Fast path of beamline.validate: TRUE when the document is certainly valid (compiled jsonpath predicate plus checks), FALSE when the engine must run.';
