-- Percent-decode a URI fragment (RFC 3986 §2.1, UTF-8): "#/$defs/a%25b" names "a%b". A
-- malformed escape or invalid UTF-8 gives NULL (the reference then does not resolve).
create or replace function beamline_internal.jsonschema_pct_decode(p_text text)
returns text
immutable
parallel safe
set search_path = pg_catalog, pg_temp
language plpgsql
as $function$
begin
    if pg_catalog.strpos(p_text, '%') = 0 then
        return p_text;
    end if;
    return (select pg_catalog.string_agg(
                case when pg_catalog.left(t.m[1], 1) = '%'
                     then pg_catalog.convert_from(pg_catalog.decode(pg_catalog.replace(t.m[1], '%', ''), 'hex'), 'UTF8')
                     else t.m[1] end, '' order by t.n)
              from pg_catalog.regexp_matches(p_text, '((?:%[0-9A-Fa-f]{2})+|[^%]+|%)', 'g') with ordinality as t(m, n)
             having pg_catalog.bool_and(t.m[1] <> '%'));
exception
    when character_not_in_repertoire or untranslatable_character then
        return null;
end
$function$;

comment on function beamline_internal.jsonschema_pct_decode(text) is
    'Percent-decode a URI fragment (UTF-8); NULL when malformed.';
