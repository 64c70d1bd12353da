-- The fast-path compiler's core (docs/VALIDATION.md, "Performance"): translate one checked
-- (sub)schema into a jsonpath predicate about the current item "@" that is TRUE exactly when
-- the engine (jsonschema_eval) finds no error for that node.
--
-- Every predicate this function emits is two-valued: it is TRUE or FALSE for every JSON value,
-- never UNKNOWN (jsonpath's third value, which comparisons of mismatched types and strict-mode
-- errors produce). That is what makes negation (!) and "for all" (!exists(... ? (!P))) exact:
--   * each type-specific keyword is guarded: (@.type() != "string" || ...), and && / || short-
--     circuit, so a comparison only ever sees operands of its own type;
--   * a member access that may fail in strict mode is wrapped: exists(@ ? (Q)) is TRUE when Q is
--     TRUE and FALSE when Q is FALSE or UNKNOWN (a filter keeps only TRUE);
--   * the caller evaluates the result in strict mode (no automatic array unwrapping).
--
-- Returns p_pred = '' for "always true" and NULL when the subschema cannot be expressed
-- exactly. What jsonpath cannot express (uniqueItems, minProperties/maxProperties, minContains/
-- maxContains, enum/const with objects or arrays, asserted date/date-time formats, very long
-- length bounds, recursive $ref) makes the subschema "opaque": when it is reached only through
-- structural keywords (properties, patternProperties, additionalProperties, items, prefixItems,
-- allOf, $ref), p_path is a strict jsonpath selecting exactly the document nodes it applies to,
-- and {"path", "schema"} is appended to p_checks so the caller runs the full engine on those
-- nodes only; under anyOf/oneOf/not/if/then/else/contains/propertyNames (p_path NULL) the
-- whole schema gets no fast path (NULL).
--
-- p_root   the prepared document (jsonschema_prepare: $ref targets are pointers into it)
-- p_refs   the $refs being expanded (a repeated one is recursion: opaque)
-- p_fmt    format is asserted (the schema opted in); otherwise it is an annotation
-- p_budget subschemas left to compile; when it runs out the schema has no fast path
create or replace function beamline_internal.jsonschema_compile_node(
    p_root   jsonb,
    p_schema jsonb,
    p_path   text,
    p_refs   text[],
    p_fmt    boolean,
    inout p_checks jsonb,
    inout p_budget integer,
    out p_pred text
)
immutable
parallel safe
set search_path = pg_catalog, pg_temp
language plpgsql
as $function$
declare
    v_terms  text[] := '{}';
    v_grp    text[];
    v_alts   text[];
    v_kv     text[];
    v_known  text[];
    v_sub    record;
    v_kw     jsonb;
    v_el     jsonb;
    v_key    text;
    v_q      text;
    v_t      text;
    v_i      integer;
    v_j      integer;
    v_n      integer;
    v_opaque boolean := false;
    c_true   constant text := '';
    c_false  constant text := '(@.type() == "none")';
    c_max_len constant integer := 4080;     -- longest length bound compiled into a regex (16 x 255)
    c_max_pred constant integer := 200000;  -- give up on larger predicates
