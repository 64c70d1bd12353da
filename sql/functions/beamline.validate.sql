-- Validate a JSON document against a JSON Schema (the supported subset of draft 2020-12,
-- docs/VALIDATION.md). Returns every error as [{"path": <JSON pointer into p_doc>, "keyword",
-- "message"}] in document order, [] when the document is valid.
--
-- Raises BL007 (a NULL argument), BL009 (the document is over beamline.max_document_bytes or
-- beamline.max_document_depth) and BL010 (the schema uses an unsupported keyword or is
-- malformed). The schema check runs once per session and schema: the md5 of checked schemas
-- is remembered in the session setting beamline.jsonschema_checked (last 16), so repeated
-- validations against one schema pay only for the document. A registered schema skips all of
-- this: its fast path is stored parsed under its checksum (beamline.json_schema_fast, filled
-- by jsonschema_register). For other schemas the fast path
-- (jsonschema_compile: a jsonpath predicate) is kept per session in the setting
-- beamline.jsonschema_fast_<md5>; a document it proves valid skips the PL/pgSQL engine.
create or replace function beamline.validate(p_schema jsonb, p_doc jsonb)
returns jsonb
stable
parallel unsafe  -- it caches in session settings (set_config), which a parallel query forbids
security definer  -- the application role may call it but has no access to beamline_internal
set search_path = pg_catalog, pg_temp
language plpgsql
as $function$
declare
    v_hash     text;
    v_cache    text;
    v_problems jsonb;
    v_fast     text;
    v_dropped  text;
    v_registered boolean;
    v_sum      text;
begin
    if p_schema is null or p_doc is null then
        raise exception using errcode = 'BL007',
            message = 'validate: schema and document must not be null',
            detail = pg_catalog.jsonb_build_object('argument', case when p_schema is null then 'p_schema' else 'p_doc' end,
                                                   'reason', 'null')::text,
            hint = 'Pass a JSON Schema and a JSON document (JSON null is the jsonb value ''null'').';
    end if;
    perform beamline_internal.check_document_limits(p_doc);

    -- A registered schema (checked at registration) has its fast path stored, parsed, under its
    -- checksum: no schema check, no parsing here (docs/VALIDATION.md, "Performance").
    v_sum := pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(p_schema::text, pg_catalog.getdatabaseencoding())), 'hex');
    v_registered := beamline_internal.jsonschema_fast_registered(v_sum, p_schema, p_doc);
    if v_registered is not null then
        -- once per session and schema (last 16): publish the compiled fast path under the
        -- session key beamline.jsonschema_fast_<md5>, as for any other schema
        v_cache := pg_catalog.current_setting('beamline.jsonschema_registered', true);
        if v_cache is null or pg_catalog.strpos(v_cache, v_sum) = 0 then
            perform pg_catalog.set_config('beamline.jsonschema_fast_' || pg_catalog.md5(p_schema::text),
                coalesce(beamline_internal.jsonschema_compile(p_schema)::text, '-'), false);
            perform pg_catalog.set_config('beamline.jsonschema_registered',
                pg_catalog.right(coalesce(v_cache, '') || v_sum || ',', 65 * 16), false);
        end if;
    end if;
    if v_registered then
        return '[]'::jsonb;
    elsif not v_registered then
        return coalesce(
            beamline_internal.jsonschema_node(p_schema, p_schema, p_doc, '', true), '[]'::jsonb);
    end if;

    -- Any other schema: checked and compiled once per session.
    v_hash := pg_catalog.md5(p_schema::text);
    v_cache := pg_catalog.current_setting('beamline.jsonschema_checked', true);
    if v_cache is null or pg_catalog.strpos(v_cache, v_hash) = 0 then
        v_problems := beamline_internal.jsonschema_check_schema(p_schema);
        if v_problems <> '[]'::jsonb then
            raise exception using errcode = 'BL010',
                message = pg_catalog.format('invalid JSON Schema: %s at "%s"',
                    v_problems -> 0 ->> 'message', v_problems -> 0 ->> 'path'),
                detail = v_problems::text,
                hint = 'See docs/VALIDATION.md for the supported keywords.';
        end if;
        v_cache := coalesce(v_cache, '') || v_hash || ',';
        -- forget the fast paths of schemas that leave the list
        foreach v_dropped in array pg_catalog.string_to_array(
                pg_catalog.left(v_cache, greatest(pg_catalog.length(v_cache) - 33 * 16, 0)), ',') loop
            if v_dropped <> '' then
                perform pg_catalog.set_config('beamline.jsonschema_fast_' || v_dropped, '', false);
            end if;
        end loop;
        perform pg_catalog.set_config('beamline.jsonschema_checked', pg_catalog.right(v_cache, 33 * 16), false);
    end if;

    -- The fast path (docs/VALIDATION.md, "Performance"): the schema compiled once per session
    -- into a jsonpath predicate evaluated in C; '-' = it has none. Only a document the fast
    -- path cannot prove valid goes through the engine (which lists its errors).
    v_fast := pg_catalog.current_setting('beamline.jsonschema_fast_' || v_hash, true);
    if v_fast is null or v_fast = '' then
        v_fast := coalesce(beamline_internal.jsonschema_compile(p_schema)::text, '-');
        perform pg_catalog.set_config('beamline.jsonschema_fast_' || v_hash, v_fast, false);
    end if;
    if v_fast <> '-' and beamline_internal.jsonschema_fast_valid(v_fast::jsonb, p_schema, p_doc) then
        return '[]'::jsonb;
    end if;

    return coalesce(
        beamline_internal.jsonschema_node(p_schema, p_schema, p_doc, '', true), '[]'::jsonb);
end
$function$;

comment on function beamline.validate(jsonb, jsonb) is
    'Validate p_doc against the JSON Schema p_schema (docs/VALIDATION.md): [] when valid, else [{"path", "keyword", "message"}]. BL009 over the document limits, BL010 for an unsupported or malformed schema.';
