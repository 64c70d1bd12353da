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
    v_batch  jsonb[];
    v_next   jsonb[];
    v_e      jsonb;
    v_res    jsonb := '{}';   -- resource URI -> pointer
    v_resptr jsonb := '{}';   -- resource pointer -> true
    v_anc    jsonb := '{}';   -- URI#anchor -> pointer
    v_dyn    jsonb := '{}';   -- resource pointer -> {dynamic anchor -> pointer}
    v_ctx    jsonb := '{}';
    v_probs  jsonb[] := '{}';
    -- one entry per resolved reference (parallel arrays, appended in place)
    v_site   text[] := '{}';  -- pointer of the subschema holding the reference
    v_tgt    text[] := '{}';  -- "#" || target pointer
    v_kind   text[] := '{}';  -- ref / dref
    v_dname  text[] := '{}';  -- $dynamicRef: the dynamic anchor name, or null
    v_tres   text[] := '{}';  -- the target's resource pointer
    v_strip  jsonb := '{}';   -- resource pointer -> keywords its meta-schema leaves out
    v_patch  jsonb;
    v_n      integer := 1;
    v_abs    text;
    v_uri    text;
    v_frag   text;
    v_rp     text;
    v_target text;
    v_remote jsonb;
    v_name   text;
    v_p      text;
    v_src    text[];
    v_dst    text[];
    v_cnt    integer;
    v_round  integer := 0;
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
    v_batch := array(select beamline_internal.jsonschema_index(p_schema, '/0', c_base, '/0'));
    while pg_catalog.cardinality(v_batch) > 0 loop
        -- register this batch's resources and anchors first (the first definition wins)
        select v_res || coalesce(pg_catalog.jsonb_object_agg(e.uri, e.ptr), '{}'::jsonb) into v_res
          from (select distinct on (b.e ->> 'uri') b.e ->> 'uri' as uri, b.e ->> 'ptr' as ptr
                  from pg_catalog.unnest(v_batch) with ordinality as b(e, n)
                 where b.e ->> 'k' = 'res' and not (v_res ? (b.e ->> 'uri'))
                 order by b.e ->> 'uri', b.n) as e;
        select v_resptr || coalesce(pg_catalog.jsonb_object_agg(b.e ->> 'ptr', true), '{}'::jsonb) into v_resptr
          from (select distinct b.e from pg_catalog.unnest(v_batch) as b(e) where b.e ->> 'k' = 'res') as b;
        select v_anc || coalesce(pg_catalog.jsonb_object_agg(e.uri, e.ptr), '{}'::jsonb) into v_anc
          from (select distinct on (b.e ->> 'uri') b.e ->> 'uri' as uri, b.e ->> 'ptr' as ptr
                  from pg_catalog.unnest(v_batch) with ordinality as b(e, n)
                 where b.e ->> 'k' = 'anc' and not (v_anc ? (b.e ->> 'uri'))
                 order by b.e ->> 'uri', b.n) as e;
        select v_dyn || coalesce(pg_catalog.jsonb_object_agg(d.res, d.names), '{}'::jsonb) into v_dyn
          from (select b.e ->> 'res' as res, pg_catalog.jsonb_object_agg(b.e ->> 'name', b.e ->> 'ptr') as names
                  from pg_catalog.unnest(v_batch) as b(e) where b.e ->> 'k' = 'dyn' group by b.e ->> 'res') as d;

        v_next := '{}';
        foreach v_e in array v_batch loop
            continue when v_e ->> 'k' in ('res', 'anc', 'dyn');
            exit when pg_catalog.cardinality(v_probs) >= 100;
            if v_e ->> 'k' = 'meta' then
                -- "$schema" other than draft 2020-12: a registered meta-schema, whose "$vocabulary"
                -- says which keywords this resource uses (the others are dropped: annotations)
                v_uri := pg_catalog.split_part(v_e ->> 'uri', '#', 1);
                select s.schema -> '$vocabulary' into v_voc
                  from beamline.json_schemas as s
                 where s.tenant_id is null and s.schema ->> '$id' in (v_uri, v_uri || '#')
                 order by s.version desc, s.created_at desc
                 limit 1;
                if not found then
                    v_probs := v_probs || pg_catalog.jsonb_build_object(
                        'path', pg_catalog.regexp_replace(v_e ->> 'ptr', '^/0', ''), 'keyword', '$schema',
                        'message', pg_catalog.format('unknown meta-schema %s: only draft 2020-12 or a registered meta-schema',
                            pg_catalog.to_jsonb(v_e ->> 'uri')));
                elsif v_voc is not null then
                    select pg_catalog.string_agg(d.key, ', ') into v_name
                      from pg_catalog.jsonb_each(v_voc) as d
                     where d.value = 'true'::jsonb and not (d.key = any (c_vocabs));
                    if v_name is not null then
                        v_probs := v_probs || pg_catalog.jsonb_build_object(
                            'path', pg_catalog.regexp_replace(v_e ->> 'ptr', '^/0', ''), 'keyword', '$schema',
                            'message', pg_catalog.format('the meta-schema requires unknown vocabularies: %s', v_name));
                    end if;
                    v_strip := v_strip || pg_catalog.jsonb_build_object(v_e ->> 'ptr',
                        (select coalesce(pg_catalog.jsonb_agg(k.kw), '[]'::jsonb)
                           from pg_catalog.jsonb_each(c_vocab_keywords) as v(uri, kws)
                           cross join lateral pg_catalog.jsonb_array_elements_text(v.kws) as k(kw)
                          where not (v_voc ? v.uri)));
                    if v_voc ? 'https://json-schema.org/draft/2020-12/vocab/format-assertion' then
                        v_fmt := true;
                    end if;
                end if;
                continue;
            end if;
            -- ref, dref
            v_abs := beamline_internal.jsonschema_uri_resolve(v_e ->> 'base', v_e ->> 'ref');
            v_uri := pg_catalog.split_part(v_abs, '#', 1);
            v_frag := case when pg_catalog.strpos(v_abs, '#') > 0
                           then beamline_internal.jsonschema_pct_decode(pg_catalog.substr(v_abs, pg_catalog.strpos(v_abs, '#') + 1))
                           else '' end;
            v_rp := v_res ->> v_uri;
            if v_rp is null then
                -- a registered schema, copied in; its events join the next batch, and this
                -- reference is resolved again once they are registered
                select s.schema into v_remote
                  from beamline.json_schemas as s
                 where s.tenant_id is null
                   and s.schema ->> '$id' in (v_uri, v_uri || '#')
                 order by s.version desc, s.created_at desc
                 limit 1;
                if found then
                    v_root := v_root || pg_catalog.jsonb_build_object(v_n::text, v_remote);
                    v_res := v_res || pg_catalog.jsonb_build_object(v_uri, '/' || v_n);
                    v_resptr := v_resptr || pg_catalog.jsonb_build_object('/' || v_n, true);
                    v_next := v_next || array(select beamline_internal.jsonschema_index(v_remote, '/' || v_n, v_uri, '/' || v_n));
                    v_next := v_next || v_e;
                    v_n := v_n + 1;
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
                v_probs := v_probs || pg_catalog.jsonb_build_object(
                    'path', pg_catalog.regexp_replace(v_e ->> 'ptr', '^/0', ''),
                    'keyword', case when v_e ->> 'k' = 'ref' then '$ref' else '$dynamicRef' end,
                    'message', pg_catalog.format('%s does not resolve to a schema here or in a registered schema (resolved: %s)',
                        pg_catalog.to_jsonb(v_e ->> 'ref'), pg_catalog.to_jsonb(v_abs)));
                continue;
            end if;
            -- the resource holding the target (the longest resource pointer that prefixes it):
            -- entering it extends the dynamic scope
            v_p := v_target;
            while not (v_resptr ? v_p) and v_p <> '' loop
                v_p := pg_catalog.regexp_replace(v_p, '/[^/]*$', '');
            end loop;
            v_name := null;
            if v_e ->> 'k' = 'dref' then
                v_name := case when pg_catalog.left(v_frag, 1) <> '/' and v_frag <> ''
                                and v_root #> beamline_internal.jsonschema_pointer('#' || v_target) ->> '$dynamicAnchor' = v_frag
                               then v_frag end;
                v_dynref := v_dynref or v_name is not null;
            end if;
            v_site := v_site || (v_e ->> 'ptr');
            v_tgt := v_tgt || ('#' || v_target);
            v_kind := v_kind || (v_e ->> 'k');
            v_dname := v_dname || v_name;
            v_tres := v_tres || v_p;
        end loop;
        v_batch := v_next;
    end loop;
    if pg_catalog.cardinality(v_probs) > 0 then
        return pg_catalog.jsonb_build_object('problems', pg_catalog.to_jsonb(v_probs));
    end if;

    -- The rewrite, one set of members per subschema pointer:
    --   "$ref" (the target), "$refResource" (its resource), "$refShared" (memoised: more than
    --   one reference site points at the target, or it is also reached by plain descent, i.e.
    --   anything but a direct member of "$defs"; only such targets let one (subschema,
    --   location) pair be reached along several paths, see jsonschema_ref); "$dynamicRef" as
    --   {"t", "n", "r"}; "$strip"; and, when a dynamic reference exists, every resource's "$id"
    --   becomes its own pointer (its identity in the dynamic scope).
    with r as (
        select t.site, t.tgt, t.kind, t.dname, t.tres,
               pg_catalog.count(*) over (partition by t.tgt) as sites
          from rows from (pg_catalog.unnest(v_site), pg_catalog.unnest(v_tgt), pg_catalog.unnest(v_kind),
                          pg_catalog.unnest(v_dname), pg_catalog.unnest(v_tres)) as t(site, tgt, kind, dname, tres)
    ), members(ptr, k, v) as (
        select r.site, '$ref', pg_catalog.to_jsonb(r.tgt) from r where r.kind = 'ref'
        union all
        select r.site, '$refResource', pg_catalog.to_jsonb(r.tres) from r where r.kind = 'ref'
        union all
        select r.site, '$refShared', 'true'::jsonb from r
         where r.kind = 'ref'
           and (r.sites > 1 or not (r.tgt operator(pg_catalog.~) '^#/[0-9]+/(.*/)?\$defs/[^/]+$'))
        union all
        select r.site, '$dynamicRef', pg_catalog.jsonb_build_object('t', r.tgt, 'n', r.dname, 'r', r.tres) from r where r.kind = 'dref'
        union all
        select s.key, '$strip', s.value from pg_catalog.jsonb_each(v_strip) as s
        union all
        select e.key, '$id', pg_catalog.to_jsonb(e.key) from pg_catalog.jsonb_each(v_resptr) as e where v_dynref
    )
    select coalesce(pg_catalog.jsonb_object_agg(m.ptr, m.obj), '{}'::jsonb) into v_patch
      from (select members.ptr, pg_catalog.jsonb_object_agg(members.k, members.v) as obj
              from members group by members.ptr) as m;
    if v_dynref then
        v_ctx := v_ctx || pg_catalog.jsonb_build_object('dyn', v_dyn);
    end if;
    select pg_catalog.jsonb_object_agg(r.key, beamline_internal.jsonschema_rewrite(r.value, '/' || r.key, v_patch))
      into v_root from pg_catalog.jsonb_each(v_root) as r;

    -- $ref cycles that never consume the document: in the graph "target -> the references its
    -- subschema applies to the same node", drop edges into nodes without outgoing edges until
    -- nothing changes; edges left over lie on or lead into a cycle. At most 256 rounds: a
    -- longer non-descending chain is refused like a cycle (the engine stops at 256 hops).
    select pg_catalog.array_agg(t.tgt), pg_catalog.array_agg(d.ref) into v_src, v_dst
      from (select distinct u.tgt from pg_catalog.unnest(v_tgt) as u(tgt)) as t
      cross join lateral pg_catalog.unnest(beamline_internal.jsonschema_inplace_refs(
          v_root #> beamline_internal.jsonschema_pointer(t.tgt))) as d(ref);
    loop
        v_cnt := coalesce(pg_catalog.cardinality(v_src), 0);
        exit when v_cnt = 0 or v_round >= 256;
        v_round := v_round + 1;
        select pg_catalog.array_agg(e.s), pg_catalog.array_agg(e.d) into v_src, v_dst
          from rows from (pg_catalog.unnest(v_src), pg_catalog.unnest(v_dst)) as e(s, d)
         where e.d in (select x.s from pg_catalog.unnest(v_src) as x(s));
        exit when coalesce(pg_catalog.cardinality(v_src), 0) = v_cnt;
    end loop;
    if coalesce(pg_catalog.cardinality(v_src), 0) > 0 then
        return pg_catalog.jsonb_build_object('problems', pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
            'path', '', 'keyword', '$ref',
            'message', pg_catalog.format('$ref to %s is on (or leads into) a cycle, or a chain over 256 deep, that never descends into the document',
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
