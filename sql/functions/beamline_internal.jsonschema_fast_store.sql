-- Store the compiled fast path of a checked JSON Schema (beamline.json_schema_fast and
-- beamline.json_schema_fast_checks, keyed by p_checksum = SHA-256 hex of p_schema::text), once:
-- nothing happens when a row for the checksum exists. Called by jsonschema_register after the
-- schema check, so only checked schemas get a row. jsonschema_compile returning NULL stores
-- predicate NULL ("no fast path").
create or replace function beamline_internal.jsonschema_fast_store(p_checksum text, p_schema jsonb)
returns void
volatile
set search_path = pg_catalog, pg_temp
language plpgsql
as $function$
declare
    v_fast jsonb;
begin
    if exists (select 1 from beamline.json_schema_fast f where f.checksum = p_checksum) then
        return;
    end if;
    v_fast := beamline_internal.jsonschema_compile(p_schema);
    insert into beamline.json_schema_fast as f (checksum, predicate)
    values (p_checksum, (v_fast ->> 'predicate')::jsonpath)
    on conflict (checksum) do nothing;
    if not found or v_fast is null then
        return;
    end if;
    insert into beamline.json_schema_fast_checks (checksum, ord, path, keys, schema)
    select p_checksum, c.ord::integer, (c.value ->> 'path')::jsonpath,
           case when c.value ? 'keys' then array(select pg_catalog.jsonb_array_elements_text(c.value -> 'keys')) end,
           case when c.value ? 'keys' then null else c.value -> 'schema' end
      from pg_catalog.jsonb_array_elements(v_fast -> 'checks') with ordinality as c(value, ord);
end
$function$;

comment on function beamline_internal.jsonschema_fast_store(text, jsonb) is
    'Compile a checked schema (jsonschema_compile) and store its parsed fast path under its checksum, once.';
