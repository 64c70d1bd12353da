-- The stored fast path of a registered schema (beamline.json_schema_fast, by the SHA-256
-- checksum of the schema's text): TRUE when p_doc is certainly valid; FALSE when the engine must
-- run (maybe invalid, or the schema has no fast path); NULL when no checked, registered schema
-- has this checksum. Nothing is parsed: the predicate and the check paths are stored as
-- jsonpath, and beamline_internal.jsonschema_fast_check evaluates them. p_root is unused (kept
-- for the signature; the stored prepared form is used).
-- SECURITY DEFINER: the application role has no table rights.
create or replace function beamline_internal.jsonschema_fast_registered(p_checksum text, p_root jsonb, p_doc jsonb)
returns boolean
stable
security definer
set search_path = pg_catalog, pg_temp
language plpgsql
as $function$
declare
    v_pred jsonpath;
begin
    -- root and ctx (the prepared schema) are read only for opaque checks: on the hot path the
    -- large jsonb values are never detoasted
    select f.predicate into v_pred
      from beamline.json_schema_fast f where f.checksum = p_checksum and f.root is not null;
    if not found then
        return null;
    end if;
    return beamline_internal.jsonschema_fast_check(p_checksum, v_pred, p_doc);
end
$function$;

comment on function beamline_internal.jsonschema_fast_registered(text, jsonb, jsonb) is
    'Stored fast path of a registered schema by checksum: TRUE = certainly valid, FALSE = run the engine, NULL = not a registered schema.';
