-- search_history: history entries matching p_filters, newest first, with keyset pagination.
-- Filters (all optional, combined with AND):
--   actor, action   exact match (strings)
--   checkpoint      entries with cp_from or cp_to equal to it
--   since, until    ts >= since and ts < until (timestamps with time zone, ISO 8601)
--   metadata        JSON object the entry's metadata must contain (@>, GIN index)
-- p_limit 1-1000 (default 100). p_cursor: the next_cursor of the previous page (an entry id).
-- Returns {"entries": [entry...], "next_cursor": id or null}; an entry has id, ts, actor,
-- action, cp_from, cp_to, state_checksum, key_id, hmac_prev, hmac, metadata.
-- Needs state:read in tenant devstate. Unknown filter keys and wrong types are BL007.
create or replace function devstate.search_history(
    p_filters jsonb,
    p_actor text,
    p_limit integer default 100,
    p_cursor bigint default null)
    returns jsonb
    stable
    security definer
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
declare
    v_filters jsonb := coalesce(p_filters, '{}');
    v_key text;
    v_since timestamptz;
    v_until timestamptz;
    v_entries jsonb;
    v_count integer;
    v_last bigint;
begin
    perform beamline_internal.require_permission('devstate', p_actor, 'state:read');
    if pg_catalog.jsonb_typeof(v_filters) <> 'object' then
        perform beamline_internal.devstate_bad_input('filters', 'must be a JSON object');
    end if;
    for v_key in select pg_catalog.jsonb_object_keys(v_filters) loop
        if v_key not in ('actor', 'action', 'checkpoint', 'since', 'until', 'metadata') then
            perform beamline_internal.devstate_bad_input('filters', pg_catalog.format('unknown filter %s', v_key),
                'Filters: actor, action, checkpoint, since, until, metadata.');
        end if;
        if v_key = 'metadata' then
            if pg_catalog.jsonb_typeof(v_filters -> v_key) <> 'object' then
                perform beamline_internal.devstate_bad_input('filters.metadata', 'must be a JSON object');
            end if;
        elsif pg_catalog.jsonb_typeof(v_filters -> v_key) <> 'string' then
            perform beamline_internal.devstate_bad_input('filters.' || v_key, 'must be a string');
        end if;
    end loop;
    begin
        v_since := (v_filters ->> 'since')::timestamptz;
        v_until := (v_filters ->> 'until')::timestamptz;
    exception when data_exception then  -- any bad timestamp text (format, range, zone)
        perform beamline_internal.devstate_bad_input('filters.since/until', 'not an ISO 8601 timestamp');
    end;
    if p_limit is null or p_limit not between 1 and 1000 then
        perform beamline_internal.devstate_bad_input('limit', 'must be between 1 and 1000');
    end if;

    select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
               'id', e.id, 'ts', pg_catalog.to_char(pg_catalog.timezone('UTC', e.ts), 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
               'actor', e.actor, 'action', e.action, 'cp_from', e.cp_from, 'cp_to', e.cp_to,
               'state_checksum', e.state_checksum, 'key_id', e.key_id, 'hmac_prev', e.hmac_prev,
               'hmac', e.hmac, 'metadata', e.metadata) order by e.id desc),
           pg_catalog.count(*), pg_catalog.min(e.id)
      into v_entries, v_count, v_last
      from (select * from devstate.history_entries h
             where (p_cursor is null or h.id < p_cursor)
               and (not v_filters ? 'actor' or h.actor = v_filters ->> 'actor')
               and (not v_filters ? 'action' or h.action = v_filters ->> 'action')
               and (not v_filters ? 'checkpoint' or h.cp_from = v_filters ->> 'checkpoint' or h.cp_to = v_filters ->> 'checkpoint')
               and (v_since is null or h.ts >= v_since)
               and (v_until is null or h.ts < v_until)
               and (not v_filters ? 'metadata' or h.metadata @> (v_filters -> 'metadata'))
             order by h.id desc
             limit p_limit) e;
    return pg_catalog.jsonb_build_object(
        'entries', coalesce(v_entries, '[]'),
        'next_cursor', case when v_count = p_limit then v_last end);
end;
$$;

comment on function devstate.search_history(jsonb, text, integer, bigint) is
    'History entries matching {actor, action, checkpoint, since, until, metadata (containment)}, newest first: {"entries", "next_cursor"} (keyset on id). Needs state:read.';
