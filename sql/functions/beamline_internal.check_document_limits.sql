-- Abuse limits for documents (docs/VALIDATION.md, "Limits"), from the owner-only table
-- beamline_internal.settings (changed with beamline_admin.set_setting; never from session
-- settings, which a caller could raise before calling: issue 11):
--   max_document_bytes  size of the document's JSON text (default 1048576 = 1 MiB)
--   max_document_depth  nesting depth: containers inside containers (default 32;
--                       a scalar has depth 0, {} and [] depth 1, {"a": []} depth 2)
-- Raises BL009 with DETAIL {"limit", "value"} (value = the limit for depth: "deeper than").
create or replace function beamline_internal.check_document_limits(p_doc jsonb)
returns void
stable
parallel safe
-- no SET clause: called on every write (bench/README.md "Write path": a search_path swap
-- per call cost about 12k instructions); owner-only, reached only through SECURITY DEFINER
-- or trigger functions that run with search_path = pg_catalog, pg_temp (sql/tests/26).
language plpgsql
as $function$
declare
    v_max_bytes integer;
    v_max_depth integer;
    v_bytes     integer;
begin
    if p_doc is null then
        return;
    end if;
    select s.max_document_bytes, s.max_document_depth into v_max_bytes, v_max_depth
      from beamline_internal.settings s where s.id = 1;
    -- Always the JSON text, never a bound from the binary size: a jsonb number keeps its
    -- exponent, so 1e100000 is a few bytes stored and 100,001 characters of text (helper
    -- review, 2026-12-03; sql/tests/28). Serialising a typical policy costs ~1.5 us.
    v_bytes := pg_catalog.octet_length(p_doc::text);
    if v_bytes > v_max_bytes then
        raise exception using errcode = 'BL009',
            message = pg_catalog.format('document is %s bytes, over the limit of %s bytes', v_bytes, v_max_bytes),
            detail = pg_catalog.jsonb_build_object('limit', 'max_document_bytes', 'value', v_bytes, 'max', v_max_bytes)::text,
            hint = 'Make the document smaller (the owner sets the limit: beamline_admin.set_setting).';
    end if;
    -- A container at level N (the root is level 0) means depth N + 1.
    if pg_catalog.jsonb_path_exists(p_doc, pg_catalog.format(
           'strict $.**{%s} ? (@.type() == "object" || @.type() == "array")', v_max_depth)::jsonpath) then
        raise exception using errcode = 'BL009',
            message = pg_catalog.format('document is nested deeper than the limit of %s levels', v_max_depth),
            detail = pg_catalog.jsonb_build_object('limit', 'max_document_depth', 'value', v_max_depth + 1, 'max', v_max_depth)::text,
            hint = 'Flatten the document (the owner sets the limit: beamline_admin.set_setting).';
    end if;
end
$function$;

comment on function beamline_internal.check_document_limits(jsonb) is
    'Raise BL009 when a document is over max_document_bytes (default 1 MiB of JSON text) or max_document_depth (default 32) of beamline_internal.settings.';
