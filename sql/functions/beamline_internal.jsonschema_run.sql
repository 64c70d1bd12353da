-- Run the engine (jsonschema_eval) on a whole document: every error of p_doc against the
-- prepared schema (p_root, p_ctx from jsonschema_prepare), [] when valid, sorted by the depth of
-- their path (a node's own errors before its children's), in discovery order within a depth.
-- The work is bounded by jsonschema_budget() subschema applications: BL040 beyond it.
create or replace function beamline_internal.jsonschema_run(p_root jsonb, p_ctx jsonb, p_doc jsonb)
returns jsonb
immutable
parallel safe
set search_path = pg_catalog, pg_temp
language plpgsql
as $function$
declare
    v_errs jsonb;
begin
    v_errs := (beamline_internal.jsonschema_eval(p_root, p_ctx, p_root -> '0', p_doc, '', true, '{}'::text[], 0,
                                                 '{}'::jsonb, beamline_internal.jsonschema_budget())).p_errs;
    if v_errs is null then
        return '[]'::jsonb;
    end if;
    return (select pg_catalog.jsonb_agg(e.value order by
                        pg_catalog.length(e.value ->> 'path') - pg_catalog.length(pg_catalog.replace(e.value ->> 'path', '/', '')), e.n)
              from pg_catalog.jsonb_array_elements(v_errs) with ordinality as e(value, n));
end
$function$;

comment on function beamline_internal.jsonschema_run(jsonb, jsonb, jsonb) is
    'Every error of a document against a prepared JSON Schema, shallow paths first; BL040 over the work budget.';
