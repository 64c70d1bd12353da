-- The references a prepared schema (jsonschema_prepare) applies to the *same* document node:
-- its own "$ref" and "$dynamicRef" (static target) and those reached through allOf/anyOf/oneOf/
-- not/if/then/else/dependentSchemas, without following any reference. A cycle in the graph
-- "ref -> in-place refs of its target" would never consume the document (infinite recursion),
-- so jsonschema_prepare rejects it.
create or replace function beamline_internal.jsonschema_inplace_refs(p_schema jsonb)
returns text[]
immutable
parallel safe
set search_path = pg_catalog, pg_temp
language plpgsql
as $function$
declare
    v_refs text[] := '{}';
    v_kw   text;
    v_i    integer;
begin
    if pg_catalog.jsonb_typeof(p_schema) is distinct from 'object' then
        return v_refs;
    end if;
    if p_schema ? '$ref' then
        v_refs := v_refs || (p_schema ->> '$ref');
    end if;
    if pg_catalog.jsonb_typeof(p_schema -> '$dynamicRef') = 'object' then
        v_refs := v_refs || (p_schema -> '$dynamicRef' ->> 't');
    end if;
    if pg_catalog.jsonb_typeof(p_schema -> 'dependentSchemas') = 'object' then
        for v_kw in select pg_catalog.jsonb_object_keys(p_schema -> 'dependentSchemas') loop
            v_refs := v_refs || beamline_internal.jsonschema_inplace_refs(p_schema -> 'dependentSchemas' -> v_kw);
        end loop;
    end if;
    foreach v_kw in array array['not', 'if', 'then', 'else'] loop
        if p_schema ? v_kw then
            v_refs := v_refs || beamline_internal.jsonschema_inplace_refs(p_schema -> v_kw);
        end if;
    end loop;
    foreach v_kw in array array['allOf', 'anyOf', 'oneOf'] loop
        if pg_catalog.jsonb_typeof(p_schema -> v_kw) = 'array' then
            for v_i in 0 .. pg_catalog.jsonb_array_length(p_schema -> v_kw) - 1 loop
                v_refs := v_refs || beamline_internal.jsonschema_inplace_refs(p_schema -> v_kw -> v_i);
            end loop;
        end if;
    end loop;
    return v_refs;
end
$function$;

comment on function beamline_internal.jsonschema_inplace_refs(jsonb) is
    'The $refs a JSON schema applies to the same document node (for $ref cycle detection).';
