-- The JSON Schema engine's core: validate one document node against one (sub)schema.
--
-- Returns a JSON array of errors {"path", "keyword", "message"}, or NULL when the node is valid
-- (NULL, not [], so the hot valid path allocates nothing). With p_all = false it stops at the
-- first error (used for anyOf/oneOf/not/if/contains, where only valid-or-not matters).
--
-- The schema is trusted: beamline.validate checked it with jsonschema_check_schema first (and
-- register_schema before storing it), so this function only reads supported keywords and never
-- re-checks their shapes. Design for speed (docs/VALIDATION.md, "Performance"): one keyword
-- group test (?|) per node type, integer loops with -> for arrays, no SET clause (a per-call
-- GUC swap would cost more than a leaf check): every name is qualified, and the function is
-- reached only through beamline.validate, which runs with search_path = ''.
--
-- p_root   the whole schema, for "$ref": "#/..." (JSON pointer into it)
-- p_refs   how many $ref hops were taken without consuming the document; the schema check
--          rejects $ref cycles that do not consume input, this is only a backstop
create or replace function beamline_internal.jsonschema_node(
    p_root   jsonb,
    p_schema jsonb,
    p_doc    jsonb,
    p_path   text,
    p_all    boolean,
    p_refs   integer default 0
)
returns jsonb
immutable
parallel safe
language plpgsql
as $function$
declare
    v_errs   jsonb;
    v_sub    jsonb;
    v_kw     jsonb;
    v_item   jsonb;
    v_t      text;
    v_key    text;
    v_num    numeric;
    v_lim    numeric;
    v_len    integer;
    v_i      integer;
    v_n      integer;
    v_ok     boolean;
    v_props  jsonb;
    v_pprops jsonb;
    v_addl   jsonb;
    v_pnames jsonb;
    v_ptr    text[];
    v_child  text;
