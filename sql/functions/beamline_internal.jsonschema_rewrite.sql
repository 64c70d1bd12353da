-- Apply jsonschema_prepare's rewrites in one pass: p_patch maps the JSON pointer of a subschema
-- (in the prepared document) to members that replace its own ("$ref", "$dynamicRef", "$id"),
-- and optionally "$strip": keywords to drop from it and every subschema below it (those of
-- vocabularies its meta-schema does not use). Follows the keywords that hold subschemas, like
-- jsonschema_index.
create or replace function beamline_internal.jsonschema_rewrite(p_schema jsonb, p_ptr text, p_patch jsonb,
                                                                p_strip text[] default '{}')
returns jsonb
immutable
parallel safe
set search_path = pg_catalog, pg_temp
language plpgsql
as $function$
declare
    v_out jsonb := p_schema;
    v_kw  text;
    v_key text;
    v_sub jsonb;
    v_strip text[] := p_strip;
begin
    if pg_catalog.jsonb_typeof(p_schema) <> 'object' then
        return p_schema;
    end if;
    if p_patch ? p_ptr then
        if p_patch -> p_ptr ? '$strip' then
            v_strip := v_strip || array(select pg_catalog.jsonb_array_elements_text(p_patch -> p_ptr -> '$strip'));
        end if;
        v_out := v_out || ((p_patch -> p_ptr) - '$strip');
    end if;
    v_out := v_out - v_strip;
    -- ECMA-262 regex syntax PostgreSQL lacks (\p{Letter}, ...), translated once here
    if pg_catalog.jsonb_typeof(v_out -> 'pattern') = 'string' then
        v_out := v_out || pg_catalog.jsonb_build_object('pattern', beamline_internal.jsonschema_regex(v_out ->> 'pattern'));
    end if;
    foreach v_kw in array array['additionalProperties', 'propertyNames', 'items', 'contains', 'not', 'if',
                                'then', 'else', 'unevaluatedItems', 'unevaluatedProperties', 'contentSchema'] loop
        if pg_catalog.jsonb_typeof(v_out -> v_kw) = 'object' then
            v_out := v_out || pg_catalog.jsonb_build_object(v_kw,
                beamline_internal.jsonschema_rewrite(v_out -> v_kw, p_ptr || '/' || v_kw, p_patch, v_strip));
        end if;
    end loop;
    foreach v_kw in array array['prefixItems', 'allOf', 'anyOf', 'oneOf'] loop
        if pg_catalog.jsonb_typeof(v_out -> v_kw) = 'array' then
            select pg_catalog.jsonb_agg(beamline_internal.jsonschema_rewrite(e.value, p_ptr || '/' || v_kw || '/' || (e.n - 1), p_patch, v_strip) order by e.n)
              into v_sub from pg_catalog.jsonb_array_elements(v_out -> v_kw) with ordinality as e(value, n);
            v_out := v_out || pg_catalog.jsonb_build_object(v_kw, v_sub);
        end if;
    end loop;
    foreach v_kw in array array['properties', 'patternProperties', '$defs', 'dependentSchemas'] loop
        if pg_catalog.jsonb_typeof(v_out -> v_kw) = 'object' then
            select pg_catalog.jsonb_object_agg(
                       case when v_kw = 'patternProperties' then beamline_internal.jsonschema_regex(e.key) else e.key end,
                       beamline_internal.jsonschema_rewrite(e.value,
                       p_ptr || '/' || pg_catalog.replace(v_kw, '~', '~0') || '/'
                             || pg_catalog.replace(pg_catalog.replace(e.key, '~', '~0'), '/', '~1'), p_patch, v_strip))
              into v_sub from pg_catalog.jsonb_each(v_out -> v_kw) as e;
            v_out := v_out || pg_catalog.jsonb_build_object(v_kw, coalesce(v_sub, '{}'::jsonb));
        end if;
    end loop;
    return v_out;
end
$function$;

comment on function beamline_internal.jsonschema_rewrite(jsonb, text, jsonb, text[]) is
    'Replace members of the subschemas named by JSON pointer in p_patch (jsonschema_prepare''s resolved references).';
