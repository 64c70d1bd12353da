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
    v_r    record;
begin
    v_r := beamline_internal.jsonschema_eval(p_root, p_ctx, p_root -> '0', p_doc, '', true, '{}'::text[], 0,
                                             '{}'::jsonb, beamline_internal.jsonschema_budget());
    v_errs := v_r.p_errs;
    if v_r.p_left < 0 then  -- charges after the last subschema application
        raise exception using errcode = 'BL040',
            message = 'JSON Schema validation exceeded its work budget',
            detail = pg_catalog.jsonb_build_object('limit', 'validation_steps', 'path', '')::text,
            hint = 'The schema applies too many subschemas to this document (docs/VALIDATION.md, "Work budget"): simplify the schema or split the document.';
    end if;
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
