-- Prepare a checked JSON Schema for the engine (docs/VALIDATION.md, "References"): resolve every
-- "$ref" and "$dynamicRef" once, so that validation only follows JSON pointers.
--
-- The prepared document ("root") is {"0": the schema, "1": a registered schema it references,
-- ...}. Base URIs follow "$id" (RFC 3986 resolution, jsonschema_uri_resolve); the schema's own
-- base is https://beamline.invalid/schema when it has no "$id". A reference resolves to
--   * a resource of this schema or of its embedded resources ("$id"), then a JSON pointer
--     fragment (percent-decoded) or an anchor ("$anchor", "$dynamicAnchor");
--   * otherwise a globally registered schema (beamline.json_schemas, tenant_id NULL, newest
--     version) whose "$id" is the reference's URI: it is copied in under the next number.
--     Never the network.
-- In the result every "$ref" becomes "#/<n>/<pointer>" (with "$refResource": the pointer of the
-- resource holding the target), every "$dynamicRef" becomes {"t": "#/<n>/<pointer>" (its static
-- target), "n": the anchor name when that target has the same "$dynamicAnchor", else null, "r":
-- the target's resource}, and, when a dynamic reference exists, every resource's "$id" becomes
-- its own pointer (its identity in the dynamic scope).
--
-- Returns {"root", "ctx": {"u"?, "f"?, "dyn"?} (see jsonschema_eval), "problems": [...]};
-- problems (unresolvable references, $ref cycles that never descend into the document) make
-- the schema unusable (BL010). Reads the registry: callers are SECURITY DEFINER.
create or replace function beamline_internal.jsonschema_prepare(p_schema jsonb)
returns jsonb
stable
set search_path = pg_catalog, pg_temp
language plpgsql
as $function$
declare
    c_base   constant text := 'https://beamline.invalid/schema';
    v_root   jsonb := pg_catalog.jsonb_build_object('0', p_schema);
    v_ev     jsonb;
    v_e      jsonb;
    v_res    jsonb := '{}';
    v_anc    jsonb := '{}';
    v_dyn    jsonb := '{}';
    v_ctx    jsonb := '{}';
    v_probs  jsonb := '[]';
    v_refs   jsonb := '[]';   -- distinct reference targets
    v_patch  jsonb := '{}';   -- subschema pointer -> rewritten members (jsonschema_rewrite)
    v_sites  jsonb := '[]';   -- [[$ref site pointer, target]] ($dynamicRef is always memoised)
    v_src    text[];
    v_dst    text[];
    v_cnt    integer;
    v_i      integer := 0;
    v_j      integer;
    v_store  jsonb;
    v_tres   text;
    v_n      integer := 1;
    v_abs    text;
    v_uri    text;
    v_frag   text;
    v_rp     text;
    v_target text;
    v_remote jsonb;
    v_name   text;
    v_dynref boolean := false;
    v_fmt    boolean := false;
    v_voc    jsonb;
    -- draft 2020-12 vocabularies and the keywords of each (core is always on)
    c_vocabs constant text[] := array[
        'https://json-schema.org/draft/2020-12/vocab/core', 'https://json-schema.org/draft/2020-12/vocab/applicator',
        'https://json-schema.org/draft/2020-12/vocab/unevaluated', 'https://json-schema.org/draft/2020-12/vocab/validation',
        'https://json-schema.org/draft/2020-12/vocab/meta-data', 'https://json-schema.org/draft/2020-12/vocab/format-annotation',
        'https://json-schema.org/draft/2020-12/vocab/format-assertion', 'https://json-schema.org/draft/2020-12/vocab/content'];
    c_vocab_keywords constant jsonb := '{
        "https://json-schema.org/draft/2020-12/vocab/applicator": ["prefixItems", "items", "contains", "additionalProperties",
            "properties", "patternProperties", "dependentSchemas", "propertyNames", "if", "then", "else", "allOf", "anyOf", "oneOf", "not"],
        "https://json-schema.org/draft/2020-12/vocab/unevaluated": ["unevaluatedItems", "unevaluatedProperties"],
        "https://json-schema.org/draft/2020-12/vocab/validation": ["type", "enum", "const", "multipleOf", "maximum",
            "exclusiveMaximum", "minimum", "exclusiveMinimum", "maxLength", "minLength", "pattern", "maxItems", "minItems",
            "uniqueItems", "maxContains", "minContains", "maxProperties", "minProperties", "required", "dependentRequired"]}';
