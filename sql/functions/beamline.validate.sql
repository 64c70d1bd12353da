-- Validate a JSON document against a JSON Schema (draft 2020-12, docs/VALIDATION.md). Returns
-- every error as [{"path": <JSON pointer into p_doc>, "keyword", "message"}], shallow paths
-- first, [] when the document is valid.
--
-- Raises BL007 (a NULL argument), BL009 (the document is over the document limits), BL010 (the
-- schema is malformed, uses an unsupported keyword, or a reference does not resolve) and BL040
-- (the validation exceeded the engine's work budget).
--
-- A registered schema (found by the SHA-256 of its text in beamline.json_schema_fast, an
-- owner-only table written only by registration) was checked and prepared when registered: its
-- stored fast path runs first, and only a document it cannot prove valid goes through the
-- engine. Any other schema is checked and prepared on every call. Nothing is cached in session
-- settings: a caller can preset those, and a verdict must not depend on anything the caller
-- controls (issue 11).
create or replace function beamline.validate(p_schema jsonb, p_doc jsonb)
returns jsonb
stable
parallel safe
security definer  -- the application role may call it but has no access to beamline_internal
set search_path = pg_catalog, pg_temp
language plpgsql
as $function$
declare
    v_sum   text;
    v_row   record;
    v_fast  boolean;
    v_prep  jsonb;
begin
    if p_schema is null or p_doc is null then
        raise exception using errcode = 'BL007',
            message = 'validate: schema and document must not be null',
            detail = pg_catalog.jsonb_build_object('argument', case when p_schema is null then 'p_schema' else 'p_doc' end,
                                                   'reason', 'null')::text,
            hint = 'Pass a JSON Schema and a JSON document (JSON null is the jsonb value ''null'').';
    end if;
    perform beamline_internal.check_document_limits(p_doc);

    v_sum := pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(p_schema::text, pg_catalog.getdatabaseencoding())), 'hex');
    v_fast := beamline_internal.jsonschema_fast_registered(v_sum, null, p_doc);
    if v_fast then
        return '[]'::jsonb;  -- registered, and its stored fast path proves the document valid
    elsif not v_fast then
        select f.root, f.ctx into v_row from beamline.json_schema_fast f where f.checksum = v_sum;
        return beamline_internal.jsonschema_run(v_row.root, v_row.ctx, p_doc);
    end if;

    v_prep := beamline_internal.jsonschema_check_schema(p_schema);
    if v_prep -> 'problems' <> '[]'::jsonb then
        raise exception using errcode = 'BL010',
            message = pg_catalog.format('invalid JSON Schema: %s at "%s"',
                v_prep -> 'problems' -> 0 ->> 'message', v_prep -> 'problems' -> 0 ->> 'path'),
            detail = (v_prep -> 'problems')::text,
            hint = 'See docs/VALIDATION.md for the supported keywords.';
    end if;
    return beamline_internal.jsonschema_run(v_prep -> 'root', v_prep -> 'ctx', p_doc);
end
$function$;

comment on function beamline.validate(jsonb, jsonb) is
    'Validate p_doc against the JSON Schema p_schema (draft 2020-12, docs/VALIDATION.md): [] when valid, else [{"path", "keyword", "message"}]. BL009 over the document limits, BL010 for an unsupported or malformed schema, BL040 over the work budget.';
