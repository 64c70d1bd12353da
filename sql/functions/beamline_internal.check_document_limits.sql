-- Abuse limits for documents (docs/VALIDATION.md, "Limits"), configurable per session, role or
-- database through two settings:
--   beamline.max_document_bytes  size of the document's JSON text (default 1048576 = 1 MiB)
--   beamline.max_document_depth  nesting depth: containers inside containers (default 32;
--                                a scalar has depth 0, {} and [] depth 1, {"a": []} depth 2)
-- Raises BL009 with DETAIL {"limit", "value"} (value = the limit for depth: "deeper than").
create or replace function beamline_internal.check_document_limits(p_doc jsonb)
returns void
stable
parallel safe
set search_path = pg_catalog, pg_temp
language plpgsql
as $function$
declare
    v_max_bytes integer;
    v_max_depth integer;
    v_bytes     integer;
    v_setting   text;
begin
    v_setting := nullif(pg_catalog.current_setting('beamline.max_document_bytes', true), '');
    v_max_bytes := coalesce(beamline_internal.jsonschema_setting_int('beamline.max_document_bytes', v_setting), 1048576);
    v_setting := nullif(pg_catalog.current_setting('beamline.max_document_depth', true), '');
    v_max_depth := coalesce(beamline_internal.jsonschema_setting_int('beamline.max_document_depth', v_setting), 32);
    if p_doc is null then
        return;
    end if;
    -- The JSON text is at most ~6x the binary size (escapes), so serialise only when it may matter.
    if pg_catalog.pg_column_size(p_doc) > v_max_bytes / 8 then
        v_bytes := pg_catalog.octet_length(p_doc::text);
        if v_bytes > v_max_bytes then
            raise exception using errcode = 'BL009',
                message = pg_catalog.format('document is %s bytes, over the limit of %s bytes', v_bytes, v_max_bytes),
                detail = pg_catalog.jsonb_build_object('limit', 'max_document_bytes', 'value', v_bytes, 'max', v_max_bytes)::text,
                hint = 'Make the document smaller, or raise the setting beamline.max_document_bytes.';
        end if;
    end if;
    -- A container at level N (the root is level 0) means depth N + 1.
    if pg_catalog.jsonb_path_exists(p_doc, pg_catalog.format(
           'strict $.**{%s} ? (@.type() == "object" || @.type() == "array")', v_max_depth)::jsonpath) then
        raise exception using errcode = 'BL009',
            message = pg_catalog.format('document is nested deeper than the limit of %s levels', v_max_depth),
            detail = pg_catalog.jsonb_build_object('limit', 'max_document_depth', 'value', v_max_depth + 1, 'max', v_max_depth)::text,
            hint = 'Flatten the document, or raise the setting beamline.max_document_depth.';
    end if;
end
$function$;

comment on function beamline_internal.check_document_limits(jsonb) is
    'Raise BL009 when a document is over beamline.max_document_bytes (default 1 MiB of JSON text) or beamline.max_document_depth (default 32).';
