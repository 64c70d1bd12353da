-- A positive integer setting (beamline.max_document_bytes, ...) or NULL when unset;
-- BL007 when it is set to something else.
create or replace function beamline_internal.jsonschema_setting_int(p_name text, p_value text)
returns integer
immutable
parallel safe
set search_path = pg_catalog, pg_temp
language plpgsql
as $function$
begin
    if p_value is null then
        return null;
    end if;
    if p_value operator(pg_catalog.~) '^[0-9]{1,9}$' and p_value::integer > 0 then
        return p_value::integer;
    end if;
    raise exception using errcode = 'BL007',
        message = pg_catalog.format('setting %s must be a positive integer, not %s', p_name, pg_catalog.quote_literal(p_value)),
        detail = pg_catalog.jsonb_build_object('argument', p_name, 'reason', 'not a positive integer')::text,
        hint = pg_catalog.format('SET %s = <positive integer>, or RESET it for the default.', p_name);
end
$function$;

comment on function beamline_internal.jsonschema_setting_int(text, text) is
    'Parse a positive integer limit setting; NULL when unset, BL007 when malformed.';
