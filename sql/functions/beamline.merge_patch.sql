-- JSON Merge Patch, RFC 7396 section 2, exactly:
--   a patch that is not an object replaces the target;
--   an object patch turns a non-object target into {} first, then for each member:
--   null deletes the member, anything else is merged recursively into it.
-- Arrays are replaced, never merged. A SQL NULL target is treated as absent; a SQL NULL patch is
-- BL007 (the JSON null patch is the jsonb value 'null', which replaces the whole document).
create or replace function beamline.merge_patch(p_target jsonb, p_patch jsonb)
returns jsonb
immutable
parallel safe
security definer  -- the application role may call it but has no access to beamline_internal
set search_path = pg_catalog, pg_temp
language plpgsql
as $function$
begin
    if p_patch is null then
        raise exception using errcode = 'BL007',
            message = 'merge_patch: the patch must not be SQL NULL',
            detail = '{"argument": "p_patch", "reason": "null"}',
            hint = 'Pass a JSON value; the JSON null patch is the jsonb value ''null''.';
    end if;
    return beamline_internal.jsonschema_merge(p_target, p_patch);
end
$function$;

comment on function beamline.merge_patch(jsonb, jsonb) is
    'JSON Merge Patch (RFC 7396): null deletes, objects merge recursively, anything else (arrays included) replaces.';
