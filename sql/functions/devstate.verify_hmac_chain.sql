-- verify_hmac_chain: check the history chain (all of it, or the entries with p_from <= id <= p_to)
-- with the session's HMAC keys, set-based (two scans, no row loop):
--   1. links, in id order (a window over the primary key): each hmac_prev must be the previous
--      entry's hmac (for the first entry checked, the hmac of the entry before p_from, or the
--      genesis value 64 zeros). Ids may have gaps (a rolled-back append burns a sequence value):
--      "previous" is the previous row, never id - 1.
--   2. hmacs (a parallel aggregate, beamline_internal.devstate_verify_hmacs): each hmac must be HMAC-SHA256 of the entry's canonical
--      message under the key named by its key_id (current or retired key, devstate_keys), and
--      the metadata readers see must be exactly the signed canonical text (parsed).
--   3. when checking up to the end: the last entry must be the head recorded in
--      devstate.chain_head (so deleting the tail inside the database shows).
-- Returns {"ok": true, "checked", "first_id", "last_id", "head"} or, for the first bad entry,
-- {"ok": false, "id", "reason", "checked", ...}; reason is one of
--   "bad link"             hmac_prev names an entry that exists but is not the previous one
--   "missing predecessor"  hmac_prev names no entry (an entry was removed)
--   "bad hmac"             the entry was changed, or signed with another key
--   "metadata mismatch"    metadata (what search_history returns) is not the signed text
--   "unknown key"          no key for the entry's key_id in this session
--   "truncated"            entries after the last one were removed (id = the recorded head)
-- No actor: it reveals only ids. BL012 without a key; BL007 for a bad range.
create or replace function devstate.verify_hmac_chain(p_from bigint default null, p_to bigint default null)
    returns jsonb
    stable
    security definer
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
declare
    c_genesis constant text := '0000000000000000000000000000000000000000000000000000000000000000';
    v_keys jsonb := beamline_internal.devstate_keys();
    v_prev text;
    v_link_id bigint;
    v_link_reason text;
    v_hmac_id bigint;
    v_hmac_reason text;
    v_count bigint;
    v_first bigint;
    v_last bigint;
    v_last_hmac text;
    v_head devstate.chain_head;
    v_result jsonb;
begin
    if p_from is not null and p_to is not null and p_from > p_to then
        perform beamline_internal.devstate_bad_input('range', 'p_from is after p_to');
    end if;
    if p_from is null then
        v_prev := c_genesis;
    else
        select e.hmac into v_prev from devstate.history_entries e where e.id < p_from order by e.id desc limit 1;
        v_prev := coalesce(v_prev, c_genesis);
    end if;

    -- 1. links
    select s.id,
           case when exists (select 1 from devstate.history_entries x where x.hmac = s.hmac_prev)
                then 'bad link' else 'missing predecessor' end
      into v_link_id, v_link_reason
      from (select e.id, e.hmac_prev, pg_catalog.lag(e.hmac, 1, v_prev) over (order by e.id) as expected
              from devstate.history_entries e
             where (p_from is null or e.id >= p_from) and (p_to is null or e.id <= p_to)) s
     where s.hmac_prev <> s.expected
     order by s.id
     limit 1;

    -- 2. hmacs (and the extent of the range)
    select v.checked, v.first_id, v.last_id, v.bad_id
      into v_count, v_first, v_last, v_hmac_id
      from beamline_internal.devstate_verify_hmacs(p_from, p_to, v_keys) v;
    if v_hmac_id is not null then
        select case when e.metadata::text is distinct from e.metadata_canonical::jsonb::text then 'metadata mismatch'
                    when v_keys ? e.key_id then 'bad hmac' else 'unknown key' end
          into v_hmac_reason from devstate.history_entries e where e.id = v_hmac_id;
    end if;
    if v_last is not null then
        select e.hmac into v_last_hmac from devstate.history_entries e where e.id = v_last;
    end if;

    v_result := pg_catalog.jsonb_build_object('checked', v_count, 'first_id', v_first, 'last_id', v_last,
                                              'head', coalesce(v_last_hmac, v_prev));
    if v_link_id is not null and (v_hmac_id is null or v_link_id <= v_hmac_id) then
        return v_result || pg_catalog.jsonb_build_object('ok', false, 'id', v_link_id, 'reason', v_link_reason);
    elsif v_hmac_id is not null then
        return v_result || pg_catalog.jsonb_build_object('ok', false, 'id', v_hmac_id, 'reason', v_hmac_reason);
    end if;

    -- 3. the tail
    if p_to is null then
        select * into v_head from devstate.chain_head h where h.id = 1;
        if found and (v_head.head_id <> coalesce(v_last, 0) or v_head.head_hmac <> coalesce(v_last_hmac, c_genesis))
           and (v_head.head_id > coalesce(v_last, 0)) then
            return v_result || pg_catalog.jsonb_build_object('ok', false, 'id', v_head.head_id, 'reason', 'truncated');
        end if;
    end if;
    return v_result || pg_catalog.jsonb_build_object('ok', true);
end;
$$;

comment on function devstate.verify_hmac_chain(bigint, bigint) is
    'Verify the HMAC chain (optionally ids p_from..p_to), set-based: {"ok": true, "checked", "first_id", "last_id", "head"} or the first bad {"id", "reason"} (bad link, missing predecessor, bad hmac, metadata mismatch, unknown key, truncated). BL012 without a key.';
