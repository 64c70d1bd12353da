-- Union of two annotation sets of the engine (jsonschema_eval), for unevaluatedProperties /
-- unevaluatedItems: {"p": {member: true}, "i": items [0, i) evaluated, "c": {index: true}}.
create or replace function beamline_internal.jsonschema_ann_merge(p_a jsonb, p_b jsonb)
returns jsonb
immutable
parallel safe
-- no SET clause: this is the engine's hot recursion (a per-call search_path swap costs ~30%
-- here, and a SET blocks SQL inlining); it is reached only through SECURITY DEFINER callers
-- that run with search_path = pg_catalog, pg_temp, and every name below is qualified.
language sql
as $function$
    select case when p_a is null then p_b when p_b is null then p_a
        else pg_catalog.jsonb_build_object(
            'p', coalesce(p_a -> 'p', '{}'::jsonb) || coalesce(p_b -> 'p', '{}'::jsonb),
            'i', greatest(coalesce((p_a ->> 'i')::integer, 0), coalesce((p_b ->> 'i')::integer, 0)),
            'c', coalesce(p_a -> 'c', '{}'::jsonb) || coalesce(p_b -> 'c', '{}'::jsonb)) end
$function$;

comment on function beamline_internal.jsonschema_ann_merge(jsonb, jsonb) is
    'Union of two evaluated-members/items annotation sets of the JSON Schema engine.';
