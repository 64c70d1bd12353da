-- Store the prepared form and compiled fast path of a checked JSON Schema under p_checksum
-- (SHA-256 hex of p_schema::text) in beamline.json_schema_fast / json_schema_fast_checks, once:
-- nothing happens when a complete row exists. Called by jsonschema_register after the schema
-- check, so only checked schemas get a row; the row is what beamline.validate and put_policy
-- trust for this checksum. p_prep is jsonschema_prepare(p_schema). jsonschema_compile returning
-- NULL stores predicate NULL ("no fast path").
create or replace function beamline_internal.jsonschema_fast_store(p_checksum text, p_prep jsonb)
returns void
volatile
set search_path = pg_catalog, pg_temp
language plpgsql
as $function$
declare
    v_fast jsonb;
begin
    if exists (select 1 from beamline.json_schema_fast f where f.checksum = p_checksum and f.root is not null) then
        return;
    end if;
    delete from beamline.json_schema_fast f where f.checksum = p_checksum;
    v_fast := beamline_internal.jsonschema_compile(p_prep -> 'root', p_prep -> 'ctx');
    insert into beamline.json_schema_fast as f (checksum, predicate, root, ctx, cost)
    values (p_checksum, (v_fast ->> 'predicate')::jsonpath, p_prep -> 'root', p_prep -> 'ctx',
            beamline_internal.jsonschema_cost(p_prep -> 'root', p_prep -> 'ctx'));
    if v_fast is null then
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
    'Store the prepared form and compiled fast path (jsonschema_compile) of a checked schema under its checksum, once.';