begin
    -- Boolean schemas.
    if pg_catalog.jsonb_typeof(p_schema) = 'boolean' then
        if p_schema = 'false'::jsonb then
            return pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                'path', p_path, 'keyword', 'false', 'message', 'no value is allowed here (false schema)'));
        end if;
        return null;
    end if;

    v_t := pg_catalog.jsonb_typeof(p_doc);

    -- type, enum, const
    if p_schema ?| '{type,enum,const}'::text[] then
        v_kw := p_schema -> 'type';
        if v_kw is not null and not (v_kw ? v_t) then
            v_ok := v_t = 'number' and v_kw ? 'integer'
                    and (p_doc::numeric) = pg_catalog.trunc(p_doc::numeric);
            if not v_ok then
                v_errs := pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                    'path', p_path, 'keyword', 'type',
                    'message', pg_catalog.format('expected %s, got %s',
                        case when pg_catalog.jsonb_typeof(v_kw) = 'array'
                             then 'one of ' || pg_catalog.array_to_string(array(
                                 select pg_catalog.jsonb_array_elements_text(v_kw)), ', ')
                             else v_kw ->> 0 end,
                        v_t)));
                if not p_all then return v_errs; end if;
            end if;
        end if;
        v_kw := p_schema -> 'enum';
        if v_kw is not null then
            if v_t in ('object', 'array') then
                -- containment is subset-based for containers: compare element by element
                v_ok := false;
                for v_i in 0 .. pg_catalog.jsonb_array_length(v_kw) - 1 loop
                    if v_kw -> v_i = p_doc then v_ok := true; exit; end if;
                end loop;
            else
                v_ok := v_kw @> pg_catalog.jsonb_build_array(p_doc);
            end if;
            if not v_ok then
                v_errs := coalesce(v_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                    'path', p_path, 'keyword', 'enum',
                    'message', pg_catalog.format('%s is not one of %s',
                        pg_catalog.left(p_doc::text, 200), pg_catalog.left(v_kw::text, 200))));
                if not p_all then return v_errs; end if;
            end if;
        end if;
        v_kw := p_schema -> 'const';
        if v_kw is not null and v_kw <> p_doc then
            v_errs := coalesce(v_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(
                pg_catalog.jsonb_build_object('path', p_path, 'keyword', 'const',
                    'message', pg_catalog.format('expected %s', pg_catalog.left(v_kw::text, 200))));
            if not p_all then return v_errs; end if;
        end if;
    end if;

    if v_t = 'object' then
        if p_schema ?| '{properties,patternProperties,additionalProperties,propertyNames,required,minProperties,maxProperties,dependentRequired}'::text[] then
            v_kw := p_schema -> 'required';
            if v_kw is not null then
                for v_i in 0 .. pg_catalog.jsonb_array_length(v_kw) - 1 loop
                    v_key := v_kw ->> v_i;
                    if not (p_doc ? v_key) then
                        v_errs := coalesce(v_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(
                            pg_catalog.jsonb_build_object('path', p_path, 'keyword', 'required',
                                'message', pg_catalog.format('missing required property %s', pg_catalog.to_jsonb(v_key))));
                        if not p_all then return v_errs; end if;
                    end if;
                end loop;
            end if;
            v_kw := p_schema -> 'dependentRequired';
            if v_kw is not null then
                for v_key, v_sub in select d.key, d.value from pg_catalog.jsonb_each(v_kw) as d loop
                    if p_doc ? v_key then
                        for v_i in 0 .. pg_catalog.jsonb_array_length(v_sub) - 1 loop
                            if not (p_doc ? (v_sub ->> v_i)) then
                                v_errs := coalesce(v_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(
                                    pg_catalog.jsonb_build_object('path', p_path, 'keyword', 'dependentRequired',
                                        'message', pg_catalog.format('property %s requires property %s',
                                            pg_catalog.to_jsonb(v_key), v_sub -> v_i)));
                                if not p_all then return v_errs; end if;
                            end if;
                        end loop;
                    end if;
                end loop;
            end if;
            v_props := p_schema -> 'properties';
            v_pprops := p_schema -> 'patternProperties';
            v_addl := p_schema -> 'additionalProperties';
            v_pnames := p_schema -> 'propertyNames';
            v_n := 0;
            if v_props is not null or v_pprops is not null or v_addl is not null or v_pnames is not null
               or p_schema ?| '{minProperties,maxProperties}'::text[] then
                for v_key, v_item in select d.key, d.value from pg_catalog.jsonb_each(p_doc) as d loop
                    v_n := v_n + 1;
                    v_child := null;
                    v_ok := false;  -- matched by properties or patternProperties
                    if v_props is not null then
                        v_sub := v_props -> v_key;
                        if v_sub is not null then
                            v_ok := true;
                            if v_sub <> 'true'::jsonb then
                                v_child := p_path || '/' || pg_catalog.replace(pg_catalog.replace(v_key, '~', '~0'), '/', '~1');
                                v_sub := beamline_internal.jsonschema_node(p_root, v_sub, v_item, v_child, p_all);
                                if v_sub is not null then
                                    v_errs := coalesce(v_errs, '[]'::jsonb) || v_sub;
                                    if not p_all then return v_errs; end if;
                                end if;
                            end if;
                        end if;
                    end if;
                    if v_pprops is not null then
                        for v_kw in select pp.value from pg_catalog.jsonb_each(v_pprops) as pp
                                    where v_key operator(pg_catalog.~) pp.key loop
                            v_ok := true;
                            v_child := coalesce(v_child, p_path || '/'
                                || pg_catalog.replace(pg_catalog.replace(v_key, '~', '~0'), '/', '~1'));
                            v_sub := beamline_internal.jsonschema_node(p_root, v_kw, v_item, v_child, p_all);
                            if v_sub is not null then
                                v_errs := coalesce(v_errs, '[]'::jsonb) || v_sub;
                                if not p_all then return v_errs; end if;
                            end if;
                        end loop;
                    end if;
                    if not v_ok and v_addl is not null and v_addl <> 'true'::jsonb then
                        v_child := coalesce(v_child, p_path || '/'
                            || pg_catalog.replace(pg_catalog.replace(v_key, '~', '~0'), '/', '~1'));
                        if v_addl = 'false'::jsonb then
                            v_sub := pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                                'path', v_child, 'keyword', 'additionalProperties',
                                'message', pg_catalog.format('additional property %s is not allowed',
                                    pg_catalog.to_jsonb(v_key))));
                        else
                            v_sub := beamline_internal.jsonschema_node(p_root, v_addl, v_item, v_child, p_all);
                        end if;
                        if v_sub is not null then
                            v_errs := coalesce(v_errs, '[]'::jsonb) || v_sub;
                            if not p_all then return v_errs; end if;
                        end if;
                    end if;
                    if v_pnames is not null then
                        v_sub := beamline_internal.jsonschema_node(
                            p_root, v_pnames, pg_catalog.to_jsonb(v_key), '', false);
                        if v_sub is not null then
                            v_child := coalesce(v_child, p_path || '/'
                                || pg_catalog.replace(pg_catalog.replace(v_key, '~', '~0'), '/', '~1'));
                            v_errs := coalesce(v_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(
                                pg_catalog.jsonb_build_object('path', v_child, 'keyword', 'propertyNames',
                                    'message', pg_catalog.format('property name %s is invalid: %s',
                                        pg_catalog.to_jsonb(v_key), v_sub -> 0 ->> 'message')));
                            if not p_all then return v_errs; end if;
                        end if;
                    end if;
                end loop;
                v_lim := (p_schema ->> 'minProperties')::numeric;
                if v_lim is not null and v_n < v_lim then
                    v_errs := coalesce(v_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(
                        pg_catalog.jsonb_build_object('path', p_path, 'keyword', 'minProperties',
                            'message', pg_catalog.format('has %s properties, fewer than %s', v_n, v_lim)));
                    if not p_all then return v_errs; end if;
                end if;
                v_lim := (p_schema ->> 'maxProperties')::numeric;
                if v_lim is not null and v_n > v_lim then
                    v_errs := coalesce(v_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(
                        pg_catalog.jsonb_build_object('path', p_path, 'keyword', 'maxProperties',
                            'message', pg_catalog.format('has %s properties, more than %s', v_n, v_lim)));
                    if not p_all then return v_errs; end if;
                end if;
            end if;
        end if;

    elsif v_t = 'array' then
        if p_schema ?| '{items,prefixItems,minItems,maxItems,uniqueItems,contains}'::text[] then
            v_len := pg_catalog.jsonb_array_length(p_doc);
            v_lim := (p_schema ->> 'minItems')::numeric;
            if v_lim is not null and v_len < v_lim then
                v_errs := coalesce(v_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(
                    pg_catalog.jsonb_build_object('path', p_path, 'keyword', 'minItems',
                        'message', pg_catalog.format('has %s items, fewer than %s', v_len, v_lim)));
                if not p_all then return v_errs; end if;
            end if;
            v_lim := (p_schema ->> 'maxItems')::numeric;
            if v_lim is not null and v_len > v_lim then
                v_errs := coalesce(v_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(
                    pg_catalog.jsonb_build_object('path', p_path, 'keyword', 'maxItems',
                        'message', pg_catalog.format('has %s items, more than %s', v_len, v_lim)));
                if not p_all then return v_errs; end if;
            end if;
            -- prefixItems then items (items applies after the prefix)
            v_kw := p_schema -> 'prefixItems';
            v_n := 0;
            if v_kw is not null then
                v_n := least(v_len, pg_catalog.jsonb_array_length(v_kw));
                for v_i in 0 .. v_n - 1 loop
                    v_sub := beamline_internal.jsonschema_node(
                        p_root, v_kw -> v_i, p_doc -> v_i, p_path || '/' || v_i, p_all);
                    if v_sub is not null then
                        v_errs := coalesce(v_errs, '[]'::jsonb) || v_sub;
                        if not p_all then return v_errs; end if;
                    end if;
                end loop;
            end if;
            v_kw := p_schema -> 'items';
            if v_kw is not null and v_kw <> 'true'::jsonb then
                for v_i in v_n .. v_len - 1 loop
                    v_sub := beamline_internal.jsonschema_node(
                        p_root, v_kw, p_doc -> v_i, p_path || '/' || v_i, p_all);
                    if v_sub is not null then
                        v_errs := coalesce(v_errs, '[]'::jsonb) || v_sub;
                        if not p_all then return v_errs; end if;
                    end if;
                end loop;
            end if;
            if p_schema -> 'uniqueItems' = 'true'::jsonb and v_len > 1 then
                select pg_catalog.min(a.i) into v_i
                  from pg_catalog.jsonb_array_elements(p_doc) with ordinality as a(v, i)
                 where exists (select 1 from pg_catalog.jsonb_array_elements(p_doc) with ordinality as b(v, i)
                                where b.i < a.i and b.v = a.v);
                if v_i is not null then
                    v_errs := coalesce(v_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(
                        pg_catalog.jsonb_build_object('path', p_path || '/' || (v_i - 1), 'keyword', 'uniqueItems',
                            'message', 'duplicate of an earlier item'));
                    if not p_all then return v_errs; end if;
                end if;
            end if;
            v_kw := p_schema -> 'contains';
            if v_kw is not null then
                v_n := 0;
                for v_i in 0 .. v_len - 1 loop
                    if beamline_internal.jsonschema_node(p_root, v_kw, p_doc -> v_i, '', false) is null then
                        v_n := v_n + 1;
                    end if;
                end loop;
                v_lim := coalesce((p_schema ->> 'minContains')::numeric, 1);
                if v_n < v_lim then
                    v_errs := coalesce(v_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(
                        pg_catalog.jsonb_build_object('path', p_path, 'keyword',
                            case when p_schema ? 'minContains' then 'minContains' else 'contains' end,
                            'message', pg_catalog.format('%s items match "contains", fewer than %s', v_n, v_lim)));
                    if not p_all then return v_errs; end if;
                end if;
                v_lim := (p_schema ->> 'maxContains')::numeric;
                if v_lim is not null and v_n > v_lim then
                    v_errs := coalesce(v_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(
                        pg_catalog.jsonb_build_object('path', p_path, 'keyword', 'maxContains',
                            'message', pg_catalog.format('%s items match "contains", more than %s', v_n, v_lim)));
                    if not p_all then return v_errs; end if;
                end if;
            end if;
        end if;

    elsif v_t = 'string' then
        if p_schema ?| '{minLength,maxLength,pattern,format}'::text[] then
            v_key := p_doc #>> '{}';
            if p_schema ?| '{minLength,maxLength}'::text[] then
                v_len := pg_catalog.char_length(v_key);
                v_lim := (p_schema ->> 'minLength')::numeric;
                if v_lim is not null and v_len < v_lim then
                    v_errs := coalesce(v_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(
                        pg_catalog.jsonb_build_object('path', p_path, 'keyword', 'minLength',
                            'message', pg_catalog.format('is %s characters long, shorter than %s', v_len, v_lim)));
                    if not p_all then return v_errs; end if;
                end if;
                v_lim := (p_schema ->> 'maxLength')::numeric;
                if v_lim is not null and v_len > v_lim then
                    v_errs := coalesce(v_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(
                        pg_catalog.jsonb_build_object('path', p_path, 'keyword', 'maxLength',
                            'message', pg_catalog.format('is %s characters long, longer than %s', v_len, v_lim)));
                    if not p_all then return v_errs; end if;
                end if;
            end if;
            v_child := p_schema ->> 'pattern';
            if v_child is not null and not (v_key operator(pg_catalog.~) v_child) then
                v_errs := coalesce(v_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(
                    pg_catalog.jsonb_build_object('path', p_path, 'keyword', 'pattern',
                        'message', pg_catalog.format('does not match the pattern %s', p_schema -> 'pattern')));
                if not p_all then return v_errs; end if;
            end if;
            v_child := p_schema ->> 'format';
            if v_child is not null and not beamline_internal.jsonschema_format(v_child, v_key) then
                v_errs := coalesce(v_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(
                    pg_catalog.jsonb_build_object('path', p_path, 'keyword', 'format',
                        'message', pg_catalog.format('is not a valid %s', v_child)));
                if not p_all then return v_errs; end if;
            end if;
        end if;

    elsif v_t = 'number' then
        if p_schema ?| '{minimum,maximum,exclusiveMinimum,exclusiveMaximum,multipleOf}'::text[] then
            v_num := p_doc::numeric;
            v_lim := (p_schema ->> 'minimum')::numeric;
            if v_lim is not null and v_num < v_lim then
                v_errs := coalesce(v_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(
                    pg_catalog.jsonb_build_object('path', p_path, 'keyword', 'minimum',
                        'message', pg_catalog.format('%s is less than the minimum %s', v_num, v_lim)));
                if not p_all then return v_errs; end if;
            end if;
            v_lim := (p_schema ->> 'maximum')::numeric;
            if v_lim is not null and v_num > v_lim then
                v_errs := coalesce(v_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(
                    pg_catalog.jsonb_build_object('path', p_path, 'keyword', 'maximum',
                        'message', pg_catalog.format('%s is greater than the maximum %s', v_num, v_lim)));
                if not p_all then return v_errs; end if;
            end if;
            v_lim := (p_schema ->> 'exclusiveMinimum')::numeric;
            if v_lim is not null and v_num <= v_lim then
                v_errs := coalesce(v_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(
                    pg_catalog.jsonb_build_object('path', p_path, 'keyword', 'exclusiveMinimum',
                        'message', pg_catalog.format('%s is not greater than %s', v_num, v_lim)));
                if not p_all then return v_errs; end if;
            end if;
            v_lim := (p_schema ->> 'exclusiveMaximum')::numeric;
            if v_lim is not null and v_num >= v_lim then
                v_errs := coalesce(v_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(
                    pg_catalog.jsonb_build_object('path', p_path, 'keyword', 'exclusiveMaximum',
                        'message', pg_catalog.format('%s is not less than %s', v_num, v_lim)));
                if not p_all then return v_errs; end if;
            end if;
            v_lim := (p_schema ->> 'multipleOf')::numeric;
            if v_lim is not null and pg_catalog.mod(v_num, v_lim) <> 0 then
                v_errs := coalesce(v_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(
                    pg_catalog.jsonb_build_object('path', p_path, 'keyword', 'multipleOf',
                        'message', pg_catalog.format('%s is not a multiple of %s', v_num, v_lim)));
                if not p_all then return v_errs; end if;
            end if;
        end if;
    end if;

    -- Applicators that stay on this node.
    if p_schema ?| '{allOf,anyOf,oneOf,not,if,$ref}'::text[] then
        v_kw := p_schema -> '$ref';
        if v_kw is not null then
            if p_refs >= 64 then
                raise exception using errcode = 'BL010',
                    message = 'JSON Schema $ref chain does not terminate',
                    detail = pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                        'path', p_path, 'keyword', '$ref', 'message', 'more than 64 $ref hops without consuming the document'))::text,
                    hint = 'A $ref cycle must pass through properties, items or another keyword that descends into the document.';
            end if;
            v_ptr := beamline_internal.jsonschema_pointer(v_kw #>> '{}');
            v_sub := beamline_internal.jsonschema_node(p_root, p_root #> v_ptr, p_doc, p_path, p_all, p_refs + 1);
            if v_sub is not null then
                v_errs := coalesce(v_errs, '[]'::jsonb) || v_sub;
                if not p_all then return v_errs; end if;
            end if;
        end if;
        v_kw := p_schema -> 'allOf';
        if v_kw is not null then
            for v_i in 0 .. pg_catalog.jsonb_array_length(v_kw) - 1 loop
                v_sub := beamline_internal.jsonschema_node(p_root, v_kw -> v_i, p_doc, p_path, p_all, p_refs);
                if v_sub is not null then
                    v_errs := coalesce(v_errs, '[]'::jsonb) || v_sub;
                    if not p_all then return v_errs; end if;
                end if;
            end loop;
        end if;
        v_kw := p_schema -> 'anyOf';
        if v_kw is not null then
            v_ok := false;
            for v_i in 0 .. pg_catalog.jsonb_array_length(v_kw) - 1 loop
                if beamline_internal.jsonschema_node(p_root, v_kw -> v_i, p_doc, p_path, false, p_refs) is null then
                    v_ok := true;
                    exit;
                end if;
            end loop;
            if not v_ok then
                v_errs := coalesce(v_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(
                    pg_catalog.jsonb_build_object('path', p_path, 'keyword', 'anyOf',
                        'message', pg_catalog.format('matches none of the %s schemas in anyOf',
                            pg_catalog.jsonb_array_length(v_kw))));
                if not p_all then return v_errs; end if;
            end if;
        end if;
        v_kw := p_schema -> 'oneOf';
        if v_kw is not null then
            v_n := 0;
            v_child := '';
            for v_i in 0 .. pg_catalog.jsonb_array_length(v_kw) - 1 loop
                if beamline_internal.jsonschema_node(p_root, v_kw -> v_i, p_doc, p_path, false, p_refs) is null then
                    v_n := v_n + 1;
                    v_child := v_child || case when v_n > 1 then ', ' else '' end || v_i;
                end if;
            end loop;
            if v_n <> 1 then
                v_errs := coalesce(v_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(
                    pg_catalog.jsonb_build_object('path', p_path, 'keyword', 'oneOf',
                        'message', case when v_n = 0
                            then pg_catalog.format('matches none of the %s schemas in oneOf', pg_catalog.jsonb_array_length(v_kw))
                            else pg_catalog.format('matches more than one schema in oneOf (indexes %s)', v_child) end));
                if not p_all then return v_errs; end if;
            end if;
        end if;
        v_kw := p_schema -> 'not';
        if v_kw is not null
           and beamline_internal.jsonschema_node(p_root, v_kw, p_doc, p_path, false, p_refs) is null then
            v_errs := coalesce(v_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(
                pg_catalog.jsonb_build_object('path', p_path, 'keyword', 'not',
                    'message', 'must not match the schema in "not"'));
            if not p_all then return v_errs; end if;
        end if;
        v_kw := p_schema -> 'if';
        if v_kw is not null then
            if beamline_internal.jsonschema_node(p_root, v_kw, p_doc, p_path, false, p_refs) is null then
                v_kw := p_schema -> 'then';
            else
                v_kw := p_schema -> 'else';
            end if;
            if v_kw is not null then
                v_sub := beamline_internal.jsonschema_node(p_root, v_kw, p_doc, p_path, p_all, p_refs);
                if v_sub is not null then
                    v_errs := coalesce(v_errs, '[]'::jsonb) || v_sub;
                    if not p_all then return v_errs; end if;
                end if;
            end if;
        end if;
    end if;
    return v_errs;
end
$function$;

comment on function beamline_internal.jsonschema_node(jsonb, jsonb, jsonb, text, boolean, integer) is
    'JSON Schema engine core: errors of one document node against one checked (sub)schema, NULL when valid. Use beamline.validate.';
