-- Walk one schema resource tree (a checked schema, or a registered one pulled in by a remote
-- "$ref") and list what reference resolution needs, one row (a JSON event) each:
--   {"k": "res", "uri", "ptr"}              a schema resource ($id, or the document itself)
--   {"k": "anc", "uri", "ptr"}              "$anchor" / "$dynamicAnchor": uri = base#name
--   {"k": "dyn", "res", "name", "ptr"}      "$dynamicAnchor" name in resource res (a pointer)
--   {"k": "ref" | "dref", "ptr", "base", "ref"}   a "$ref" / "$dynamicRef" of the subschema at ptr
--   {"k": "meta", "ptr", "uri"}             a resource's "$schema" other than draft 2020-12
-- p_ptr is the subschema's JSON pointer in the combined document (jsonschema_prepare), p_base
-- its base URI and p_res the pointer of its resource. Only keywords that hold subschemas are
-- followed (never enum/const/examples), so a "$id" inside data is not an identifier.
create or replace function beamline_internal.jsonschema_index(p_schema jsonb, p_ptr text, p_base text, p_res text)
returns setof jsonb
immutable
parallel safe
set search_path = pg_catalog, pg_temp
language plpgsql
as $function$
declare
    v_base text := p_base;
    v_res  text := p_res;
    v_kw   text;
    v_key  text;
    v_i    integer;
begin
    if pg_catalog.jsonb_typeof(p_schema) <> 'object' then
        return;
    end if;
    if pg_catalog.jsonb_typeof(p_schema -> '$id') = 'string' then
        v_base := pg_catalog.split_part(beamline_internal.jsonschema_uri_resolve(p_base, p_schema ->> '$id'), '#', 1);
        v_res := p_ptr;
    end if;
    if v_res = p_ptr then
        return next pg_catalog.jsonb_build_object('k', 'res', 'uri', v_base, 'ptr', p_ptr);
        if pg_catalog.jsonb_typeof(p_schema -> '$schema') = 'string'
           and p_schema ->> '$schema' not in ('https://json-schema.org/draft/2020-12/schema',
                                              'https://json-schema.org/draft/2020-12/schema#') then
            return next pg_catalog.jsonb_build_object('k', 'meta', 'ptr', p_ptr, 'uri', p_schema ->> '$schema');
        end if;
    end if;
    if pg_catalog.jsonb_typeof(p_schema -> '$anchor') = 'string' then
        return next pg_catalog.jsonb_build_object('k', 'anc', 'uri', v_base || '#' || (p_schema ->> '$anchor'), 'ptr', p_ptr);
    end if;
    if pg_catalog.jsonb_typeof(p_schema -> '$dynamicAnchor') = 'string' then
        return next pg_catalog.jsonb_build_object('k', 'anc', 'uri', v_base || '#' || (p_schema ->> '$dynamicAnchor'), 'ptr', p_ptr);
        return next pg_catalog.jsonb_build_object('k', 'dyn', 'res', v_res, 'name', p_schema ->> '$dynamicAnchor', 'ptr', p_ptr);
    end if;
    if pg_catalog.jsonb_typeof(p_schema -> '$ref') = 'string' then
        return next pg_catalog.jsonb_build_object('k', 'ref', 'ptr', p_ptr, 'base', v_base, 'ref', p_schema ->> '$ref');
    end if;
    if pg_catalog.jsonb_typeof(p_schema -> '$dynamicRef') = 'string' then
        return next pg_catalog.jsonb_build_object('k', 'dref', 'ptr', p_ptr, 'base', v_base, 'ref', p_schema ->> '$dynamicRef');
    end if;
    foreach v_kw in array array['additionalProperties', 'propertyNames', 'items', 'contains', 'not', 'if',
                                'then', 'else', 'unevaluatedItems', 'unevaluatedProperties', 'contentSchema'] loop
        if p_schema ? v_kw then
            return query select * from beamline_internal.jsonschema_index(p_schema -> v_kw, p_ptr || '/' || v_kw, v_base, v_res);
        end if;
    end loop;
    foreach v_kw in array array['prefixItems', 'allOf', 'anyOf', 'oneOf'] loop
        if pg_catalog.jsonb_typeof(p_schema -> v_kw) = 'array' then
            for v_i in 0 .. pg_catalog.jsonb_array_length(p_schema -> v_kw) - 1 loop
                return query select * from beamline_internal.jsonschema_index(p_schema -> v_kw -> v_i, p_ptr || '/' || v_kw || '/' || v_i, v_base, v_res);
            end loop;
        end if;
    end loop;
    foreach v_kw in array array['properties', 'patternProperties', '$defs', 'dependentSchemas'] loop
        if pg_catalog.jsonb_typeof(p_schema -> v_kw) = 'object' then
            for v_key in select pg_catalog.jsonb_object_keys(p_schema -> v_kw) loop
                return query select * from beamline_internal.jsonschema_index(p_schema -> v_kw -> v_key,
                    p_ptr || '/' || pg_catalog.replace(v_kw, '~', '~0') || '/'
                          || pg_catalog.replace(pg_catalog.replace(v_key, '~', '~0'), '/', '~1'), v_base, v_res);
            end loop;
        end if;
    end loop;
    return;
end
$function$;

comment on function beamline_internal.jsonschema_index(jsonb, text, text, text) is
    'Resources, anchors, dynamic anchors and references of a JSON Schema tree (for jsonschema_prepare).';
