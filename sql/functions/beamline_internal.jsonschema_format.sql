-- The asserted subset of the JSON Schema "format" keyword (docs/VALIDATION.md):
--   date-time  RFC 3339 date-time (T or t, Z or offset, fractional seconds, leap second :60)
--   date       RFC 3339 full-date (a real calendar date)
--   uuid       RFC 4122 text form (8-4-4-4-12 hex digits)
--   email      one "@" with a non-empty local part and domain, no whitespace (a pragmatic subset)
-- Every other format is an annotation: always true.
-- No SET clause (called per string node): owner-only, so it runs only under a definer's
-- pinned search_path (pg_catalog, pg_temp); sql/tests/26-search-path.sql checks that.
create or replace function beamline_internal.jsonschema_format(p_format text, p_value text)
returns boolean
immutable
parallel safe
language plpgsql
as $function$
declare
    v_m text[];
begin
    case p_format
    when 'date-time' then
        v_m := pg_catalog.regexp_match(p_value,
            '^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?([Zz]|[+-]([0-9]{2}):([0-9]{2}))$');
        if v_m is null or v_m[4]::integer > 23 or v_m[5]::integer > 59 or v_m[6]::integer > 60
           or coalesce(v_m[9]::integer, 0) > 23 or coalesce(v_m[10]::integer, 0) > 59 then
            return false;
        end if;
        return beamline_internal.jsonschema_format('date', v_m[1] || '-' || v_m[2] || '-' || v_m[3]);
    when 'date' then
        v_m := pg_catalog.regexp_match(p_value, '^([0-9]{4})-([0-9]{2})-([0-9]{2})$');
        if v_m is null or v_m[2]::integer not between 1 and 12 or v_m[3]::integer < 1 then
            return false;
        end if;
        return v_m[3]::integer <= case
            when v_m[2]::integer in (4, 6, 9, 11) then 30
            when v_m[2]::integer <> 2 then 31
            when v_m[1]::integer % 4 = 0 and (v_m[1]::integer % 100 <> 0 or v_m[1]::integer % 400 = 0) then 29
            else 28 end;
    when 'uuid' then
        return p_value operator(pg_catalog.~)
            '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
    when 'email' then
        return p_value operator(pg_catalog.~) '^[^@[:space:]]+@[^@[:space:]]+$';
    else
        return true;
    end case;
end
$function$;

comment on function beamline_internal.jsonschema_format(text, text) is
    'Asserted JSON Schema formats (date-time, date, uuid, email); other formats are annotations (true).';
