-- policy_cursor_decode: parse a list_policies cursor back into (policy_id, version); BL007 for
-- anything that is not a cursor list_policies made.
create or replace function beamline_internal.policy_cursor_decode(p_cursor text, out policy_id text, out version integer)
    immutable
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
declare
    v_json jsonb;
begin
    begin
        v_json := pg_catalog.convert_from(pg_catalog.decode(p_cursor, 'base64'), 'UTF8')::jsonb;
    exception
        when invalid_parameter_value or invalid_text_representation or character_not_in_repertoire
             or untranslatable_character or data_exception then
            v_json := null;
    end;
    if pg_catalog.jsonb_typeof(v_json) is distinct from 'array'
       or pg_catalog.jsonb_array_length(v_json) <> 2
       or pg_catalog.jsonb_typeof(v_json -> 0) <> 'string'
       or pg_catalog.jsonb_typeof(v_json -> 1) <> 'number'
       or (v_json ->> 1) !~ '^[0-9]{1,9}$' then
        perform beamline_internal.policy_bad_input('cursor', 'not a cursor returned by beamline.list_policies');
    end if;
    policy_id := v_json ->> 0;
    version := (v_json ->> 1)::integer;
end;
$$;

comment on function beamline_internal.policy_cursor_decode(text) is
    'Decode a list_policies cursor into (policy_id, version); BL007 if it is not one.';
