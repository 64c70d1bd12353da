-- export_entries: up to p_limit history entries with id > p_after, in id order, each as its line
-- of .trae/history.json (docs/DEVSTATE_MCP.md, "history.json"): a JSON object with the fields in
-- this fixed order, no whitespace, strings escaped as JSON, metadata in canonical JSON, last:
--   {"id":1,"ts":"2026-01-01T00:00:00.000000Z","actor":"a","action":"x","cp_from":null,
--    "cp_to":null,"state_checksum":null,"key_id":"k1","hmac_prev":"00..","hmac":"..","metadata":{}}
-- Needs state:read in tenant devstate. p_limit 1-100000.
create or replace function devstate.export_entries(p_actor text, p_after bigint default 0, p_limit integer default 10000)
    returns table (id bigint, line text)
    stable
    security definer
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
begin
    perform beamline_internal.require_permission('devstate', p_actor, 'state:read');
    if p_limit is null or p_limit not between 1 and 100000 then
        perform beamline_internal.devstate_bad_input('limit', 'must be between 1 and 100000');
    end if;
    return query
    select e.id,
           '{"id":' || e.id::text
           || ',"ts":"' || pg_catalog.to_char(pg_catalog.timezone('UTC', e.ts), 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
           || '","actor":' || pg_catalog.to_json(e.actor)::text
           || ',"action":' || pg_catalog.to_json(e.action)::text
           || ',"cp_from":' || coalesce(pg_catalog.to_json(e.cp_from)::text, 'null')
           || ',"cp_to":' || coalesce(pg_catalog.to_json(e.cp_to)::text, 'null')
           || ',"state_checksum":' || coalesce(pg_catalog.to_json(e.state_checksum)::text, 'null')
           || ',"key_id":' || pg_catalog.to_json(e.key_id)::text
           || ',"hmac_prev":"' || e.hmac_prev
           || '","hmac":"' || e.hmac
           || '","metadata":' || e.metadata_canonical || '}'
      from devstate.history_entries e
     where e.id > coalesce(p_after, 0)
     order by e.id
     limit p_limit;
end;
$$;

comment on function devstate.export_entries(text, bigint, integer) is
    'Up to p_limit history entries after id p_after, in id order, each as its canonical line of .trae/history.json. Needs state:read.';