begin
    -- a work bound: $ref targets are expanded inline, so a schema that shares subschemas through
    -- many references (an anyOf chain) would otherwise compile in exponential time
    p_budget := p_budget - 1;
    if p_budget < 0 then
        p_pred := null;
        return;
    end if;
    -- keywords the predicate does not express at all: no fast path (the engine always runs)
    if p_schema ?| '{$dynamicRef,dependentSchemas,unevaluatedItems,unevaluatedProperties}'::text[] then
        p_pred := null;
        return;
    end if;
    if pg_catalog.jsonb_typeof(p_schema) = 'boolean' then
        p_pred := case when p_schema = 'true'::jsonb then c_true else c_false end;
        return;
    end if;

    -- Opaque subschemas: keywords the predicate cannot express exactly.
    v_opaque := p_schema ?| '{minProperties,maxProperties,minContains,maxContains}'::text[]
        or p_schema -> 'uniqueItems' = 'true'::jsonb
        or (p_fmt and (p_schema ->> 'format') in ('date-time', 'date'))
        or coalesce((p_schema ->> 'minLength')::numeric, 0) > c_max_len
        or coalesce((p_schema ->> 'maxLength')::numeric, 0) > c_max_len
        or pg_catalog.jsonb_typeof(p_schema -> 'const') in ('object', 'array')
        or (p_schema ? 'enum' and exists (
            select 1 from pg_catalog.jsonb_array_elements(p_schema -> 'enum') as e(v)
             where pg_catalog.jsonb_typeof(e.v) in ('object', 'array')))
        or coalesce((p_schema ->> '$ref') = any (p_refs), false);
    if v_opaque then
        if p_path is null then
            p_pred := null;
        else
            p_checks := p_checks || pg_catalog.jsonb_build_array(
                pg_catalog.jsonb_build_object('path', p_path, 'schema', p_schema));
            p_pred := c_true;
        end if;
        return;
    end if;

    -- type
    v_kw := p_schema -> 'type';
    if v_kw is not null then
        v_alts := '{}';
        for v_t in select pg_catalog.jsonb_array_elements_text(
                       case when pg_catalog.jsonb_typeof(v_kw) = 'array' then v_kw
                            else pg_catalog.jsonb_build_array(v_kw) end) loop
            v_alts := v_alts || case when v_t = 'integer'
                then '(@.type() == "number" && @.floor() == @)'
                else pg_catalog.format('@.type() == "%s"', v_t) end;
        end loop;
        v_terms := v_terms || ('(' || pg_catalog.array_to_string(v_alts, ' || ') || ')');
    end if;
    -- enum, const (scalars only, see above): equal type and equal value
    for v_kw in select k.v from (select p_schema -> 'enum' as v
                                 union all
                                 select pg_catalog.jsonb_build_array(p_schema -> 'const')
                                  where p_schema ? 'const') as k
                 where k.v is not null loop
        v_alts := '{}';
        for v_el in select e.v from pg_catalog.jsonb_array_elements(v_kw) as e(v) loop
            v_alts := v_alts || case when v_el = 'null'::jsonb then '@.type() == "null"'
                else pg_catalog.format('(@.type() == "%s" && @ == %s)', pg_catalog.jsonb_typeof(v_el), v_el::text) end;
        end loop;
        v_terms := v_terms || case when pg_catalog.cardinality(v_alts) = 0 then c_false
            else '(' || pg_catalog.array_to_string(v_alts, ' || ') || ')' end;
    end loop;

    -- objects
    v_grp := '{}';
    for v_key in select pg_catalog.jsonb_array_elements_text(p_schema -> 'required') loop
        v_grp := v_grp || pg_catalog.format('exists(@ ? (exists(@.%s)))', pg_catalog.to_jsonb(v_key)::text);
    end loop;
    for v_key, v_kw in select d.key, d.value from pg_catalog.jsonb_each(p_schema -> 'dependentRequired') as d loop
        v_alts := '{}';
        for v_q in select pg_catalog.jsonb_array_elements_text(v_kw) loop
            v_alts := v_alts || pg_catalog.format('exists(@ ? (exists(@.%s)))', pg_catalog.to_jsonb(v_q)::text);
        end loop;
        if pg_catalog.cardinality(v_alts) > 0 then
            v_grp := v_grp || pg_catalog.format('(!exists(@ ? (exists(@.%s))) || (%s))',
                pg_catalog.to_jsonb(v_key)::text, pg_catalog.array_to_string(v_alts, ' && '));
        end if;
    end loop;
    -- additionalProperties: false on a structurally reached object becomes a key check done
    -- outside the predicate ({"path", "keys"}: no member but these), because .keyvalue() copies
    -- every member value and is the slowest jsonpath step by far
    if p_schema -> 'additionalProperties' = 'false'::jsonb and p_path is not null
       and not (p_schema ?| '{patternProperties,propertyNames}'::text[]) then
        p_checks := p_checks || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
            'path', p_path || ' ? (@.type() == "object")',
            'keys', (select coalesce(pg_catalog.jsonb_agg(k.key), '[]'::jsonb)
                       from pg_catalog.jsonb_object_keys(coalesce(p_schema -> 'properties', '{}'::jsonb)) as k(key))));
    end if;
    if p_schema ?| '{patternProperties,propertyNames}'::text[]
       or (p_schema ? 'additionalProperties' and p_path is null)
       or (p_schema -> 'additionalProperties') not in ('false'::jsonb, 'true'::jsonb) then
        -- one pass over the members: .keyvalue() gives {"key", "value", "id"} items
        v_kv := '{}';
        v_known := '{}';
        for v_key, v_kw in select d.key, d.value from pg_catalog.jsonb_each(p_schema -> 'properties') as d loop
            v_q := pg_catalog.to_jsonb(v_key)::text;
            v_known := v_known || ('@.key == ' || v_q);
            select * into v_sub from beamline_internal.jsonschema_compile_node(p_root, v_kw,
                p_path || pg_catalog.format(' ? (@.type() == "object" && exists(@.%s)).%s', v_q, v_q), p_refs, p_fmt, p_checks, p_budget); p_budget := v_sub.p_budget;
            if v_sub.p_pred is null then p_pred := null; return; end if;
            p_checks := v_sub.p_checks;
            if v_sub.p_pred <> c_true then
                v_kv := v_kv || pg_catalog.format('(@.key != %s || exists(@.value ? (%s)))', v_q, v_sub.p_pred);
            end if;
        end loop;
        for v_key, v_kw in select d.key, d.value from pg_catalog.jsonb_each(p_schema -> 'patternProperties') as d loop
            v_q := pg_catalog.format('@.key like_regex %s flag "s"', pg_catalog.to_jsonb(v_key)::text);
            v_known := v_known || v_q;
            select * into v_sub from beamline_internal.jsonschema_compile_node(p_root, v_kw,
                p_path || pg_catalog.format(' ? (@.type() == "object").keyvalue() ? (%s).value', v_q), p_refs, p_fmt, p_checks, p_budget); p_budget := v_sub.p_budget;
            if v_sub.p_pred is null then p_pred := null; return; end if;
            p_checks := v_sub.p_checks;
            if v_sub.p_pred <> c_true then
                v_kv := v_kv || pg_catalog.format('(!(%s) || exists(@.value ? (%s)))', v_q, v_sub.p_pred);
            end if;
        end loop;
        v_kw := p_schema -> 'additionalProperties';
        if v_kw is not null then
            select * into v_sub from beamline_internal.jsonschema_compile_node(p_root, v_kw,
                p_path || pg_catalog.format(' ? (@.type() == "object").keyvalue() ? (%s).value',
                    case when pg_catalog.cardinality(v_known) = 0 then '@.type() == "object"'
                         else '!(' || pg_catalog.array_to_string(v_known, ' || ') || ')' end),
                p_refs, p_fmt, p_checks, p_budget); p_budget := v_sub.p_budget;
            if v_sub.p_pred is null then p_pred := null; return; end if;
            p_checks := v_sub.p_checks;
            if v_sub.p_pred <> c_true then
                v_kv := v_kv || case when pg_catalog.cardinality(v_known) = 0
                    then pg_catalog.format('exists(@.value ? (%s))', v_sub.p_pred)
                    else pg_catalog.format('(%s || exists(@.value ? (%s)))',
                        pg_catalog.array_to_string(v_known, ' || '), v_sub.p_pred) end;
            end if;
        end if;
        v_kw := p_schema -> 'propertyNames';
        if v_kw is not null then
            select * into v_sub from beamline_internal.jsonschema_compile_node(p_root, v_kw, null, p_refs, p_fmt, p_checks, p_budget); p_budget := v_sub.p_budget;
            if v_sub.p_pred is null then p_pred := null; return; end if;
            if v_sub.p_pred <> c_true then
                v_kv := v_kv || pg_catalog.format('exists(@.key ? (%s))', v_sub.p_pred);
            end if;
        end if;
        if pg_catalog.cardinality(v_kv) > 0 then
            v_grp := v_grp || pg_catalog.format('!exists(@.keyvalue() ? (!(%s)))',
                pg_catalog.array_to_string(v_kv, ' && '));
        end if;
    else
        for v_key, v_kw in select d.key, d.value from pg_catalog.jsonb_each(p_schema -> 'properties') as d loop
            v_q := pg_catalog.to_jsonb(v_key)::text;
            select * into v_sub from beamline_internal.jsonschema_compile_node(p_root, v_kw,
                p_path || pg_catalog.format(' ? (@.type() == "object" && exists(@.%s)).%s', v_q, v_q), p_refs, p_fmt, p_checks, p_budget); p_budget := v_sub.p_budget;
            if v_sub.p_pred is null then p_pred := null; return; end if;
            p_checks := v_sub.p_checks;
            if v_sub.p_pred <> c_true then
                -- FALSE only when the member exists and fails (a missing member is UNKNOWN inside)
                v_grp := v_grp || pg_catalog.format('!exists(@ ? (exists(@.%s ? (!(%s)))))', v_q, v_sub.p_pred);
            end if;
        end loop;
    end if;
    if pg_catalog.cardinality(v_grp) > 0 then
        v_terms := v_terms || pg_catalog.format('(@.type() != "object" || (%s))', pg_catalog.array_to_string(v_grp, ' && '));
    end if;

    -- arrays
    v_grp := '{}';
    if p_schema ? 'minItems' then
        v_grp := v_grp || ('@.size() >= ' || (p_schema ->> 'minItems'));
    end if;
    if p_schema ? 'maxItems' then
        v_grp := v_grp || ('@.size() <= ' || (p_schema ->> 'maxItems'));
    end if;
    v_n := 0;
    if p_schema ? 'prefixItems' then
        v_n := pg_catalog.jsonb_array_length(p_schema -> 'prefixItems');
        for v_i in 0 .. v_n - 1 loop
            select * into v_sub from beamline_internal.jsonschema_compile_node(p_root, p_schema -> 'prefixItems' -> v_i,
                p_path || pg_catalog.format(' ? (@.type() == "array" && @.size() > %s)[%s]', v_i, v_i), p_refs, p_fmt, p_checks, p_budget); p_budget := v_sub.p_budget;
            if v_sub.p_pred is null then p_pred := null; return; end if;
            p_checks := v_sub.p_checks;
            if v_sub.p_pred <> c_true then
                v_grp := v_grp || pg_catalog.format('(@.size() <= %s || exists(@[%s] ? (%s)))', v_i, v_i, v_sub.p_pred);
            end if;
        end loop;
    end if;
    if p_schema ? 'items' then
        select * into v_sub from beamline_internal.jsonschema_compile_node(p_root, p_schema -> 'items',
            p_path || case when v_n = 0 then ' ? (@.type() == "array")[*]'
                else pg_catalog.format(' ? (@.type() == "array" && @.size() > %s)[%s to last]', v_n, v_n) end,
            p_refs, p_fmt, p_checks, p_budget); p_budget := v_sub.p_budget;
        if v_sub.p_pred is null then p_pred := null; return; end if;
        p_checks := v_sub.p_checks;
        if v_sub.p_pred <> c_true then
            v_grp := v_grp || case when v_n = 0
                then pg_catalog.format('!exists(@[*] ? (!(%s)))', v_sub.p_pred)
                else pg_catalog.format('(@.size() <= %s || !exists(@[%s to last] ? (!(%s))))', v_n, v_n, v_sub.p_pred) end;
        end if;
    end if;
    if p_schema ? 'contains' then
        select * into v_sub from beamline_internal.jsonschema_compile_node(p_root, p_schema -> 'contains', null, p_refs, p_fmt, p_checks, p_budget); p_budget := v_sub.p_budget;
        if v_sub.p_pred is null then p_pred := null; return; end if;
        v_grp := v_grp || case when v_sub.p_pred = c_true then '@.size() > 0'
            else pg_catalog.format('exists(@[*] ? (%s))', v_sub.p_pred) end;
    end if;
    if pg_catalog.cardinality(v_grp) > 0 then
        v_terms := v_terms || pg_catalog.format('(@.type() != "array" || (%s))', pg_catalog.array_to_string(v_grp, ' && '));
    end if;

    -- strings: lengths in characters, as unanchored regexes that stay cheap on short strings
    -- ("." is any character with flag "s"; {n} allows at most 255, so longer counts repeat a
    -- group): length >= m  <=>  some m characters in a row;  length <= n  <=>  not n + 1
    v_grp := '{}';
    foreach v_key in array array['minLength', 'maxLength'] loop
        continue when not (p_schema ? v_key);
        v_i := (p_schema ->> v_key)::numeric::integer + case when v_key = 'maxLength' then 1 else 0 end;
        continue when v_i = 0;
        v_q := '';
        if v_i >= 255 then v_q := pg_catalog.format('(?:.{255}){%s}', v_i / 255); end if;
        if v_i % 255 > 0 then v_q := v_q || pg_catalog.format('.{%s}', v_i % 255); end if;
        v_grp := v_grp || pg_catalog.format('%s(@ like_regex %s flag "s")',
            case when v_key = 'maxLength' then '!' else '' end, pg_catalog.to_jsonb(v_q)::text);
    end loop;
    if p_schema ? 'pattern' then
        -- "^[C]{m,n}$" and "^[P][C]{m,n}$" (bracket expressions without [ ] \ inside) are
        -- rewritten to the equivalent "^[P][C]*$" plus the length bounds: a counted repetition
        -- makes every match walk ~n regex states per character, the rewrite does not
        v_alts := pg_catalog.regexp_match(p_schema ->> 'pattern',
            '^\^(\[[^][\\]+\])?\[([^][\\]+)\]\{([0-9]{1,3}),([0-9]{1,3})\}\$$');
        if v_alts is null then
            v_grp := v_grp || pg_catalog.format('@ like_regex %s flag "s"', (p_schema -> 'pattern')::text);
        else
            v_i := case when v_alts[1] is null then 0 else 1 end;
            v_grp := v_grp || pg_catalog.format('@ like_regex %s flag "s"',
                pg_catalog.to_jsonb('^' || coalesce(v_alts[1], '') || '[' || v_alts[2] || ']*$')::text);
            if v_i + v_alts[3]::integer > 0 then
                v_grp := v_grp || pg_catalog.format('@ like_regex ".{%s}" flag "s"', v_i + v_alts[3]::integer);
            end if;
            v_grp := v_grp || pg_catalog.format('!(@ like_regex ".{%s}" flag "s")', v_i + v_alts[4]::integer + 1);
        end if;
    end if;
    v_q := case when p_fmt then p_schema ->> 'format' end;
    v_q := case v_q
        when 'uuid' then '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'
        when 'email' then '^[^@[:space:]]+@[^@[:space:]]+$' end;  -- as jsonschema_format
    if v_q is not null then
        v_grp := v_grp || pg_catalog.format('@ like_regex %s flag "s"', pg_catalog.to_jsonb(v_q)::text);
    end if;
    if pg_catalog.cardinality(v_grp) > 0 then
        v_terms := v_terms || pg_catalog.format('(@.type() != "string" || (%s))', pg_catalog.array_to_string(v_grp, ' && '));
    end if;

    -- numbers (numeric, exact: the same comparisons and mod as the engine)
    v_grp := '{}';
    for v_key, v_q in select k, op from (values ('minimum', '>='), ('maximum', '<='),
                      ('exclusiveMinimum', '>'), ('exclusiveMaximum', '<')) as o(k, op)
                      where p_schema ? o.k loop
        v_grp := v_grp || pg_catalog.format('@ %s (%s)', v_q, (p_schema -> v_key)::text);
    end loop;
    if p_schema ? 'multipleOf' then
        v_grp := v_grp || pg_catalog.format('@ %% (%s) == 0', (p_schema -> 'multipleOf')::text);
    end if;
    if pg_catalog.cardinality(v_grp) > 0 then
        v_terms := v_terms || pg_catalog.format('(@.type() != "number" || (%s))', pg_catalog.array_to_string(v_grp, ' && '));
    end if;

    -- applicators on the same node
    v_key := p_schema ->> '$ref';
    if v_key is not null then
        select * into v_sub from beamline_internal.jsonschema_compile_node(p_root,
            p_root #> beamline_internal.jsonschema_pointer(v_key), p_path, p_refs || v_key, p_fmt, p_checks, p_budget); p_budget := v_sub.p_budget;
        if v_sub.p_pred is null then p_pred := null; return; end if;
        p_checks := v_sub.p_checks;
        if v_sub.p_pred <> c_true then v_terms := v_terms || ('(' || v_sub.p_pred || ')'); end if;
    end if;
    if p_schema ? 'allOf' then
        for v_i in 0 .. pg_catalog.jsonb_array_length(p_schema -> 'allOf') - 1 loop
            select * into v_sub from beamline_internal.jsonschema_compile_node(p_root, p_schema -> 'allOf' -> v_i,
                p_path, p_refs, p_fmt, p_checks, p_budget); p_budget := v_sub.p_budget;
            if v_sub.p_pred is null then p_pred := null; return; end if;
            p_checks := v_sub.p_checks;
            if v_sub.p_pred <> c_true then v_terms := v_terms || ('(' || v_sub.p_pred || ')'); end if;
        end loop;
    end if;
    -- conditional applicators: no structural path below them (p_path NULL), and their
    -- predicates are combined with ! and ||, which is exact because each is two-valued
    foreach v_key in array array['anyOf', 'oneOf'] loop
        continue when not (p_schema ? v_key);
        v_alts := '{}';
        for v_i in 0 .. pg_catalog.jsonb_array_length(p_schema -> v_key) - 1 loop
            select * into v_sub from beamline_internal.jsonschema_compile_node(p_root, p_schema -> v_key -> v_i,
                null, p_refs, p_fmt, p_checks, p_budget); p_budget := v_sub.p_budget;
            if v_sub.p_pred is null then p_pred := null; return; end if;
            v_alts := v_alts || case when v_sub.p_pred = c_true then '@.type() != "none"' else '(' || v_sub.p_pred || ')' end;
        end loop;
        if v_key = 'anyOf' then
            v_terms := v_terms || ('(' || pg_catalog.array_to_string(v_alts, ' || ') || ')');
        else
            -- exactly one: for each i, alternative i holds and no other does
            v_kv := '{}';
            for v_i in 1 .. pg_catalog.cardinality(v_alts) loop
                v_known := array[v_alts[v_i]];
                for v_j in 1 .. pg_catalog.cardinality(v_alts) loop
                    if v_j <> v_i then v_known := v_known || ('!' || v_alts[v_j]); end if;
                end loop;
                v_kv := v_kv || ('(' || pg_catalog.array_to_string(v_known, ' && ') || ')');
            end loop;
            v_terms := v_terms || ('(' || pg_catalog.array_to_string(v_kv, ' || ') || ')');
        end if;
    end loop;
    if p_schema ? 'not' then
        select * into v_sub from beamline_internal.jsonschema_compile_node(p_root, p_schema -> 'not', null, p_refs, p_fmt, p_checks, p_budget); p_budget := v_sub.p_budget;
        if v_sub.p_pred is null then p_pred := null; return; end if;
        v_terms := v_terms || case when v_sub.p_pred = c_true then c_false else '!(' || v_sub.p_pred || ')' end;
    end if;
    if p_schema ? 'if' and p_schema ?| '{then,else}'::text[] then
        v_alts := '{}';
        foreach v_key in array array['if', 'then', 'else'] loop
            if p_schema ? v_key then
                select * into v_sub from beamline_internal.jsonschema_compile_node(p_root, p_schema -> v_key, null, p_refs, p_fmt, p_checks, p_budget); p_budget := v_sub.p_budget;
                if v_sub.p_pred is null then p_pred := null; return; end if;
                v_alts := v_alts || case when v_sub.p_pred = c_true then '@.type() != "none"' else '(' || v_sub.p_pred || ')' end;
            else
                v_alts := v_alts || '@.type() != "none"'::text;
            end if;
        end loop;
        v_terms := v_terms || pg_catalog.format('((%s && %s) || (!%s && %s))', v_alts[1], v_alts[2], v_alts[1], v_alts[3]);
    end if;

    p_pred := pg_catalog.array_to_string(v_terms, ' && ');
    if pg_catalog.octet_length(p_pred) > c_max_pred then
        p_pred := null;
    end if;
end
$function$;

comment on function beamline_internal.jsonschema_compile_node(jsonb, jsonb, text, text[], boolean, jsonb, integer) is
    'Fast-path compiler core: a two-valued jsonpath predicate for one checked (sub)schema ('''' = always true, NULL = not expressible), plus the opaque subschemas to check with the engine.';