begin
    v_ev := beamline_internal.jsonschema_index(p_schema, '/0', c_base, '/0');
    v_j := 0;  -- events before v_j are registered (resources and anchors first, then references)
    while v_i < pg_catalog.jsonb_array_length(v_ev) loop
        while v_j < pg_catalog.jsonb_array_length(v_ev) loop
            v_e := v_ev -> v_j;
            v_j := v_j + 1;
            if v_e ->> 'k' in ('res', 'anc') then
                v_store := case when v_e ->> 'k' = 'res' then v_res else v_anc end;
                if not (v_store ? (v_e ->> 'uri')) then
                    v_store := v_store || pg_catalog.jsonb_build_object(v_e ->> 'uri', v_e ->> 'ptr');
                end if;
                if v_e ->> 'k' = 'res' then v_res := v_store; else v_anc := v_store; end if;
            elsif v_e ->> 'k' = 'dyn' then
                v_dyn := pg_catalog.jsonb_set(v_dyn, array[v_e ->> 'res'],
                    coalesce(v_dyn -> (v_e ->> 'res'), '{}'::jsonb) || pg_catalog.jsonb_build_object(v_e ->> 'name', v_e ->> 'ptr'));
            end if;
        end loop;
        v_e := v_ev -> v_i;
        v_i := v_i + 1;
        case v_e ->> 'k'
        when 'res', 'anc', 'dyn' then
            null;
        when 'meta' then
            -- "$schema" other than draft 2020-12: a registered meta-schema, whose "$vocabulary"
            -- says which keywords this resource uses (the others are dropped: annotations)
            v_uri := pg_catalog.split_part(v_e ->> 'uri', '#', 1);
            select s.schema -> '$vocabulary' into v_voc
              from beamline.json_schemas as s
             where s.tenant_id is null and s.schema ->> '$id' in (v_uri, v_uri || '#')
             order by s.version desc, s.created_at desc
             limit 1;
            if not found then
                v_probs := v_probs || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                    'path', pg_catalog.regexp_replace(v_e ->> 'ptr', '^/0', ''), 'keyword', '$schema',
                    'message', pg_catalog.format('unknown meta-schema %s: only draft 2020-12 or a registered meta-schema',
                        pg_catalog.to_jsonb(v_e ->> 'uri'))));
            elsif v_voc is not null then
                select pg_catalog.string_agg(d.key, ', ') into v_name
                  from pg_catalog.jsonb_each(v_voc) as d
                 where d.value = 'true'::jsonb and not (d.key = any (c_vocabs));
                if v_name is not null then
                    v_probs := v_probs || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                        'path', pg_catalog.regexp_replace(v_e ->> 'ptr', '^/0', ''), 'keyword', '$schema',
                        'message', pg_catalog.format('the meta-schema requires unknown vocabularies: %s', v_name)));
                end if;
                v_patch := pg_catalog.jsonb_set(v_patch, array[v_e ->> 'ptr'],
                    coalesce(v_patch -> (v_e ->> 'ptr'), '{}'::jsonb) || pg_catalog.jsonb_build_object('$strip',
                        (select coalesce(pg_catalog.jsonb_agg(k.kw), '[]'::jsonb)
                           from pg_catalog.jsonb_each(c_vocab_keywords) as v(uri, kws)
                           cross join lateral pg_catalog.jsonb_array_elements_text(v.kws) as k(kw)
                          where not (v_voc ? v.uri))));
                if v_voc ? 'https://json-schema.org/draft/2020-12/vocab/format-assertion' then
                    v_fmt := true;
                end if;
            end if;
        else  -- ref, dref
            v_abs := beamline_internal.jsonschema_uri_resolve(v_e ->> 'base', v_e ->> 'ref');
            v_uri := pg_catalog.split_part(v_abs, '#', 1);
            v_frag := case when pg_catalog.strpos(v_abs, '#') > 0
                           then beamline_internal.jsonschema_pct_decode(pg_catalog.substr(v_abs, pg_catalog.strpos(v_abs, '#') + 1))
                           else '' end;
            v_rp := v_res ->> v_uri;
            if v_rp is null then
                -- a registered schema, copied in and indexed (its events join the list)
                select s.schema into v_remote
                  from beamline.json_schemas as s
                 where s.tenant_id is null
                   and s.schema ->> '$id' in (v_uri, v_uri || '#')
                 order by s.version desc, s.created_at desc
                 limit 1;
                if found then
                    v_root := v_root || pg_catalog.jsonb_build_object(v_n::text, v_remote);
                    v_res := v_res || pg_catalog.jsonb_build_object(v_uri, '/' || v_n);
                    v_ev := v_ev || beamline_internal.jsonschema_index(v_remote, '/' || v_n, v_uri, '/' || v_n);
                    v_n := v_n + 1;
                    v_i := v_i - 1;  -- again, once the new document's resources and anchors are registered
                    continue;
                end if;
            end if;
            v_target := case
                when v_rp is null or v_frag is null then null
                when v_frag = '' then v_rp
                when pg_catalog.left(v_frag, 1) = '/' then v_rp || v_frag
                else v_anc ->> (v_uri || '#' || v_frag) end;
            if v_target is not null and pg_catalog.left(v_frag, 1) = '/'
               and coalesce(pg_catalog.jsonb_typeof(v_root #> beamline_internal.jsonschema_pointer('#' || v_target)), '')
                   not in ('object', 'boolean') then
                v_target := null;
            end if;
            if v_target is null then
                v_probs := v_probs || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                    'path', pg_catalog.regexp_replace(v_e ->> 'ptr', '^/0', ''),
                    'keyword', case when v_e ->> 'k' = 'ref' then '$ref' else '$dynamicRef' end,
                    'message', pg_catalog.format('%s does not resolve to a schema here or in a registered schema (resolved: %s)',
                        pg_catalog.to_jsonb(v_e ->> 'ref'), pg_catalog.to_jsonb(v_abs))));
                continue;
            end if;
            -- the resource holding the target: entering it extends the dynamic scope
            select r.value #>> '{}' into v_tres
              from pg_catalog.jsonb_each(v_res) as r
             where v_target = r.value #>> '{}' or pg_catalog.left(v_target, pg_catalog.length(r.value #>> '{}') + 1) = (r.value #>> '{}') || '/'
             order by pg_catalog.length(r.value #>> '{}') desc
             limit 1;
            if v_e ->> 'k' = 'ref' then
                v_patch := pg_catalog.jsonb_set(v_patch, array[v_e ->> 'ptr'],
                    coalesce(v_patch -> (v_e ->> 'ptr'), '{}'::jsonb)
                    || pg_catalog.jsonb_build_object('$ref', '#' || v_target, '$refResource', v_tres));
            else
                v_name := case when pg_catalog.left(v_frag, 1) <> '/' and v_frag <> ''
                                and v_root #> beamline_internal.jsonschema_pointer('#' || v_target) ->> '$dynamicAnchor' = v_frag
                               then v_frag end;
                v_dynref := v_dynref or v_name is not null;
                v_patch := pg_catalog.jsonb_set(v_patch, array[v_e ->> 'ptr'],
                    coalesce(v_patch -> (v_e ->> 'ptr'), '{}'::jsonb)
                    || pg_catalog.jsonb_build_object('$dynamicRef', pg_catalog.jsonb_build_object('t', '#' || v_target, 'n', v_name, 'r', v_tres)));
            end if;
            if not (v_refs ? ('#' || v_target)) then
                v_refs := v_refs || pg_catalog.jsonb_build_array('#' || v_target);
            end if;
            v_sites := v_sites || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_array(v_e ->> 'ptr', '#' || v_target));
        end case;
    end loop;
    if v_probs <> '[]'::jsonb then
        return pg_catalog.jsonb_build_object('problems', v_probs);
    end if;

    if v_dynref then
        -- resources are identified by their pointer in the dynamic scope
        for v_e in select r.value from pg_catalog.jsonb_each(v_res) as r loop
            v_patch := pg_catalog.jsonb_set(v_patch, array[v_e #>> '{}'],
                coalesce(v_patch -> (v_e #>> '{}'), '{}'::jsonb) || pg_catalog.jsonb_build_object('$id', v_e));
        end loop;
        v_ctx := v_ctx || pg_catalog.jsonb_build_object('dyn', v_dyn);
    end if;
    -- A target is shared (its results are memoised, jsonschema_ref) when more than one $ref
    -- site points at it, or when it is also reached by plain descent: anything but a direct
    -- member of "$defs" (the document root, a subschema under an applicator). Only shared
    -- targets let one (subschema, location) pair be reached along several paths.
    for v_e in select s.value from pg_catalog.jsonb_array_elements(v_sites) as s
                where (select pg_catalog.count(*) from pg_catalog.jsonb_array_elements(v_sites) as o
                        where o.value ->> 1 = s.value ->> 1) > 1
                   or not ((s.value ->> 1) operator(pg_catalog.~) '^#/[0-9]+/(.*/)?\$defs/[^/]+$')
                   or (s.value ->> 1) operator(pg_catalog.~) '^#/[0-9]+$' loop
        v_patch := pg_catalog.jsonb_set(v_patch, array[v_e ->> 0],
            coalesce(v_patch -> (v_e ->> 0), '{}'::jsonb) || '{"$refShared": true}'::jsonb);
    end loop;
    select pg_catalog.jsonb_object_agg(r.key, beamline_internal.jsonschema_rewrite(r.value, '/' || r.key, v_patch))
      into v_root from pg_catalog.jsonb_each(v_root) as r;

    -- $ref cycles that never consume the document: in the graph "target -> the references its
    -- subschema applies to the same node", drop edges into nodes without outgoing edges until
    -- nothing changes; edges left over lie on or lead into a cycle.
    select pg_catalog.array_agg(r.value #>> '{}'), pg_catalog.array_agg(d.ref) into v_src, v_dst
      from pg_catalog.jsonb_array_elements(v_refs) as r
      cross join lateral pg_catalog.unnest(beamline_internal.jsonschema_inplace_refs(
          v_root #> beamline_internal.jsonschema_pointer(r.value #>> '{}'))) as d(ref);
    loop
        v_cnt := coalesce(pg_catalog.cardinality(v_src), 0);
        exit when v_cnt = 0;
        select pg_catalog.array_agg(e.s), pg_catalog.array_agg(e.d) into v_src, v_dst
          from rows from (pg_catalog.unnest(v_src), pg_catalog.unnest(v_dst)) as e(s, d) where e.d = any (v_src);
        exit when coalesce(pg_catalog.cardinality(v_src), 0) = v_cnt;
    end loop;
    if coalesce(pg_catalog.cardinality(v_src), 0) > 0 then
        return pg_catalog.jsonb_build_object('problems', pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
            'path', '', 'keyword', '$ref',
            'message', pg_catalog.format('$ref to %s is on (or leads into) a cycle that never descends into the document',
                pg_catalog.to_jsonb(pg_catalog.regexp_replace(v_src[1], '^#/0', '#'))))));
    end if;
    if pg_catalog.strpos(v_root::text, '"unevaluated') > 0 then
        v_ctx := v_ctx || '{"u": true}';
    end if;
    if v_fmt or p_schema -> 'x-beamline-format-assertion' = 'true'::jsonb then
        v_ctx := v_ctx || '{"f": true}';
    end if;
    return pg_catalog.jsonb_build_object('root', v_root, 'ctx', v_ctx, 'problems', '[]'::jsonb);
end
$function$;

comment on function beamline_internal.jsonschema_prepare(jsonb) is
    'Resolve the $ref/$dynamicRef of a checked JSON Schema ($id, anchors, registered schemas) into pointers of a prepared document for the engine; problems when one does not resolve or cycles.';
