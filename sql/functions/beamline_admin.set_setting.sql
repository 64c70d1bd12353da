-- set_setting: the one way to change an owner setting (beamline_internal.settings); owner only.
-- Limits are never read from session settings, which any caller could SET first (issue 11).
--   p_name   a column of beamline_internal.settings: max_document_bytes | max_document_depth
--   p_value  its new value as text (an integer within the column's CHECK range)
-- Returns the whole settings row as a JSON object.
--   BL007  unknown setting, or a value that is not a whole number in range
create or replace function beamline_admin.set_setting(p_name text, p_value text)
    returns jsonb
    volatile
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
declare
    v_result jsonb;
begin
    if p_name is null or p_name not in ('max_document_bytes', 'max_document_depth') then
        raise exception using
            errcode = 'BL007',
            message = pg_catalog.format('unknown setting: %s', coalesce(p_name, 'NULL')),
            detail = pg_catalog.json_build_object('argument', 'name', 'reason', 'not a setting of beamline_internal.settings')::text,
            hint = 'Settings: max_document_bytes, max_document_depth.';
    end if;
    if p_value is null or p_value !~ '^[0-9]{1,10}$' then
        raise exception using
            errcode = 'BL007',
            message = pg_catalog.format('setting %s must be a whole number', p_name),
            detail = pg_catalog.json_build_object('argument', 'value', 'reason', 'not a whole number')::text;
    end if;
    begin
        -- p_name is one of the literal column names above
        execute pg_catalog.format(
            'update beamline_internal.settings set %I = $1, updated_at = pg_catalog.now(), updated_by = current_user where id = 1',
            p_name) using p_value::bigint;
    exception when check_violation or numeric_value_out_of_range then
        raise exception using
            errcode = 'BL007',
            message = pg_catalog.format('setting %s: %s is out of range', p_name, p_value),
            detail = pg_catalog.json_build_object('argument', 'value', 'reason', 'out of range')::text;
    end;
    select pg_catalog.to_jsonb(s) - 'id' into v_result from beamline_internal.settings s where s.id = 1;
    return v_result;
end;
$$;

comment on function beamline_admin.set_setting(text, text) is
    'Owner only: change a limit of beamline_internal.settings (max_document_bytes, max_document_depth); returns the settings. BL007 for an unknown name or a bad value.';
