-- Is p_pattern usable as a JSON Schema "pattern"? NULL when fine, else the reason.
-- Bound against pathological patterns (docs/VALIDATION.md, "Limits"): at most p_max_length
-- characters, and it must compile in PostgreSQL's regex engine (which also refuses patterns
-- that are "too complex"); a match can always be cancelled by statement_timeout.
create or replace function beamline_internal.jsonschema_check_pattern(p_pattern text, p_max_length integer)
returns text
immutable
parallel safe
set search_path = pg_catalog, pg_temp
language plpgsql
as $function$
begin
    if pg_catalog.char_length(p_pattern) > p_max_length then
        return pg_catalog.format('longer than %s characters', p_max_length);
    end if;
    perform '' operator(pg_catalog.~) p_pattern;
    return null;
exception
    when invalid_regular_expression or program_limit_exceeded then
        return 'not a valid regular expression: ' || sqlerrm;
end
$function$;

comment on function beamline_internal.jsonschema_check_pattern(text, integer) is
    'NULL when the regular expression is usable as a JSON Schema pattern (length cap, compiles), else the reason.';
