-- The stored fast path of a registered schema (beamline.json_schema_fast, by the SHA-256
-- checksum of the schema's text): TRUE when p_doc is certainly valid; FALSE when the engine must
-- run (maybe invalid, or the schema has no fast path); NULL when no checked, registered schema
-- has this checksum. Nothing is parsed: the predicate and the check paths are stored as
-- jsonpath; the checks run in one query (a key check is `node - keys = '{}'`, evaluated in C; an
-- opaque subschema runs the engine on the nodes its path selects). p_root is unused (kept for
-- the signature; the stored prepared form is used).
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
    return v_pred is not null
       and pg_catalog.jsonb_path_match(p_doc, v_pred)
       and not exists (
           select 1
             from beamline.json_schema_fast_checks c
            cross join lateral pg_catalog.jsonb_path_query(p_doc, c.path) as n(v)
            where c.checksum = p_checksum
              and case when c.keys is not null
                       then (n.v operator(pg_catalog.-) c.keys) operator(pg_catalog.<>) '{}'::jsonb
                       else (select (beamline_internal.jsonschema_eval(f.root, f.ctx, c.schema, n.v, '', false,
                                         '{}'::text[], 0, '{}'::jsonb, beamline_internal.jsonschema_budget())).p_errs
                               from beamline.json_schema_fast f where f.checksum = p_checksum) is not null
                  end);
end
$function$;

comment on function beamline_internal.jsonschema_fast_registered(text, jsonb, jsonb) is
    'Stored fast path of a registered schema by checksum: TRUE = certainly valid, FALSE = run the engine, NULL = not a registered schema.';
