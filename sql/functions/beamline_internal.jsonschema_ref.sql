-- Apply the subschema at p_target ("#/<pointer into the prepared document>", a resolved
-- "$ref" or "$dynamicRef") to one document node.
--
-- Memo (issue 15): between references the schema is a tree, so one subschema can apply to one
-- document location along several paths only through a reference target with more than one
-- way in ("shared": jsonschema_prepare marks the reference sites with "$refShared"). For those
-- (p_shared), the result for (target, location[, dynamic scope]) is kept in p_memo and reused,
-- so chains like {"anyOf": [{"$ref": "#/$defs/a1"}, {"$ref": "#/$defs/a1"}]} cost polynomial,
-- not exponential, time. A first-error result answers all-errors calls only when "valid".
--
-- The memo travels by value through every engine call, so it is kept small: an entry keeps at
-- most 4 errors (more: only that it is invalid, recomputed if all errors are needed), large
-- annotation sets are not kept, and past 16 KiB the memo starts over (memoisation only saves
-- work; the per-call budget, which also counts the memo's size, bounds what is left, BL040).
create or replace function beamline_internal.jsonschema_ref(
    p_root   jsonb,
    p_ctx    jsonb,
    p_target text,
    p_shared boolean,
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
-- no SET clause: this is the engine's hot recursion (see jsonschema_eval)
language plpgsql
as $function$
declare
    v_key text;
    v_m   jsonb;
    v_r   record;
begin
    if p_hops >= 256 then
        raise exception using errcode = 'BL010',
            message = 'JSON Schema $ref chain does not terminate',
            detail = pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                'path', p_path, 'keyword', '$ref', 'message', 'more than 256 $ref hops without consuming the document'))::text,
            hint = 'A $ref cycle must pass through properties, items or another keyword that descends into the document.';
    end if;
    if p_shared then
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
    end if;
    v_r := beamline_internal.jsonschema_eval(p_root, p_ctx, p_root #> beamline_internal.jsonschema_pointer(p_target),
                                             p_doc, p_path, p_all, p_scope, p_hops + 1, p_memo, p_left);
    p_errs := v_r.p_errs; p_ann := v_r.p_ann; p_memo := v_r.p_memo; p_left := v_r.p_left;
    if p_shared and (p_ann is null or pg_catalog.pg_column_size(p_ann) <= 1024) then
        if pg_catalog.pg_column_size(p_memo) > 16384 then
            p_memo := '{}';
        end if;
        p_memo := p_memo || pg_catalog.jsonb_build_object(v_key, case
            when p_errs is null or pg_catalog.jsonb_array_length(p_errs) <= 4
                then pg_catalog.jsonb_build_object('e', p_errs, 'a', p_ann, 'f', p_all)
            else pg_catalog.jsonb_build_object('e', pg_catalog.jsonb_build_array(p_errs -> 0), 'f', false) end);
    end if;
end
$function$;

comment on function beamline_internal.jsonschema_ref(jsonb, jsonb, text, boolean, jsonb, text, boolean, text[], integer, jsonb, integer) is
    'JSON Schema engine: apply a resolved reference target to a document node, memoised per (target, location, dynamic scope) when the target is shared.';
