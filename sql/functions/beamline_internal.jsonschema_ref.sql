-- Apply the subschema at p_target ("#/<pointer into the prepared document>", a resolved
-- "$ref" or "$dynamicRef") to one document node, memoised: the result for (target, document
-- location[, dynamic scope]) is computed once per validation and kept in p_memo. References are
-- the only way one subschema is reached along several paths (the schema is a tree between
-- them), so with this memo every (subschema, location) pair is evaluated at most twice (first-
-- error mode, then all-errors mode): validation cost is polynomial, not exponential
-- ({"anyOf": [{"$ref": "#/$defs/a1"}, {"$ref": "#/$defs/a1"}]} chains, issue 15).
-- A memoised first-error result answers all-errors calls only when it is "valid".
create or replace function beamline_internal.jsonschema_ref(
    p_root   jsonb,
    p_ctx    jsonb,
    p_target text,
    p_doc    jsonb,
    p_path   text,
    p_all    boolean,
    p_scope  text[],
    p_hops   integer,
    inout p_memo jsonb,
    inout p_left integer,
    out p_errs jsonb,
    out p_ann  jsonb
)
immutable
parallel safe
-- no SET clause: this is the engine's hot recursion (a per-call search_path swap costs ~30%
-- here, and a SET blocks SQL inlining); it is reached only through SECURITY DEFINER callers
-- that run with search_path = pg_catalog, pg_temp, and every name below is qualified.
language plpgsql
as $function$
declare
    v_key text;
    v_m   jsonb;
    v_r   record;
begin
    if p_hops >= 64 then
        raise exception using errcode = 'BL010',
            message = 'JSON Schema $ref chain does not terminate',
            detail = pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                'path', p_path, 'keyword', '$ref', 'message', 'more than 64 $ref hops without consuming the document'))::text,
            hint = 'A $ref cycle must pass through properties, items or another keyword that descends into the document.';
    end if;
    v_key := p_target || E'\x01' || p_path;
    if p_ctx ? 'dyn' then
        v_key := v_key || E'\x01' || pg_catalog.array_to_string(p_scope, E'\x02');
    end if;
    v_m := p_memo -> v_key;
    if v_m is not null and (v_m -> 'e' = 'null'::jsonb or not p_all or v_m -> 'f' = 'true'::jsonb) then
        p_errs := nullif(v_m -> 'e', 'null'::jsonb);
        p_ann := nullif(v_m -> 'a', 'null'::jsonb);
        return;
    end if;
    v_r := beamline_internal.jsonschema_eval(p_root, p_ctx, p_root #> beamline_internal.jsonschema_pointer(p_target),
                                             p_doc, p_path, p_all, p_scope, p_hops + 1, p_memo, p_left);
    p_errs := v_r.p_errs; p_ann := v_r.p_ann; p_memo := v_r.p_memo; p_left := v_r.p_left;
    p_memo := p_memo || pg_catalog.jsonb_build_object(v_key,
        pg_catalog.jsonb_build_object('e', p_errs, 'a', p_ann, 'f', p_all));
end
$function$;

comment on function beamline_internal.jsonschema_ref(jsonb, jsonb, text, jsonb, text, boolean, text[], integer, jsonb, integer) is
    'JSON Schema engine: apply a resolved reference target to a document node, memoised per (target, location, dynamic scope).';
