-- Validate a JSON document against a JSON Schema (the supported subset of draft 2020-12,
-- docs/VALIDATION.md). Returns every error as [{"path": <JSON pointer into p_doc>, "keyword",
-- "message"}] in document order, [] when the document is valid.
--
-- Raises BL007 (a NULL argument), BL009 (the document is over beamline.max_document_bytes or
-- beamline.max_document_depth) and BL010 (the schema uses an unsupported keyword or is
-- malformed). The schema check runs once per session and schema: the md5 of checked schemas
-- is remembered in the session setting beamline.jsonschema_checked (last 16), so repeated
-- validations against one schema pay only for the document.
create or replace function beamline.validate(p_schema jsonb, p_doc jsonb)
returns jsonb
stable
parallel safe
set search_path = ''
language plpgsql
as $function$
declare
    v_hash     text;
    v_cache    text;
    v_problems jsonb;
begin
    if p_schema is null or p_doc is null then
        raise exception using errcode = 'BL007',
            message = 'validate: schema and document must not be null',
            detail = pg_catalog.jsonb_build_object('argument', case when p_schema is null then 'p_schema' else 'p_doc' end,
                                                   'reason', 'null')::text,
            hint = 'Pass a JSON Schema and a JSON document (JSON null is the jsonb value ''null'').';
    end if;
    perform beamline_internal.check_document_limits(p_doc);

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
        perform pg_catalog.set_config('beamline.jsonschema_checked',
            pg_catalog.right(coalesce(v_cache, '') || v_hash || ',', 33 * 16), false);
    end if;

    return coalesce(
        beamline_internal.jsonschema_node(p_schema, p_schema, p_doc, '', true), '[]'::jsonb);
end
$function$;

comment on function beamline.validate(jsonb, jsonb) is
    'Validate p_doc against the JSON Schema p_schema (docs/VALIDATION.md): [] when valid, else [{"path", "keyword", "message"}]. BL009 over the document limits, BL010 for an unsupported or malformed schema.';
