-- The JSON Schema engine's core (draft 2020-12, docs/VALIDATION.md): apply one subschema of a
-- prepared schema (jsonschema_prepare) to one document node.
--
-- p_root   the prepared document: every "$ref" is a resolved pointer "#/<n>/..." into it, every
--          "$dynamicRef" is {"t": static target, "n": dynamic anchor name or null}, every "$id"
--          is its own pointer (the resource's identity in the dynamic scope)
-- p_ctx    {"u": the schema uses unevaluated*, so annotations are collected; "f": format is
--          asserted; "dyn": {resource pointer: {anchor name: pointer}} when "$dynamicRef" is used}
-- p_path   the node's JSON pointer in the document (errors and memo keys)
-- p_all    false: stop at the first error (anyOf, oneOf, not, if, contains, propertyNames only
--          need valid-or-not); true: every error
-- p_scope  the dynamic scope: resources entered so far, outermost first
-- p_hops   references followed without descending into the document (backstop: 64)
-- p_memo   results per (shared reference target, location), see jsonschema_ref
-- p_left   the work budget: one unit per subschema applied, plus one per 8 KiB of memo carried
--          and of error list appended to (both are copied); below zero is BL040
--
-- Out: p_errs, the errors [{"path", "keyword", "message"}] (NULL when valid; NULL, not [], so
-- the valid path allocates nothing) and p_ann, the members / items this subschema evaluated
-- ({"p", "i", "c"}, see jsonschema_ann_merge; only when p_ctx has "u" and the node is valid).
-- The schema is trusted: it was checked (jsonschema_check_node) and prepared first.
create or replace function beamline_internal.jsonschema_eval(
    p_root   jsonb,
    p_ctx    jsonb,
    p_schema jsonb,
    p_doc    jsonb,
    p_path   text,
    p_all    boolean,
    p_scope  text[],
    p_hops   integer,
    inout p_memo jsonb,
    inout p_left integer,
    out p_errs jsonb,
    out p_ann  jsonb
)
immutable
parallel safe
-- no SET clause: this is the engine's hot recursion (a per-call search_path swap costs ~30%
-- here, and a SET blocks SQL inlining); it is reached only through SECURITY DEFINER callers
-- that run with search_path = pg_catalog, pg_temp, and every name below is qualified.
language plpgsql
as $function$
declare
    v_u      boolean;
    v_scope  text[] := p_scope;
    v_t      text;
    v_kw     jsonb;
    v_sub    jsonb;
    v_item   jsonb;
    v_key    text;
    v_child  text;
    v_num    numeric;
    v_lim    numeric;
    v_len    integer;
    v_i      integer;
    v_n      integer;
    v_ok     boolean;
    v_e      jsonb;
    v_a      jsonb;
    v_props  jsonb;
    v_pprops jsonb;
    v_addl   jsonb;
    v_pnames jsonb;
    v_target text;
    v_npp    integer;
    v_r      record;
