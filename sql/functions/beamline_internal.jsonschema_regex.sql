-- Translate the ECMA-262 regular-expression syntax JSON Schema patterns use into PostgreSQL's
-- ARE where the two differ and a translation is exact enough: the Unicode property escapes
-- \p{L} / \p{Letter} (a letter: [[:alpha:]], Unicode-aware in a UTF8 database with a UTF-8
-- locale), \p{N} / \p{Nd} / \p{digit} ([[:digit:]]) and their negations \P{...}. Inside a
-- bracket expression the class is inserted without its own brackets. Anything else is returned
-- unchanged (docs/VALIDATION.md, "pattern").
create or replace function beamline_internal.jsonschema_regex(p_pattern text)
returns text
immutable
parallel safe
set search_path = pg_catalog, pg_temp
language plpgsql
as $function$
declare
    v_out  text := '';
    v_i    integer := 1;
    v_len  integer := pg_catalog.char_length(p_pattern);
    v_c    text;
    v_in   boolean := false;  -- inside [...]
    v_m    text[];
    v_cls  text;
begin
    if pg_catalog.strpos(p_pattern, '\p{') = 0 and pg_catalog.strpos(p_pattern, '\P{') = 0 then
        return p_pattern;
    end if;
    while v_i <= v_len loop
        v_c := pg_catalog.substr(p_pattern, v_i, 1);
        if v_c = '\' then
            v_m := pg_catalog.regexp_match(pg_catalog.substr(p_pattern, v_i), '^\\([pP])\{([A-Za-z_]+)\}');
            v_cls := case when v_m is null then null
                          when v_m[2] in ('L', 'Letter') then 'alpha'
                          when v_m[2] in ('N', 'Nd', 'digit', 'Decimal_Number') then 'digit' end;
            if v_cls is not null and not (v_in and v_m[1] = 'P') then
                v_out := v_out || case when v_in then '[:' || v_cls || ':]'
                                       when v_m[1] = 'p' then '[[:' || v_cls || ':]]'
                                       else '[^[:' || v_cls || ':]]' end;
                v_i := v_i + pg_catalog.char_length(v_m[1]) + pg_catalog.char_length(v_m[2]) + 3;
                continue;
            end if;
            v_out := v_out || pg_catalog.substr(p_pattern, v_i, 2);
            v_i := v_i + 2;
            continue;
        end if;
        if v_c = '[' and not v_in then
            v_in := true;
        elsif v_c = ']' and v_in then
            v_in := false;
        end if;
        v_out := v_out || v_c;
        v_i := v_i + 1;
    end loop;
    return v_out;
end
$function$;

comment on function beamline_internal.jsonschema_regex(text) is
    'ECMA-262 pattern syntax PostgreSQL lacks (Unicode property escapes \p{L}, \p{Nd}, ...) translated to ARE classes.';
