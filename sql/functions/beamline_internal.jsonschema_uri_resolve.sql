-- Resolve the URI reference p_ref against the absolute base URI p_base (RFC 3986 §5.2, with
-- dot-segment removal), for "$id", "$ref" and "$dynamicRef". Non-hierarchical bases (urn:,
-- tag:) only take fragment-only references; anything else relative to them resolves to p_ref
-- itself. The result keeps p_ref's fragment (callers split at "#").
create or replace function beamline_internal.jsonschema_uri_resolve(p_base text, p_ref text)
returns text
immutable
parallel safe
set search_path = pg_catalog, pg_temp
language plpgsql
as $function$
declare
    v_base   text := pg_catalog.split_part(p_base, '#', 1);
    v_m      text[];
    v_path   text;
    v_seg    text;
    v_out    text[] := '{}';
    v_prefix text;
    v_tail   text := '';
begin
    if p_ref operator(pg_catalog.~) '^[A-Za-z][A-Za-z0-9+.-]*:' then
        v_prefix := null;  -- absolute: only normalise its path below
        v_m := pg_catalog.regexp_match(p_ref, '^([A-Za-z][A-Za-z0-9+.-]*:(//[^/?#]*)?)([^?#]*)(.*)$');
        if v_m[2] is null then
            return p_ref;  -- urn:..., tag:...: no hierarchy
        end if;
        v_prefix := v_m[1]; v_path := v_m[3]; v_tail := v_m[4];
    elsif p_ref = '' or pg_catalog.left(p_ref, 1) = '#' then
        return v_base || p_ref;
    else
        v_m := pg_catalog.regexp_match(v_base, '^([A-Za-z][A-Za-z0-9+.-]*:(//[^/?#]*)?)([^?#]*)');
        if v_m is null or v_m[2] is null then
            return p_ref;
        end if;
        if pg_catalog.left(p_ref, 2) = '//' then
            return pg_catalog.split_part(v_m[1], ':', 1) || ':' || p_ref;
        end if;
        v_prefix := v_m[1];
        v_m := pg_catalog.regexp_match(p_ref, '^([^?#]*)(.*)$');
        v_tail := v_m[2];
        if pg_catalog.left(v_m[1], 1) = '/' then
            v_path := v_m[1];
        elsif v_m[1] = '' then
            v_path := (pg_catalog.regexp_match(v_base, '^[A-Za-z][A-Za-z0-9+.-]*:(//[^/?#]*)?([^?#]*)'))[2];
            if pg_catalog.left(v_tail, 1) = '#' then
                v_tail := coalesce((pg_catalog.regexp_match(v_base, '(\?[^#]*)'))[1], '') || v_tail;
            end if;
        else
            v_path := (pg_catalog.regexp_match(v_base, '^[A-Za-z][A-Za-z0-9+.-]*:(//[^/?#]*)?([^?#]*)'))[2];
            v_path := pg_catalog.regexp_replace(v_path, '[^/]*$', '');
            if v_path = '' then v_path := '/'; end if;
            v_path := v_path || v_m[1];
        end if;
    end if;
    -- remove dot segments (RFC 3986 §5.2.4)
    foreach v_seg in array pg_catalog.string_to_array(v_path, '/') loop
        if v_seg = '..' then
            if pg_catalog.cardinality(v_out) > 1 then v_out := v_out[1:pg_catalog.cardinality(v_out) - 1]; end if;
        elsif v_seg <> '.' then
            v_out := v_out || v_seg;
        end if;
    end loop;
    -- a path ending in "." or ".." names a directory
    if pg_catalog.split_part(v_path, '/', -1) in ('.', '..') and pg_catalog.cardinality(v_out) > 0 then
        v_out := v_out || ''::text;
    end if;
    v_path := pg_catalog.array_to_string(v_out, '/');
    return v_prefix || v_path || v_tail;
end
$function$;

comment on function beamline_internal.jsonschema_uri_resolve(text, text) is
    'RFC 3986 resolution of a JSON Schema URI reference against an absolute base URI.';
