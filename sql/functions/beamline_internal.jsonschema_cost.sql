-- Static bound on the engine's work for one document node under a prepared schema: with the
-- reference memo (jsonschema_ref) each subschema applies to a node at most twice (first-error
-- and all-errors mode), so 2 x the number of JSON objects in the prepared document (every
-- subschema is one; maps like "properties" are counted too, so this over-estimates); with
-- "$dynamicRef" the memo is per dynamic scope as well, so that is multiplied by the number of
-- resources. jsonschema_register refuses a schema over jsonschema_budget('node').
create or replace function beamline_internal.jsonschema_cost(p_root jsonb, p_ctx jsonb)
returns integer
immutable
parallel safe
set search_path = pg_catalog, pg_temp
language sql
as $function$
    select (2 * (select pg_catalog.count(*) from pg_catalog.jsonb_path_query(p_root, 'strict $.**') as v(n)
                  where pg_catalog.jsonb_typeof(v.n) = 'object')
              * greatest(1, (select pg_catalog.count(*) from pg_catalog.jsonb_object_keys(coalesce(p_ctx -> 'dyn', '{}'::jsonb)))))
           ::integer
$function$;

comment on function beamline_internal.jsonschema_cost(jsonb, jsonb) is
    'Static bound on the JSON Schema engine''s subschema applications per document node for a prepared schema.';
