-- The JSON Schema engine's core: validate one document node against one (sub)schema.
--
-- Returns a JSON array of errors {"path", "keyword", "message"}, or NULL when the node is valid
-- (NULL, not [], so the hot valid path allocates nothing). With p_all = false it stops at the
-- first error (used for anyOf/oneOf/not/if/contains, where only valid-or-not matters).
--
-- The schema is trusted: beamline.validate checked it with jsonschema_check_schema first (and
-- register_schema before storing it), so this function only reads supported keywords and never
-- re-checks their shapes. Design for speed (docs/VALIDATION.md, "Performance"):
--   * no recursion for descending applicators (properties, items, allOf, $ref, then/else...):
--     they go to a work queue processed by one loop. A recursive PL/pgSQL call cannot use the
--     fast "simple expression" path for a call expression that is already executing higher up
--     the stack, so each nested level would cost a full executor round (measured: 4x slower).
--     Only keywords that need a yes/no answer about a subschema (anyOf, oneOf, not, if,
--     contains, propertyNames) call the function again, in first-error mode;
--   * one keyword-group test (?|) per node type, integer loops with -> for arrays;
--   * no SET clause (a per-call GUC swap costs more than a leaf check): every name is
--     qualified, and the function is reached only through beamline.validate, which runs with
--     search_path = pg_catalog, pg_temp (owner-only: sql/tests/26-search-path.sql checks it).
-- Errors come out breadth-first (a node's own errors before those of its children).
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
    -- the work queue: (subschema, document node, path, $ref hops) still to check
    v_qs     jsonb[];
    v_qd     jsonb[];
    v_qp     text[];
    v_qr     integer[];
    v_head   integer;
    v_tail   integer;
    v_s      jsonb;
    v_d      jsonb;
    v_p      text;
    v_r      integer;
begin
    v_qs[1] := p_schema; v_qd[1] := p_doc; v_qp[1] := p_path; v_qr[1] := p_refs;
    v_head := 1;
    v_tail := 1;
    while v_head <= v_tail loop
        v_s := v_qs[v_head]; v_d := v_qd[v_head]; v_p := v_qp[v_head]; v_r := v_qr[v_head];
        v_qd[v_head] := null;  -- let the document copy go
        v_head := v_head + 1;

        -- Boolean schemas.
        if pg_catalog.jsonb_typeof(v_s) = 'boolean' then
            if v_s = 'false'::jsonb then
                return pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                    'path', v_p, 'keyword', 'false', 'message', 'no value is allowed here (false schema)'));
            end if;
            continue;
        end if;

        v_t := pg_catalog.jsonb_typeof(v_d);

        -- type, enum, const
        if v_s ?| '{type,enum,const}'::text[] then
            v_kw := v_s -> 'type';
            if v_kw is not null and not (v_kw ? v_t) then
                v_ok := v_t = 'number' and v_kw ? 'integer'
                        and (v_d::numeric) = pg_catalog.trunc(v_d::numeric);
                if not v_ok then
                    v_errs := coalesce(v_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                        'path', v_p, 'keyword', 'type',
                        'message', pg_catalog.format('expected %s, got %s',
                            case when pg_catalog.jsonb_typeof(v_kw) = 'array'
                                 then 'one of ' || pg_catalog.array_to_string(array(
                                     select pg_catalog.jsonb_array_elements_text(v_kw)), ', ')
                                 else v_kw ->> 0 end,
                            v_t)));
                    if not p_all then return v_errs; end if;
                end if;
            end if;
            v_kw := v_s -> 'enum';
            if v_kw is not null then
                if v_t in ('object', 'array') then
                    -- containment is subset-based for containers: compare element by element
                    v_ok := false;
                    for v_i in 0 .. pg_catalog.jsonb_array_length(v_kw) - 1 loop
                        if v_kw -> v_i = v_d then v_ok := true; exit; end if;
                    end loop;
                else
                    v_ok := v_kw @> pg_catalog.jsonb_build_array(v_d);
                end if;
                if not v_ok then
                    v_errs := coalesce(v_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                        'path', v_p, 'keyword', 'enum',
                        'message', pg_catalog.format('%s is not one of %s',
                            pg_catalog.left(v_d::text, 200), pg_catalog.left(v_kw::text, 200))));
                    if not p_all then return v_errs; end if;
                end if;
            end if;
            v_kw := v_s -> 'const';
            if v_kw is not null and v_kw <> v_d then
                v_errs := coalesce(v_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(
                    pg_catalog.jsonb_build_object('path', v_p, 'keyword', 'const',
                        'message', pg_catalog.format('expected %s', pg_catalog.left(v_kw::text, 200))));
                if not p_all then return v_errs; end if;
            end if;
        end if;

        if v_t = 'object' then
            if v_s ?| '{properties,patternProperties,additionalProperties,propertyNames,required,minProperties,maxProperties,dependentRequired}'::text[] then
                v_kw := v_s -> 'required';
                if v_kw is not null then
                    for v_i in 0 .. pg_catalog.jsonb_array_length(v_kw) - 1 loop
                        v_key := v_kw ->> v_i;
                        if not (v_d ? v_key) then
                            v_errs := coalesce(v_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(
                                pg_catalog.jsonb_build_object('path', v_p, 'keyword', 'required',
                                    'message', pg_catalog.format('missing required property %s', pg_catalog.to_jsonb(v_key))));
                            if not p_all then return v_errs; end if;
                        end if;
                    end loop;
                end if;
                v_kw := v_s -> 'dependentRequired';
                if v_kw is not null then
                    for v_key, v_sub in select d.key, d.value from pg_catalog.jsonb_each(v_kw) as d loop
                        if v_d ? v_key then
                            for v_i in 0 .. pg_catalog.jsonb_array_length(v_sub) - 1 loop
                                if not (v_d ? (v_sub ->> v_i)) then
                                    v_errs := coalesce(v_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(
                                        pg_catalog.jsonb_build_object('path', v_p, 'keyword', 'dependentRequired',
                                            'message', pg_catalog.format('property %s requires property %s',
                                                pg_catalog.to_jsonb(v_key), v_sub -> v_i)));
                                    if not p_all then return v_errs; end if;
                                end if;
                            end loop;
                        end if;
                    end loop;
                end if;
                v_props := v_s -> 'properties';
                v_pprops := v_s -> 'patternProperties';
                v_addl := v_s -> 'additionalProperties';
                v_pnames := v_s -> 'propertyNames';
                v_n := 0;
                if v_props is not null or v_pprops is not null or v_addl is not null or v_pnames is not null
                   or v_s ?| '{minProperties,maxProperties}'::text[] then
                    for v_key, v_item in select d.key, d.value from pg_catalog.jsonb_each(v_d) as d loop
                        v_n := v_n + 1;
                        v_child := null;
                        v_ok := false;  -- matched by properties or patternProperties
                        if v_props is not null then
                            v_sub := v_props -> v_key;
                            if v_sub is not null then
                                v_ok := true;
                                if v_sub <> 'true'::jsonb then
                                    v_child := v_p || '/' || pg_catalog.replace(pg_catalog.replace(v_key, '~', '~0'), '/', '~1');
                                    v_tail := v_tail + 1; v_qs[v_tail] := v_sub; v_qd[v_tail] := v_item; v_qp[v_tail] := v_child; v_qr[v_tail] := 0;
                                end if;
                            end if;
                        end if;
                        if v_pprops is not null then
                            for v_kw in select pp.value from pg_catalog.jsonb_each(v_pprops) as pp
                                        where v_key operator(pg_catalog.~) pp.key loop
                                v_ok := true;
                                v_child := coalesce(v_child, v_p || '/'
                                    || pg_catalog.replace(pg_catalog.replace(v_key, '~', '~0'), '/', '~1'));
                                v_tail := v_tail + 1; v_qs[v_tail] := v_kw; v_qd[v_tail] := v_item; v_qp[v_tail] := v_child; v_qr[v_tail] := 0;
                            end loop;
                        end if;
                        if not v_ok and v_addl is not null and v_addl <> 'true'::jsonb then
                            v_child := coalesce(v_child, v_p || '/'
                                || pg_catalog.replace(pg_catalog.replace(v_key, '~', '~0'), '/', '~1'));
                            if v_addl = 'false'::jsonb then
                                v_sub := pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                                    'path', v_child, 'keyword', 'additionalProperties',
                                    'message', pg_catalog.format('additional property %s is not allowed',
                                        pg_catalog.to_jsonb(v_key))));
                            else
                                v_tail := v_tail + 1; v_qs[v_tail] := v_addl; v_qd[v_tail] := v_item; v_qp[v_tail] := v_child; v_qr[v_tail] := 0;
                                v_sub := null;
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
                                v_child := coalesce(v_child, v_p || '/'
                                    || pg_catalog.replace(pg_catalog.replace(v_key, '~', '~0'), '/', '~1'));
                                v_errs := coalesce(v_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(
                                    pg_catalog.jsonb_build_object('path', v_child, 'keyword', 'propertyNames',
                                        'message', pg_catalog.format('property name %s is invalid: %s',
                                            pg_catalog.to_jsonb(v_key), v_sub -> 0 ->> 'message')));
                                if not p_all then return v_errs; end if;
                            end if;
                        end if;
                    end loop;
                    v_lim := (v_s ->> 'minProperties')::numeric;
                    if v_lim is not null and v_n < v_lim then
                        v_errs := coalesce(v_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(
                            pg_catalog.jsonb_build_object('path', v_p, 'keyword', 'minProperties',
                                'message', pg_catalog.format('has %s properties, fewer than %s', v_n, v_lim)));
                        if not p_all then return v_errs; end if;
                    end if;
                    v_lim := (v_s ->> 'maxProperties')::numeric;
                    if v_lim is not null and v_n > v_lim then
                        v_errs := coalesce(v_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(
                            pg_catalog.jsonb_build_object('path', v_p, 'keyword', 'maxProperties',
                                'message', pg_catalog.format('has %s properties, more than %s', v_n, v_lim)));
                        if not p_all then return v_errs; end if;
                    end if;
                end if;
            end if;

        elsif v_t = 'array' then
            if v_s ?| '{items,prefixItems,minItems,maxItems,uniqueItems,contains}'::text[] then
                v_len := pg_catalog.jsonb_array_length(v_d);
                v_lim := (v_s ->> 'minItems')::numeric;
                if v_lim is not null and v_len < v_lim then
                    v_errs := coalesce(v_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(
                        pg_catalog.jsonb_build_object('path', v_p, 'keyword', 'minItems',
                            'message', pg_catalog.format('has %s items, fewer than %s', v_len, v_lim)));
                    if not p_all then return v_errs; end if;
                end if;
                v_lim := (v_s ->> 'maxItems')::numeric;
                if v_lim is not null and v_len > v_lim then
                    v_errs := coalesce(v_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(
                        pg_catalog.jsonb_build_object('path', v_p, 'keyword', 'maxItems',
                            'message', pg_catalog.format('has %s items, more than %s', v_len, v_lim)));
                    if not p_all then return v_errs; end if;
                end if;
                -- prefixItems then items (items applies after the prefix)
                v_kw := v_s -> 'prefixItems';
                v_n := 0;
                if v_kw is not null then
                    v_n := least(v_len, pg_catalog.jsonb_array_length(v_kw));
                    for v_i in 0 .. v_n - 1 loop
                        v_tail := v_tail + 1; v_qs[v_tail] := v_kw -> v_i; v_qd[v_tail] := v_d -> v_i; v_qp[v_tail] := v_p || '/' || v_i; v_qr[v_tail] := 0;
                    end loop;
                end if;
                v_kw := v_s -> 'items';
                if v_kw is not null and v_kw <> 'true'::jsonb then
                    for v_i in v_n .. v_len - 1 loop
                        v_tail := v_tail + 1; v_qs[v_tail] := v_kw; v_qd[v_tail] := v_d -> v_i; v_qp[v_tail] := v_p || '/' || v_i; v_qr[v_tail] := 0;
                    end loop;
                end if;
                if v_s -> 'uniqueItems' = 'true'::jsonb and v_len > 1 then
                    select pg_catalog.min(a.i) into v_i
                      from pg_catalog.jsonb_array_elements(v_d) with ordinality as a(v, i)
                     where exists (select 1 from pg_catalog.jsonb_array_elements(v_d) with ordinality as b(v, i)
                                    where b.i < a.i and b.v = a.v);
                    if v_i is not null then
                        v_errs := coalesce(v_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(
                            pg_catalog.jsonb_build_object('path', v_p || '/' || (v_i - 1), 'keyword', 'uniqueItems',
                                'message', 'duplicate of an earlier item'));
                        if not p_all then return v_errs; end if;
                    end if;
                end if;
                v_kw := v_s -> 'contains';
                if v_kw is not null then
                    v_n := 0;
                    for v_i in 0 .. v_len - 1 loop
                        if beamline_internal.jsonschema_node(p_root, v_kw, v_d -> v_i, '', false) is null then
                            v_n := v_n + 1;
                        end if;
                    end loop;
                    v_lim := coalesce((v_s ->> 'minContains')::numeric, 1);
                    if v_n < v_lim then
                        v_errs := coalesce(v_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(
                            pg_catalog.jsonb_build_object('path', v_p, 'keyword',
                                case when v_s ? 'minContains' then 'minContains' else 'contains' end,
                                'message', pg_catalog.format('%s items match "contains", fewer than %s', v_n, v_lim)));
                        if not p_all then return v_errs; end if;
                    end if;
                    v_lim := (v_s ->> 'maxContains')::numeric;
                    if v_lim is not null and v_n > v_lim then
                        v_errs := coalesce(v_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(
                            pg_catalog.jsonb_build_object('path', v_p, 'keyword', 'maxContains',
                                'message', pg_catalog.format('%s items match "contains", more than %s', v_n, v_lim)));
                        if not p_all then return v_errs; end if;
                    end if;
                end if;
            end if;

        elsif v_t = 'string' then
            if v_s ?| '{minLength,maxLength,pattern,format}'::text[] then
                v_key := v_d #>> '{}';
                if v_s ?| '{minLength,maxLength}'::text[] then
                    v_len := pg_catalog.char_length(v_key);
                    v_lim := (v_s ->> 'minLength')::numeric;
                    if v_lim is not null and v_len < v_lim then
                        v_errs := coalesce(v_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(
                            pg_catalog.jsonb_build_object('path', v_p, 'keyword', 'minLength',
                                'message', pg_catalog.format('is %s characters long, shorter than %s', v_len, v_lim)));
                        if not p_all then return v_errs; end if;
                    end if;
                    v_lim := (v_s ->> 'maxLength')::numeric;
                    if v_lim is not null and v_len > v_lim then
                        v_errs := coalesce(v_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(
                            pg_catalog.jsonb_build_object('path', v_p, 'keyword', 'maxLength',
                                'message', pg_catalog.format('is %s characters long, longer than %s', v_len, v_lim)));
                        if not p_all then return v_errs; end if;
                    end if;
                end if;
                v_child := v_s ->> 'pattern';
                if v_child is not null and not (v_key operator(pg_catalog.~) v_child) then
                    v_errs := coalesce(v_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(
                        pg_catalog.jsonb_build_object('path', v_p, 'keyword', 'pattern',
                            'message', pg_catalog.format('does not match the pattern %s', v_s -> 'pattern')));
                    if not p_all then return v_errs; end if;
                end if;
                v_child := v_s ->> 'format';
                if v_child is not null and not beamline_internal.jsonschema_format(v_child, v_key) then
                    v_errs := coalesce(v_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(
                        pg_catalog.jsonb_build_object('path', v_p, 'keyword', 'format',
                            'message', pg_catalog.format('is not a valid %s', v_child)));
                    if not p_all then return v_errs; end if;
                end if;
            end if;

        elsif v_t = 'number' then
            if v_s ?| '{minimum,maximum,exclusiveMinimum,exclusiveMaximum,multipleOf}'::text[] then
                v_num := v_d::numeric;
                v_lim := (v_s ->> 'minimum')::numeric;
                if v_lim is not null and v_num < v_lim then
                    v_errs := coalesce(v_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(
                        pg_catalog.jsonb_build_object('path', v_p, 'keyword', 'minimum',
                            'message', pg_catalog.format('%s is less than the minimum %s', v_num, v_lim)));
                    if not p_all then return v_errs; end if;
                end if;
                v_lim := (v_s ->> 'maximum')::numeric;
                if v_lim is not null and v_num > v_lim then
                    v_errs := coalesce(v_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(
                        pg_catalog.jsonb_build_object('path', v_p, 'keyword', 'maximum',
                            'message', pg_catalog.format('%s is greater than the maximum %s', v_num, v_lim)));
                    if not p_all then return v_errs; end if;
                end if;
                v_lim := (v_s ->> 'exclusiveMinimum')::numeric;
                if v_lim is not null and v_num <= v_lim then
                    v_errs := coalesce(v_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(
                        pg_catalog.jsonb_build_object('path', v_p, 'keyword', 'exclusiveMinimum',
                            'message', pg_catalog.format('%s is not greater than %s', v_num, v_lim)));
                    if not p_all then return v_errs; end if;
                end if;
                v_lim := (v_s ->> 'exclusiveMaximum')::numeric;
                if v_lim is not null and v_num >= v_lim then
                    v_errs := coalesce(v_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(
                        pg_catalog.jsonb_build_object('path', v_p, 'keyword', 'exclusiveMaximum',
                            'message', pg_catalog.format('%s is not less than %s', v_num, v_lim)));
                    if not p_all then return v_errs; end if;
                end if;
                v_lim := (v_s ->> 'multipleOf')::numeric;
                if v_lim is not null and pg_catalog.mod(v_num, v_lim) <> 0 then
                    v_errs := coalesce(v_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(
                        pg_catalog.jsonb_build_object('path', v_p, 'keyword', 'multipleOf',
                            'message', pg_catalog.format('%s is not a multiple of %s', v_num, v_lim)));
                    if not p_all then return v_errs; end if;
                end if;
            end if;
        end if;

        -- Applicators that stay on this node.
        if v_s ?| '{allOf,anyOf,oneOf,not,if,$ref}'::text[] then
            v_kw := v_s -> '$ref';
            if v_kw is not null then
                if v_r >= 64 then
                    raise exception using errcode = 'BL010',
                        message = 'JSON Schema $ref chain does not terminate',
                        detail = pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                            'path', v_p, 'keyword', '$ref', 'message', 'more than 64 $ref hops without consuming the document'))::text,
                        hint = 'A $ref cycle must pass through properties, items or another keyword that descends into the document.';
                end if;
                v_ptr := beamline_internal.jsonschema_pointer(v_kw #>> '{}');
                v_tail := v_tail + 1; v_qs[v_tail] := p_root #> v_ptr; v_qd[v_tail] := v_d; v_qp[v_tail] := v_p; v_qr[v_tail] := v_r + 1;
            end if;
            v_kw := v_s -> 'allOf';
            if v_kw is not null then
                for v_i in 0 .. pg_catalog.jsonb_array_length(v_kw) - 1 loop
                    v_tail := v_tail + 1; v_qs[v_tail] := v_kw -> v_i; v_qd[v_tail] := v_d; v_qp[v_tail] := v_p; v_qr[v_tail] := v_r;
                end loop;
            end if;
            v_kw := v_s -> 'anyOf';
            if v_kw is not null then
                v_ok := false;
                for v_i in 0 .. pg_catalog.jsonb_array_length(v_kw) - 1 loop
                    if beamline_internal.jsonschema_node(p_root, v_kw -> v_i, v_d, v_p, false, v_r) is null then
                        v_ok := true;
                        exit;
                    end if;
                end loop;
                if not v_ok then
                    v_errs := coalesce(v_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(
                        pg_catalog.jsonb_build_object('path', v_p, 'keyword', 'anyOf',
                            'message', pg_catalog.format('matches none of the %s schemas in anyOf',
                                pg_catalog.jsonb_array_length(v_kw))));
                    if not p_all then return v_errs; end if;
                end if;
            end if;
            v_kw := v_s -> 'oneOf';
            if v_kw is not null then
                v_n := 0;
                v_child := '';
                for v_i in 0 .. pg_catalog.jsonb_array_length(v_kw) - 1 loop
                    if beamline_internal.jsonschema_node(p_root, v_kw -> v_i, v_d, v_p, false, v_r) is null then
                        v_n := v_n + 1;
                        v_child := v_child || case when v_n > 1 then ', ' else '' end || v_i;
                    end if;
                end loop;
                if v_n <> 1 then
                    v_errs := coalesce(v_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(
                        pg_catalog.jsonb_build_object('path', v_p, 'keyword', 'oneOf',
                            'message', case when v_n = 0
                                then pg_catalog.format('matches none of the %s schemas in oneOf', pg_catalog.jsonb_array_length(v_kw))
                                else pg_catalog.format('matches more than one schema in oneOf (indexes %s)', v_child) end));
                    if not p_all then return v_errs; end if;
                end if;
            end if;
            v_kw := v_s -> 'not';
            if v_kw is not null
               and beamline_internal.jsonschema_node(p_root, v_kw, v_d, v_p, false, v_r) is null then
                v_errs := coalesce(v_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(
                    pg_catalog.jsonb_build_object('path', v_p, 'keyword', 'not',
                        'message', 'must not match the schema in "not"'));
                if not p_all then return v_errs; end if;
            end if;
            v_kw := v_s -> 'if';
            if v_kw is not null then
                if beamline_internal.jsonschema_node(p_root, v_kw, v_d, v_p, false, v_r) is null then
                    v_kw := v_s -> 'then';
                else
                    v_kw := v_s -> 'else';
                end if;
                if v_kw is not null then
                    v_tail := v_tail + 1; v_qs[v_tail] := v_kw; v_qd[v_tail] := v_d; v_qp[v_tail] := v_p; v_qr[v_tail] := v_r;
                end if;
            end if;
        end if;
    end loop;
    return v_errs;
end
$function$;

comment on function beamline_internal.jsonschema_node(jsonb, jsonb, jsonb, text, boolean, integer) is
    'JSON Schema engine core: errors of one document node against one checked (sub)schema, NULL when valid. Use beamline.validate.';
