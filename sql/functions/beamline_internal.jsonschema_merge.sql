-- The recursion of beamline.merge_patch (RFC 7396 MergePatch(Target, Patch)); p_target NULL
-- means "no such member".
create or replace function beamline_internal.jsonschema_merge(p_target jsonb, p_patch jsonb)
returns jsonb
immutable
parallel safe
set search_path = pg_catalog, pg_temp
language plpgsql
as $function$
declare
    v_result jsonb;
    v_key    text;
    v_value  jsonb;
begin
    if pg_catalog.jsonb_typeof(p_patch) <> 'object' then
        return p_patch;
    end if;
    if pg_catalog.jsonb_typeof(p_target) = 'object' then
        v_result := p_target;
    else
        v_result := '{}'::jsonb;
    end if;
    for v_key, v_value in select e.key, e.value from pg_catalog.jsonb_each(p_patch) as e loop
        if v_value = 'null'::jsonb then
            v_result := v_result - v_key;
        else
            v_result := pg_catalog.jsonb_set(v_result, array[v_key],
                beamline_internal.jsonschema_merge(v_result -> v_key, v_value), true);
        end if;
    end loop;
    return v_result;
end
$function$;

comment on function beamline_internal.jsonschema_merge(jsonb, jsonb) is
    'RFC 7396 MergePatch recursion behind beamline.merge_patch (NULL target = absent member).';
