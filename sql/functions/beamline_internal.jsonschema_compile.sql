-- Compile a checked JSON Schema into its fast path (docs/VALIDATION.md, "Performance"):
--   {"predicate": <strict jsonpath, TRUE exactly when the document has no error outside the
--                  opaque subschemas>,
--    "checks": [{"path": <strict jsonpath selecting document nodes>, "schema": <subschema>}
--               or {"path": <... selecting objects>, "keys": [<the only members allowed>]}]}
-- A document is valid exactly when jsonb_path_match(doc, predicate) is true and, for every
-- check and every node its path selects, the engine (jsonschema_eval) finds no error for the
-- check's subschema, or the object has no member outside the check's keys.
-- NULL when the schema cannot be expressed exactly (then beamline.validate runs the engine).
-- Needs a UTF8 database (regex "." and the engine's char_length must count the same thing).
-- Runs once per schema, at registration, on the prepared schema (jsonschema_prepare: p_root and
-- p_ctx). Schemas whose verdicts depend on annotations or the dynamic scope (unevaluated*,
-- $dynamicRef) get none, and so do schemas with more than 16 regular expressions; compiling
-- stops after 5,000 subschemas (references are expanded inline, so shared subschemas would
-- otherwise cost exponential time).
create or replace function beamline_internal.jsonschema_compile(p_root jsonb, p_ctx jsonb)
returns jsonb
immutable
parallel safe
set search_path = pg_catalog, pg_temp
language plpgsql
as $function$
declare
    v_res record;
begin
    if pg_catalog.getdatabaseencoding() <> 'UTF8' or p_ctx ?| '{u,dyn}'::text[] then
        return null;
    end if;
    -- jsonpath evaluation has no work budget: a schema with many regular expressions (each
    -- match may recompile once PostgreSQL's 32-entry regex cache is exceeded) gets no fast
    -- path, so its documents go through the engine, which counts every pattern it tries
    if (select pg_catalog.count(*) from pg_catalog.jsonb_path_query(p_root, 'strict $.**.pattern') as t(v)
         where pg_catalog.jsonb_typeof(t.v) = 'string')
       + (select pg_catalog.count(*) from pg_catalog.jsonb_path_query(p_root, 'strict $.**.patternProperties.keyvalue()')) > 16 then
        return null;
    end if;
    select * into v_res from beamline_internal.jsonschema_compile_node(p_root, p_root -> '0', '$', '{}', p_ctx ? 'f', '[]'::jsonb, 5000);
    if v_res.p_pred is null then
        return null;
    end if;
    -- parse once here, so that a predicate that does not parse means "no fast path", not an error
    perform ('strict exists($ ? (' || coalesce(nullif(v_res.p_pred, ''), '@.type() != "none"') || '))')::jsonpath;
    perform ('strict ' || (c.value ->> 'path'))::jsonpath from pg_catalog.jsonb_array_elements(v_res.p_checks) as c;
    return pg_catalog.jsonb_build_object(
        'predicate', 'strict exists($ ? (' || coalesce(nullif(v_res.p_pred, ''), '@.type() != "none"') || '))',
        'checks', (select coalesce(pg_catalog.jsonb_agg(c.value || pg_catalog.jsonb_build_object(
                          'path', 'strict ' || (c.value ->> 'path'))), '[]'::jsonb)
                     from pg_catalog.jsonb_array_elements(v_res.p_checks) as c));
exception
    when syntax_error or program_limit_exceeded or invalid_regular_expression then
        return null;
end
$function$;

comment on function beamline_internal.jsonschema_compile(jsonb, jsonb) is
    'Fast path of a checked JSON Schema: {"predicate": strict jsonpath, "checks": [{"path", "schema"}]}, NULL when it cannot be expressed exactly.';
