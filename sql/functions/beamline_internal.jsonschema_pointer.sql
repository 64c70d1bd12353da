-- A local "$ref" ("#" or "#/a/b~1c") as the text[] path for jsonb #>, per RFC 6901:
-- "~1" is "/", "~0" is "~". Percent-encoding is not supported (the schema check rejects "%").
-- plpgsql with a fast path (no "~"), because it runs on every $ref hop of a validation.
-- No SET clause (per-hop cost): owner-only, so it runs only under a definer's pinned
-- search_path (pg_catalog, pg_temp); sql/tests/26-search-path.sql checks that invariant.
create or replace function beamline_internal.jsonschema_pointer(p_ref text)
returns text[]
immutable
parallel safe
language plpgsql
as $function$
declare
    v_parts text[];
begin
    if p_ref = '#' then
        return '{}'::text[];
    end if;
    v_parts := pg_catalog.string_to_array(pg_catalog.substr(p_ref, 3), '/');
    if pg_catalog.strpos(p_ref, '~') = 0 then
        return v_parts;
    end if;
    for v_i in 1 .. pg_catalog.cardinality(v_parts) loop
        v_parts[v_i] := pg_catalog.replace(pg_catalog.replace(v_parts[v_i], '~1', '/'), '~0', '~');
    end loop;
    return v_parts;
end
$function$;

comment on function beamline_internal.jsonschema_pointer(text) is
    'A local JSON Schema $ref ("#/$defs/x") as a text[] path for #>, with RFC 6901 ~0/~1 unescaping.';
