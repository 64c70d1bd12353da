-- Register a global (all tenants) version of a named JSON Schema; owner only. `beamline migrate`
-- calls it with docs/POLICY.schema.json ("policy/default") and docs/STATE.schema.json
-- ("state/default"). Idempotent: the current schema again is a no-op returning its version.
create or replace function beamline_admin.register_default_schema(p_name text, p_schema jsonb)
returns integer
volatile
set search_path = pg_catalog, pg_temp
language plpgsql
as $function$
begin
    return beamline_internal.jsonschema_register(p_name, null, p_schema, 'beamline-migrate');
end
$function$;

comment on function beamline_admin.register_default_schema(text, jsonb) is
    'Owner only: register the global version of a named JSON Schema (used by beamline migrate for the shipped defaults).';