begin
    -- one unit per subschema application, plus one per 8 KiB of memo this call carries in and
    -- out (the memo travels by value, jsonschema_ref), so the budget bounds the real work
    p_left := p_left - 1 - (pg_catalog.pg_column_size(p_memo) >> 13);
    if p_left < 0 then
        raise exception using errcode = 'BL040',
            message = 'JSON Schema validation exceeded its work budget',
            detail = pg_catalog.jsonb_build_object('limit', 'validation_steps', 'path', p_path)::text,
            hint = 'The schema applies too many subschemas to this document (docs/VALIDATION.md, "Work budget"): simplify the schema or split the document.';
    end if;
    if pg_catalog.jsonb_typeof(p_schema) = 'boolean' then
        if p_schema = 'false'::jsonb then
            p_errs := pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                'path', p_path, 'keyword', 'false', 'message', 'no value is allowed here (false schema)'));
        end if;
        return;
    end if;
    v_u := p_ctx ? 'u';
    if v_u then
        p_ann := '{"i": 0}';
    end if;
    if p_schema ? '$id' and p_ctx ? 'dyn' then
        v_scope := v_scope || (p_schema ->> '$id');
    end if;
    v_t := pg_catalog.jsonb_typeof(p_doc);

    -- references: memoised (jsonschema_ref)
    v_target := p_schema ->> '$ref';
    if v_target is not null then
        v_r := beamline_internal.jsonschema_ref(p_root, p_ctx, v_target, p_schema ? '$refShared', p_doc, p_path, p_all,
                   case when p_ctx ? 'dyn' then v_scope || (p_schema ->> '$refResource') else v_scope end,
                   p_hops, p_memo, p_left);
        v_e := v_r.p_errs; v_a := v_r.p_ann; p_memo := v_r.p_memo; p_left := v_r.p_left;
        if v_e is not null then
            p_errs := coalesce(p_errs, '[]'::jsonb) || v_e;
            p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
            if not p_all then return; end if;
        elsif v_u then
            p_ann := beamline_internal.jsonschema_ann_merge(p_ann, v_a);
        end if;
    end if;
    v_kw := p_schema -> '$dynamicRef';
    if v_kw is not null then
        v_target := v_kw ->> 't';
        v_key := v_kw ->> 'n';
        v_child := v_kw ->> 'r';  -- the static target's resource, entered unless the scope wins
        if v_key is not null then
            -- the outermost resource in the dynamic scope with this dynamic anchor wins
            for v_i in 1 .. coalesce(pg_catalog.cardinality(v_scope), 0) loop
                v_sub := p_ctx -> 'dyn' -> v_scope[v_i] -> v_key;
                if v_sub is not null then
                    v_target := '#' || (v_sub #>> '{}');
                    v_child := null;  -- that resource is in the scope already
                    exit;
                end if;
            end loop;
        end if;
        v_r := beamline_internal.jsonschema_ref(p_root, p_ctx, v_target, true, p_doc, p_path, p_all,
                   case when v_child is not null and p_ctx ? 'dyn' then v_scope || v_child else v_scope end,
                   p_hops, p_memo, p_left);
        v_e := v_r.p_errs; v_a := v_r.p_ann; p_memo := v_r.p_memo; p_left := v_r.p_left;
        if v_e is not null then
            p_errs := coalesce(p_errs, '[]'::jsonb) || v_e;
            p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
            if not p_all then return; end if;
        elsif v_u then
            p_ann := beamline_internal.jsonschema_ann_merge(p_ann, v_a);
        end if;
    end if;

    -- type, enum, const
    if p_schema ?| '{type,enum,const}'::text[] then
        v_kw := p_schema -> 'type';
        if v_kw is not null and not (v_kw ? v_t) then
            v_ok := v_t = 'number' and v_kw ? 'integer' and (p_doc::numeric) = pg_catalog.trunc(p_doc::numeric);
            if not v_ok then
                p_errs := coalesce(p_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                    'path', p_path, 'keyword', 'type',
                    'message', pg_catalog.format('expected %s, got %s',
                        case when pg_catalog.jsonb_typeof(v_kw) = 'array'
                             then 'one of ' || pg_catalog.array_to_string(array(
                                 select pg_catalog.jsonb_array_elements_text(v_kw)), ', ')
                             else v_kw ->> 0 end, v_t)));
                p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                if not p_all then return; end if;
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
                p_errs := coalesce(p_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                    'path', p_path, 'keyword', 'enum',
                    'message', pg_catalog.format('%s is not one of %s',
                        pg_catalog.left(p_doc::text, 200), pg_catalog.left(v_kw::text, 200))));
                p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                if not p_all then return; end if;
            end if;
        end if;
        v_kw := p_schema -> 'const';
        if v_kw is not null and v_kw <> p_doc then
            p_errs := coalesce(p_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                'path', p_path, 'keyword', 'const', 'message', pg_catalog.format('expected %s', pg_catalog.left(v_kw::text, 200))));
            p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
            if not p_all then return; end if;
        end if;
    end if;

    if v_t = 'object' then
        if p_schema ?| '{properties,patternProperties,additionalProperties,propertyNames,required,minProperties,maxProperties,dependentRequired,dependentSchemas}'::text[] then
            v_kw := p_schema -> 'required';
            if v_kw is not null then
                for v_i in 0 .. pg_catalog.jsonb_array_length(v_kw) - 1 loop
                    v_key := v_kw ->> v_i;
                    if not (p_doc ? v_key) then
                        p_errs := coalesce(p_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                            'path', p_path, 'keyword', 'required',
                            'message', pg_catalog.format('missing required property %s', pg_catalog.to_jsonb(v_key))));
                        p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                        if not p_all then return; end if;
                    end if;
                end loop;
            end if;
            v_kw := p_schema -> 'dependentRequired';
            if v_kw is not null then
                for v_key, v_sub in select d.key, d.value from pg_catalog.jsonb_each(v_kw) as d loop
                    if p_doc ? v_key then
                        for v_i in 0 .. pg_catalog.jsonb_array_length(v_sub) - 1 loop
                            if not (p_doc ? (v_sub ->> v_i)) then
                                p_errs := coalesce(p_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                                    'path', p_path, 'keyword', 'dependentRequired',
                                    'message', pg_catalog.format('property %s requires property %s', pg_catalog.to_jsonb(v_key), v_sub -> v_i)));
                                p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                                if not p_all then return; end if;
                            end if;
                        end loop;
                    end if;
                end loop;
            end if;
            v_props := p_schema -> 'properties';
            v_pprops := p_schema -> 'patternProperties';
            v_addl := p_schema -> 'additionalProperties';
            v_pnames := p_schema -> 'propertyNames';
            v_npp := case when v_pprops is null then 0 else (select pg_catalog.count(*)::integer from pg_catalog.jsonb_object_keys(v_pprops)) end;
            v_n := 0;
            if v_props is not null or v_pprops is not null or v_addl is not null or v_pnames is not null
               or p_schema ?| '{minProperties,maxProperties}'::text[] then
                for v_key, v_item in select d.key, d.value from pg_catalog.jsonb_each(p_doc) as d loop
                    v_n := v_n + 1;
                    v_child := p_path || '/' || pg_catalog.replace(pg_catalog.replace(v_key, '~', '~0'), '/', '~1');
                    v_ok := false;  -- matched by properties or patternProperties
                    if v_props is not null then
                        v_sub := v_props -> v_key;
                        if v_sub is not null then
                            v_ok := true;
                            if v_sub <> 'true'::jsonb then
                                v_r := beamline_internal.jsonschema_eval(p_root, p_ctx, v_sub, v_item, v_child, p_all, v_scope, 0, p_memo, p_left);
                                v_e := v_r.p_errs; p_memo := v_r.p_memo; p_left := v_r.p_left;
                                if v_e is not null then
                                    p_errs := coalesce(p_errs, '[]'::jsonb) || v_e;
                                    p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                                    if not p_all then return; end if;
                                end if;
                            end if;
                        end if;
                    end if;
                    if v_pprops is not null then
                        -- one unit per pattern tried: keys x patterns regex matches (compiled
                        -- again once PostgreSQL's small regex cache is exceeded) are real work
                        p_left := p_left - v_npp;
                        for v_sub in select pp.value from pg_catalog.jsonb_each(v_pprops) as pp
                                      where v_key operator(pg_catalog.~) pp.key loop
                            v_ok := true;
                            v_r := beamline_internal.jsonschema_eval(p_root, p_ctx, v_sub, v_item, v_child, p_all, v_scope, 0, p_memo, p_left);
                            v_e := v_r.p_errs; p_memo := v_r.p_memo; p_left := v_r.p_left;
                            if v_e is not null then
                                p_errs := coalesce(p_errs, '[]'::jsonb) || v_e;
                                p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                                if not p_all then return; end if;
                            end if;
                        end loop;
                    end if;
                    if not v_ok and v_addl is not null then
                        v_ok := true;  -- evaluated (an annotation) by additionalProperties
                        if v_addl = 'false'::jsonb then
                            p_errs := coalesce(p_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                                'path', v_child, 'keyword', 'additionalProperties',
                                'message', pg_catalog.format('additional property %s is not allowed', pg_catalog.to_jsonb(v_key))));
                            p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                            if not p_all then return; end if;
                        elsif v_addl <> 'true'::jsonb then
                            v_r := beamline_internal.jsonschema_eval(p_root, p_ctx, v_addl, v_item, v_child, p_all, v_scope, 0, p_memo, p_left);
                            v_e := v_r.p_errs; p_memo := v_r.p_memo; p_left := v_r.p_left;
                            if v_e is not null then
                                p_errs := coalesce(p_errs, '[]'::jsonb) || v_e;
                                p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                                if not p_all then return; end if;
                            end if;
                        end if;
                    end if;
                    if v_ok and v_u then
                        p_ann := pg_catalog.jsonb_set(p_ann, '{p}', coalesce(p_ann -> 'p', '{}'::jsonb) || pg_catalog.jsonb_build_object(v_key, true));
                    end if;
                    if v_pnames is not null then
                        -- the name is a string instance of its own ("/~2name": never a real pointer)
                        v_r := beamline_internal.jsonschema_eval(p_root, p_ctx, v_pnames, pg_catalog.to_jsonb(v_key),
                              p_path || '/~2' || pg_catalog.replace(pg_catalog.replace(v_key, '~', '~0'), '/', '~1'),
                              false, v_scope, 0, p_memo, p_left);
                        v_e := v_r.p_errs; p_memo := v_r.p_memo; p_left := v_r.p_left;
                        if v_e is not null then
                            p_errs := coalesce(p_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                                'path', v_child, 'keyword', 'propertyNames',
                                'message', pg_catalog.format('property name %s is invalid: %s', pg_catalog.to_jsonb(v_key), v_e -> 0 ->> 'message')));
                            p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                            if not p_all then return; end if;
                        end if;
                    end if;
                end loop;
                v_lim := (p_schema ->> 'minProperties')::numeric;
                if v_lim is not null and v_n < v_lim then
                    p_errs := coalesce(p_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                        'path', p_path, 'keyword', 'minProperties',
                        'message', pg_catalog.format('has %s properties, fewer than %s', v_n, v_lim)));
                    p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                    if not p_all then return; end if;
                end if;
                v_lim := (p_schema ->> 'maxProperties')::numeric;
                if v_lim is not null and v_n > v_lim then
                    p_errs := coalesce(p_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                        'path', p_path, 'keyword', 'maxProperties',
                        'message', pg_catalog.format('has %s properties, more than %s', v_n, v_lim)));
                    p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                    if not p_all then return; end if;
                end if;
            end if;
            v_kw := p_schema -> 'dependentSchemas';
            if v_kw is not null then
                for v_key, v_sub in select d.key, d.value from pg_catalog.jsonb_each(v_kw) as d loop
                    continue when not (p_doc ? v_key);
                    v_r := beamline_internal.jsonschema_eval(p_root, p_ctx, v_sub, p_doc, p_path, p_all, v_scope, p_hops, p_memo, p_left);
                    v_e := v_r.p_errs; v_a := v_r.p_ann; p_memo := v_r.p_memo; p_left := v_r.p_left;
                    if v_e is not null then
                        p_errs := coalesce(p_errs, '[]'::jsonb) || v_e;
                        p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                        if not p_all then return; end if;
                    elsif v_u then
                        p_ann := beamline_internal.jsonschema_ann_merge(p_ann, v_a);
                    end if;
                end loop;
            end if;
        end if;

    elsif v_t = 'array' then
        if p_schema ?| '{items,prefixItems,minItems,maxItems,uniqueItems,contains}'::text[] then
            v_len := pg_catalog.jsonb_array_length(p_doc);
            v_lim := (p_schema ->> 'minItems')::numeric;
            if v_lim is not null and v_len < v_lim then
                p_errs := coalesce(p_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                    'path', p_path, 'keyword', 'minItems', 'message', pg_catalog.format('has %s items, fewer than %s', v_len, v_lim)));
                p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                if not p_all then return; end if;
            end if;
            v_lim := (p_schema ->> 'maxItems')::numeric;
            if v_lim is not null and v_len > v_lim then
                p_errs := coalesce(p_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                    'path', p_path, 'keyword', 'maxItems', 'message', pg_catalog.format('has %s items, more than %s', v_len, v_lim)));
                p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                if not p_all then return; end if;
            end if;
            -- prefixItems, then items after the prefix
            v_kw := p_schema -> 'prefixItems';
            v_n := 0;
            if v_kw is not null then
                v_n := least(v_len, pg_catalog.jsonb_array_length(v_kw));
                for v_i in 0 .. v_n - 1 loop
                    v_r := beamline_internal.jsonschema_eval(p_root, p_ctx, v_kw -> v_i, p_doc -> v_i, p_path || '/' || v_i, p_all, v_scope, 0, p_memo, p_left);
                    v_e := v_r.p_errs; p_memo := v_r.p_memo; p_left := v_r.p_left;
                    if v_e is not null then
                        p_errs := coalesce(p_errs, '[]'::jsonb) || v_e;
                        p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                        if not p_all then return; end if;
                    end if;
                end loop;
            end if;
            v_kw := p_schema -> 'items';
            if v_kw is not null then
                if v_kw <> 'true'::jsonb then
                    for v_i in v_n .. v_len - 1 loop
                        v_r := beamline_internal.jsonschema_eval(p_root, p_ctx, v_kw, p_doc -> v_i, p_path || '/' || v_i, p_all, v_scope, 0, p_memo, p_left);
                        v_e := v_r.p_errs; p_memo := v_r.p_memo; p_left := v_r.p_left;
                        if v_e is not null then
                            p_errs := coalesce(p_errs, '[]'::jsonb) || v_e;
                            p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                            if not p_all then return; end if;
                        end if;
                    end loop;
                end if;
                v_n := v_len;
            end if;
            if v_u and v_n > 0 then
                p_ann := pg_catalog.jsonb_set(p_ann, '{i}', pg_catalog.to_jsonb(greatest(v_n, (p_ann ->> 'i')::integer)));
            end if;
            if p_schema -> 'uniqueItems' = 'true'::jsonb and v_len > 1 then
                -- the first item equal to an earlier one: a sort, O(n log n) (jsonb equality:
                -- 1 = 1.0, objects unordered); the sort costs about one unit per item
                p_left := p_left - v_len;
                select pg_catalog.min(d.i) into v_i
                  from (select a.i, pg_catalog.row_number() over (partition by a.v order by a.i) as rn
                          from pg_catalog.jsonb_array_elements(p_doc) with ordinality as a(v, i)) as d
                 where d.rn = 2;
                if v_i is not null then
                    p_errs := coalesce(p_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                        'path', p_path || '/' || (v_i - 1), 'keyword', 'uniqueItems', 'message', 'duplicate of an earlier item'));
                    p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                    if not p_all then return; end if;
                end if;
            end if;
            v_kw := p_schema -> 'contains';
            if v_kw is not null then
                v_n := 0;
                for v_i in 0 .. v_len - 1 loop
                    v_r := beamline_internal.jsonschema_eval(p_root, p_ctx, v_kw, p_doc -> v_i, p_path || '/' || v_i, false, v_scope, 0, p_memo, p_left);
                    v_e := v_r.p_errs; p_memo := v_r.p_memo; p_left := v_r.p_left;
                    if v_e is null then
                        v_n := v_n + 1;
                        if v_u then
                            p_ann := pg_catalog.jsonb_set(p_ann, '{c}', coalesce(p_ann -> 'c', '{}'::jsonb) || pg_catalog.jsonb_build_object(v_i::text, true));
                        end if;
                    end if;
                end loop;
                v_lim := coalesce((p_schema ->> 'minContains')::numeric, 1);
                if v_n < v_lim then
                    p_errs := coalesce(p_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                        'path', p_path, 'keyword', case when p_schema ? 'minContains' then 'minContains' else 'contains' end,
                        'message', pg_catalog.format('%s items match "contains", fewer than %s', v_n, v_lim)));
                    p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                    if not p_all then return; end if;
                end if;
                v_lim := (p_schema ->> 'maxContains')::numeric;
                if v_lim is not null and v_n > v_lim then
                    p_errs := coalesce(p_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                        'path', p_path, 'keyword', 'maxContains',
                        'message', pg_catalog.format('%s items match "contains", more than %s', v_n, v_lim)));
                    p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                    if not p_all then return; end if;
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
                    p_errs := coalesce(p_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                        'path', p_path, 'keyword', 'minLength',
                        'message', pg_catalog.format('is %s characters long, shorter than %s', v_len, v_lim)));
                    p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                    if not p_all then return; end if;
                end if;
                v_lim := (p_schema ->> 'maxLength')::numeric;
                if v_lim is not null and v_len > v_lim then
                    p_errs := coalesce(p_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                        'path', p_path, 'keyword', 'maxLength',
                        'message', pg_catalog.format('is %s characters long, longer than %s', v_len, v_lim)));
                    p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                    if not p_all then return; end if;
                end if;
            end if;
            v_child := p_schema ->> 'pattern';
            if v_child is not null and not (v_key operator(pg_catalog.~) v_child) then
                p_errs := coalesce(p_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                    'path', p_path, 'keyword', 'pattern',
                    'message', pg_catalog.format('does not match the pattern %s', p_schema -> 'pattern')));
                p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                if not p_all then return; end if;
            end if;
            v_child := p_schema ->> 'format';
            if v_child is not null and p_ctx ? 'f' and not beamline_internal.jsonschema_format(v_child, v_key) then
                p_errs := coalesce(p_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                    'path', p_path, 'keyword', 'format', 'message', pg_catalog.format('is not a valid %s', v_child)));
                p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                if not p_all then return; end if;
            end if;
        end if;

    elsif v_t = 'number' then
        if p_schema ?| '{minimum,maximum,exclusiveMinimum,exclusiveMaximum,multipleOf}'::text[] then
            v_num := p_doc::numeric;
            v_lim := (p_schema ->> 'minimum')::numeric;
            if v_lim is not null and v_num < v_lim then
                p_errs := coalesce(p_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                    'path', p_path, 'keyword', 'minimum', 'message', pg_catalog.format('%s is less than the minimum %s', v_num, v_lim)));
                p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                if not p_all then return; end if;
            end if;
            v_lim := (p_schema ->> 'maximum')::numeric;
            if v_lim is not null and v_num > v_lim then
                p_errs := coalesce(p_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                    'path', p_path, 'keyword', 'maximum', 'message', pg_catalog.format('%s is greater than the maximum %s', v_num, v_lim)));
                p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                if not p_all then return; end if;
            end if;
            v_lim := (p_schema ->> 'exclusiveMinimum')::numeric;
            if v_lim is not null and v_num <= v_lim then
                p_errs := coalesce(p_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                    'path', p_path, 'keyword', 'exclusiveMinimum', 'message', pg_catalog.format('%s is not greater than %s', v_num, v_lim)));
                p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                if not p_all then return; end if;
            end if;
            v_lim := (p_schema ->> 'exclusiveMaximum')::numeric;
            if v_lim is not null and v_num >= v_lim then
                p_errs := coalesce(p_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                    'path', p_path, 'keyword', 'exclusiveMaximum', 'message', pg_catalog.format('%s is not less than %s', v_num, v_lim)));
                p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                if not p_all then return; end if;
            end if;
            v_lim := (p_schema ->> 'multipleOf')::numeric;
            if v_lim is not null and pg_catalog.mod(v_num, v_lim) <> 0 then
                p_errs := coalesce(p_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                    'path', p_path, 'keyword', 'multipleOf', 'message', pg_catalog.format('%s is not a multiple of %s', v_num, v_lim)));
                p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                if not p_all then return; end if;
            end if;
        end if;
    end if;

    -- applicators on this node
    if p_schema ?| '{allOf,anyOf,oneOf,not,if}'::text[] then
        v_kw := p_schema -> 'allOf';
        if v_kw is not null then
            for v_i in 0 .. pg_catalog.jsonb_array_length(v_kw) - 1 loop
                v_r := beamline_internal.jsonschema_eval(p_root, p_ctx, v_kw -> v_i, p_doc, p_path, p_all, v_scope, p_hops, p_memo, p_left);
                v_e := v_r.p_errs; v_a := v_r.p_ann; p_memo := v_r.p_memo; p_left := v_r.p_left;
                if v_e is not null then
                    p_errs := coalesce(p_errs, '[]'::jsonb) || v_e;
                    p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                    if not p_all then return; end if;
                elsif v_u then
                    p_ann := beamline_internal.jsonschema_ann_merge(p_ann, v_a);
                end if;
            end loop;
        end if;
        v_kw := p_schema -> 'anyOf';
        if v_kw is not null then
            v_ok := false;
            for v_i in 0 .. pg_catalog.jsonb_array_length(v_kw) - 1 loop
                v_r := beamline_internal.jsonschema_eval(p_root, p_ctx, v_kw -> v_i, p_doc, p_path, false, v_scope, p_hops, p_memo, p_left);
                v_e := v_r.p_errs; v_a := v_r.p_ann; p_memo := v_r.p_memo; p_left := v_r.p_left;
                if v_e is null then
                    v_ok := true;
                    exit when not v_u;  -- annotations need every valid branch
                    p_ann := beamline_internal.jsonschema_ann_merge(p_ann, v_a);
                end if;
            end loop;
            if not v_ok then
                p_errs := coalesce(p_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                    'path', p_path, 'keyword', 'anyOf',
                    'message', pg_catalog.format('matches none of the %s schemas in anyOf', pg_catalog.jsonb_array_length(v_kw))));
                p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                if not p_all then return; end if;
            end if;
        end if;
        v_kw := p_schema -> 'oneOf';
        if v_kw is not null then
            v_n := 0;
            v_child := '';
            for v_i in 0 .. pg_catalog.jsonb_array_length(v_kw) - 1 loop
                v_r := beamline_internal.jsonschema_eval(p_root, p_ctx, v_kw -> v_i, p_doc, p_path, false, v_scope, p_hops, p_memo, p_left);
                v_e := v_r.p_errs; v_sub := v_r.p_ann; p_memo := v_r.p_memo; p_left := v_r.p_left;
                if v_e is null then
                    v_n := v_n + 1;
                    v_child := v_child || case when v_n > 1 then ', ' else '' end || v_i;
                    v_a := v_sub;
                end if;
            end loop;
            if v_n <> 1 then
                p_errs := coalesce(p_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                    'path', p_path, 'keyword', 'oneOf',
                    'message', case when v_n = 0
                        then pg_catalog.format('matches none of the %s schemas in oneOf', pg_catalog.jsonb_array_length(v_kw))
                        else pg_catalog.format('matches more than one schema in oneOf (indexes %s)', v_child) end));
                p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                if not p_all then return; end if;
            elsif v_u then
                p_ann := beamline_internal.jsonschema_ann_merge(p_ann, v_a);
            end if;
        end if;
        v_kw := p_schema -> 'not';
        if v_kw is not null then
            v_r := beamline_internal.jsonschema_eval(p_root, p_ctx, v_kw, p_doc, p_path, false, v_scope, p_hops, p_memo, p_left);
            v_e := v_r.p_errs; p_memo := v_r.p_memo; p_left := v_r.p_left;
            if v_e is null then
                p_errs := coalesce(p_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                    'path', p_path, 'keyword', 'not', 'message', 'must not match the schema in "not"'));
                p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                if not p_all then return; end if;
            end if;
        end if;
        v_kw := p_schema -> 'if';
        if v_kw is not null then
            v_r := beamline_internal.jsonschema_eval(p_root, p_ctx, v_kw, p_doc, p_path, false, v_scope, p_hops, p_memo, p_left);
            v_e := v_r.p_errs; v_a := v_r.p_ann; p_memo := v_r.p_memo; p_left := v_r.p_left;
            if v_e is null then
                if v_u then p_ann := beamline_internal.jsonschema_ann_merge(p_ann, v_a); end if;
                v_kw := p_schema -> 'then';
            else
                v_kw := p_schema -> 'else';
            end if;
            if v_kw is not null then
                v_r := beamline_internal.jsonschema_eval(p_root, p_ctx, v_kw, p_doc, p_path, p_all, v_scope, p_hops, p_memo, p_left);
                v_e := v_r.p_errs; v_a := v_r.p_ann; p_memo := v_r.p_memo; p_left := v_r.p_left;
                if v_e is not null then
                    p_errs := coalesce(p_errs, '[]'::jsonb) || v_e;
                    p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                    if not p_all then return; end if;
                elsif v_u then
                    p_ann := beamline_internal.jsonschema_ann_merge(p_ann, v_a);
                end if;
            end if;
        end if;
    end if;

    -- unevaluated*: last, over what this node's keywords (and its valid in-place subschemas)
    -- have not evaluated
    if v_u then
        v_kw := p_schema -> 'unevaluatedProperties';
        if v_kw is not null and v_t = 'object' then
            for v_key, v_item in select d.key, d.value from pg_catalog.jsonb_each(p_doc) as d loop
                continue when p_ann -> 'p' ? v_key;
                v_child := p_path || '/' || pg_catalog.replace(pg_catalog.replace(v_key, '~', '~0'), '/', '~1');
                if v_kw = 'false'::jsonb then
                    p_errs := coalesce(p_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                        'path', v_child, 'keyword', 'unevaluatedProperties',
                        'message', pg_catalog.format('unevaluated property %s is not allowed', pg_catalog.to_jsonb(v_key))));
                    p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                    if not p_all then return; end if;
                else
                    v_r := beamline_internal.jsonschema_eval(p_root, p_ctx, v_kw, v_item, v_child, p_all, v_scope, 0, p_memo, p_left);
                    v_e := v_r.p_errs; p_memo := v_r.p_memo; p_left := v_r.p_left;
                    if v_e is not null then
                        p_errs := coalesce(p_errs, '[]'::jsonb) || v_e;
                        p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                        if not p_all then return; end if;
                    end if;
                end if;
                p_ann := pg_catalog.jsonb_set(p_ann, '{p}', coalesce(p_ann -> 'p', '{}'::jsonb) || pg_catalog.jsonb_build_object(v_key, true));
            end loop;
        end if;
        v_kw := p_schema -> 'unevaluatedItems';
        if v_kw is not null and v_t = 'array' then
            v_len := pg_catalog.jsonb_array_length(p_doc);
            for v_i in (p_ann ->> 'i')::integer .. v_len - 1 loop
                continue when p_ann -> 'c' ? v_i::text;
                if v_kw = 'false'::jsonb then
                    p_errs := coalesce(p_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                        'path', p_path || '/' || v_i, 'keyword', 'unevaluatedItems', 'message', 'unevaluated item is not allowed'));
                    p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                    if not p_all then return; end if;
                else
                    v_r := beamline_internal.jsonschema_eval(p_root, p_ctx, v_kw, p_doc -> v_i, p_path || '/' || v_i, p_all, v_scope, 0, p_memo, p_left);
                    v_e := v_r.p_errs; p_memo := v_r.p_memo; p_left := v_r.p_left;
                    if v_e is not null then
                        p_errs := coalesce(p_errs, '[]'::jsonb) || v_e;
                        p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                        if not p_all then return; end if;
                    end if;
                end if;
            end loop;
            p_ann := pg_catalog.jsonb_set(p_ann, '{i}', pg_catalog.to_jsonb(greatest(v_len, (p_ann ->> 'i')::integer)));
        end if;
    end if;
end
$function$;

comment on function beamline_internal.jsonschema_eval(jsonb, jsonb, jsonb, jsonb, text, boolean, text[], integer, jsonb, integer) is
    'JSON Schema engine core: errors (NULL when valid) and evaluated-member annotations of one document node against one prepared subschema. Use beamline.validate.';
