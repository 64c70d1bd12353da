-- Check one (sub)schema of a JSON Schema before it is used: every keyword supported, every
-- value of the right shape, every pattern a valid regular expression. Returns the list of
-- problems [{"path": <JSON pointer into the schema>, "keyword", "message"}] (empty when fine).
-- References are resolved afterwards by jsonschema_prepare. p_refs is passed through unchanged
-- (kept for the signature). Runs once per schema, so clarity beats speed here.
create or replace function beamline_internal.jsonschema_check_node(
    p_root   jsonb,
    p_schema jsonb,
    p_path   text,
    inout p_refs text[],
    out p_problems jsonb
)
immutable
parallel safe
set search_path = pg_catalog, pg_temp
language plpgsql
as $function$
declare
    v_key   text;
    v_val   jsonb;
    v_el    jsonb;
    v_sub   record;
    v_kpath text;
    v_msg   text;
    v_i     integer;
    c_types constant text[] := '{null,boolean,object,array,number,string,integer}';
    c_max_pattern constant integer := 1000;
begin
    p_problems := '[]'::jsonb;
    if pg_catalog.jsonb_typeof(p_schema) = 'boolean' then
        return;
    end if;
    if pg_catalog.jsonb_typeof(p_schema) is distinct from 'object' then
        p_problems := pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
            'path', p_path, 'keyword', '', 'message', 'a schema must be an object or a boolean'));
        return;
    end if;
    for v_key, v_val in select e.key, e.value from pg_catalog.jsonb_each(p_schema) as e loop
        v_kpath := p_path || '/' || pg_catalog.replace(pg_catalog.replace(v_key, '~', '~0'), '/', '~1');
        v_msg := null;
        case
        -- keywords holding one subschema
        when v_key in ('additionalProperties', 'propertyNames', 'items', 'contains', 'not', 'if', 'then', 'else',
                       'unevaluatedItems', 'unevaluatedProperties', 'contentSchema') then
            select * into v_sub from beamline_internal.jsonschema_check_node(p_root, v_val, v_kpath, p_refs);
            p_refs := v_sub.p_refs;
            p_problems := p_problems || v_sub.p_problems;
        -- keywords holding a non-empty array of subschemas
        when v_key in ('prefixItems', 'allOf', 'anyOf', 'oneOf') then
            if pg_catalog.jsonb_typeof(v_val) <> 'array' or pg_catalog.jsonb_array_length(v_val) = 0 then
                v_msg := 'must be a non-empty array of schemas';
            else
                for v_i in 0 .. pg_catalog.jsonb_array_length(v_val) - 1 loop
                    select * into v_sub from beamline_internal.jsonschema_check_node(
                        p_root, v_val -> v_i, v_kpath || '/' || v_i, p_refs);
                    p_refs := v_sub.p_refs;
                    p_problems := p_problems || v_sub.p_problems;
                end loop;
            end if;
        -- keywords holding an object of subschemas
        when v_key in ('properties', 'patternProperties', '$defs', 'dependentSchemas') then
            if pg_catalog.jsonb_typeof(v_val) <> 'object' then
                v_msg := 'must be an object of schemas';
            else
                for v_el in select pg_catalog.to_jsonb(e.key) from pg_catalog.jsonb_each(v_val) as e loop
                    if v_key = 'patternProperties' then
                        v_msg := beamline_internal.jsonschema_check_pattern(beamline_internal.jsonschema_regex(v_el #>> '{}'), c_max_pattern);
                        if v_msg is not null then
                            p_problems := p_problems || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                                'path', v_kpath, 'keyword', v_key,
                                'message', pg_catalog.format('pattern %s: %s', v_el, v_msg)));
                            v_msg := null;
                        end if;
                    end if;
                    select * into v_sub from beamline_internal.jsonschema_check_node(
                        p_root, v_val -> (v_el #>> '{}'),
                        v_kpath || '/' || pg_catalog.replace(pg_catalog.replace(v_el #>> '{}', '~', '~0'), '/', '~1'),
                        p_refs);
                    p_refs := v_sub.p_refs;
                    p_problems := p_problems || v_sub.p_problems;
                end loop;
            end if;
        when v_key = 'type' then
            if pg_catalog.jsonb_typeof(v_val) = 'string' then
                if not (v_val #>> '{}') = any (c_types) then
                    v_msg := pg_catalog.format('unknown type %s', v_val);
                end if;
            elsif pg_catalog.jsonb_typeof(v_val) = 'array' and pg_catalog.jsonb_array_length(v_val) > 0 then
                if exists (select 1 from pg_catalog.jsonb_array_elements(v_val) as t(v)
                            where pg_catalog.jsonb_typeof(t.v) <> 'string' or not (t.v #>> '{}') = any (c_types))
                   or (select pg_catalog.count(distinct t.v) from pg_catalog.jsonb_array_elements(v_val) as t(v))
                      <> pg_catalog.jsonb_array_length(v_val) then
                    v_msg := 'must list distinct known types';
                end if;
            else
                v_msg := 'must be a type name or a non-empty array of type names';
            end if;
        when v_key = 'enum' then
            if pg_catalog.jsonb_typeof(v_val) <> 'array' then
                v_msg := 'must be an array';
            end if;
        when v_key in ('const', 'default', 'examples', '$comment', 'title', 'description',
                       'deprecated', 'readOnly', 'writeOnly') then
            null;  -- annotations and const: any value
        when v_key in ('required') then
            if pg_catalog.jsonb_typeof(v_val) <> 'array'
               or exists (select 1 from pg_catalog.jsonb_array_elements(v_val) as t(v) where pg_catalog.jsonb_typeof(t.v) <> 'string')
               or (select pg_catalog.count(distinct t.v) from pg_catalog.jsonb_array_elements(v_val) as t(v))
                  <> pg_catalog.jsonb_array_length(v_val) then
                v_msg := 'must be an array of distinct strings';
            end if;
        when v_key = 'dependentRequired' then
            if pg_catalog.jsonb_typeof(v_val) <> 'object'
               or exists (select 1 from pg_catalog.jsonb_each(v_val) as d
                           where pg_catalog.jsonb_typeof(d.value) <> 'array'
                              or exists (select 1 from pg_catalog.jsonb_array_elements(d.value) as t(v)
                                          where pg_catalog.jsonb_typeof(t.v) <> 'string')) then
                v_msg := 'must be an object of arrays of strings';
            end if;
        when v_key in ('minProperties', 'maxProperties', 'minItems', 'maxItems', 'minLength', 'maxLength',
                       'minContains', 'maxContains') then
            if pg_catalog.jsonb_typeof(v_val) <> 'number' or (v_val::numeric) < 0
               or (v_val::numeric) <> pg_catalog.trunc(v_val::numeric) then
                v_msg := 'must be a non-negative integer';
            end if;
        when v_key in ('minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum') then
            if pg_catalog.jsonb_typeof(v_val) <> 'number' then
                v_msg := 'must be a number';
            end if;
        when v_key = 'multipleOf' then
            if pg_catalog.jsonb_typeof(v_val) <> 'number' or (v_val::numeric) <= 0 then
                v_msg := 'must be a number greater than 0';
            end if;
        when v_key = 'uniqueItems' then
            if pg_catalog.jsonb_typeof(v_val) <> 'boolean' then
                v_msg := 'must be a boolean';
            end if;
        when v_key = 'pattern' then
            if pg_catalog.jsonb_typeof(v_val) <> 'string' then
                v_msg := 'must be a string';
            else
                v_msg := beamline_internal.jsonschema_check_pattern(beamline_internal.jsonschema_regex(v_val #>> '{}'), c_max_pattern);
            end if;
        when v_key = 'format' then
            if pg_catalog.jsonb_typeof(v_val) <> 'string' then
                v_msg := 'must be a string';
            end if;
        when v_key in ('$ref', '$dynamicRef') then
            if pg_catalog.jsonb_typeof(v_val) <> 'string' then
                v_msg := 'must be a string (a URI reference)';
            end if;
        when v_key in ('$anchor', '$dynamicAnchor') then
            if pg_catalog.jsonb_typeof(v_val) <> 'string'
               or not ((v_val #>> '{}') operator(pg_catalog.~) '^[A-Za-z_][-A-Za-z0-9._]*$') then
                v_msg := 'must be a plain name (a letter or "_", then letters, digits, "-", "_", ".")';
            end if;
        when v_key = '$schema' then
            if pg_catalog.jsonb_typeof(v_val) <> 'string' then
                v_msg := 'must be a string (a meta-schema URI)';
            end if;
        when v_key = '$id' then
            if pg_catalog.jsonb_typeof(v_val) <> 'string' then
                v_msg := 'must be a string';
            elsif (v_val #>> '{}') operator(pg_catalog.~) '#.' then
                v_msg := 'must not have a fragment (use $anchor)';
            end if;
        when v_key = '$vocabulary' then
            if pg_catalog.jsonb_typeof(v_val) <> 'object'
               or exists (select 1 from pg_catalog.jsonb_each(v_val) as d where pg_catalog.jsonb_typeof(d.value) <> 'boolean') then
                v_msg := 'must be an object of booleans';
            end if;
        when v_key in ('contentEncoding', 'contentMediaType') then
            if pg_catalog.jsonb_typeof(v_val) <> 'string' then
                v_msg := 'must be a string';
            end if;
        when v_key = 'x-beamline-format-assertion' then
            if pg_catalog.jsonb_typeof(v_val) <> 'boolean' then
                v_msg := 'must be a boolean';
            elsif p_path <> '' then
                v_msg := 'allowed only at the root';
            end if;
        else
            v_msg := 'unsupported keyword';
        end case;
        if v_msg is not null then
            p_problems := p_problems || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                'path', v_kpath, 'keyword', v_key, 'message', v_msg));
        end if;
    end loop;
end
$function$;

comment on function beamline_internal.jsonschema_check_node(jsonb, jsonb, text, text[]) is
    'Problems of one JSON (sub)schema (unsupported keyword, bad value, bad pattern, unresolvable $ref) and the $refs it uses.';
