-- changes_since: the change entries at or above a watermark, and the next watermark
-- (docs/CACHE_COHERENCE.md). Exact resync: no committed change is ever missed; a change may be
-- returned again by a later call (its xid can stay >= the next watermark while older
-- transactions are in flight) — de-duplicate on change_id.
--   watermark  the next p_watermark: the snapshot xmin taken BEFORE reading (every xid below it
--              had finished, so its rows were visible to the read), lowered to the cut point
--              when the page was truncated
--   horizon    the snapshot xmax: every transaction that started before this call has an xid
--              below it. A woken reader re-reads until watermark >= the horizon it recorded at
--              the wake-up; that covers the writers that did not NOTIFY (coalescing)
--   more       the page was cut at p_limit (call again at once)
--   complete   false if entries at or above p_watermark may have been pruned: flush the cache
--   changes    JSON array of {change_id, xid, kind, tenant_id, object_id, op, version, changed_at},
--              ordered by (xid, change_id); a transaction's entries are never split across pages
-- Keys only, never documents. Not tenant-scoped (it reveals which keys changed, not content);
-- callable by the application role, like LISTEN.
--   BL007 watermark null or negative, limit outside 1..10000
create or replace function beamline.changes_since(p_watermark bigint, p_limit integer default 1000,
    out watermark bigint, out horizon bigint, out more boolean, out complete boolean, out changes jsonb)
    volatile
    security definer
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
declare
    v_snap     pg_catalog.pg_snapshot;
    v_from     xid8;
    v_cut      xid8;
    v_first    xid8;
    v_pruned   xid8;
begin
    if p_watermark is null or p_watermark < 0 then
        perform beamline_internal.policy_bad_input('watermark', 'must be a watermark from beamline.current_watermark or changes_since');
    end if;
    if p_limit is null or p_limit < 1 or p_limit > 10000 then
        perform beamline_internal.policy_bad_input('limit', 'must be between 1 and 10000');
    end if;
    -- The snapshot first: its xmin is safe for the read below (a later snapshot).
    v_snap := pg_catalog.pg_current_snapshot();
    v_from := p_watermark::text::xid8;
    select s.pruned_below into v_pruned from beamline.change_log_state s where s.id = 1;
    complete := v_pruned is null or v_from >= v_pruned;

    -- The (p_limit + 1)-th entry, if any, tells where to cut.
    select c.xid into v_cut from beamline.change_log c
     where c.xid >= v_from order by c.xid, c.id offset p_limit limit 1;
    more := v_cut is not null;
    if more then
        select c.xid into v_first from beamline.change_log c
         where c.xid >= v_from order by c.xid, c.id limit 1;
        if v_first = v_cut then
            -- One transaction larger than a page: return it whole.
            v_cut := (v_cut::text::bigint + 1)::text::xid8;
        end if;
    end if;

    select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
               'change_id', c.id, 'xid', c.xid::text::bigint, 'kind', c.kind, 'tenant_id', c.tenant_id,
               'object_id', c.object_id, 'op', c.op, 'version', c.version, 'changed_at', c.changed_at)
               order by c.xid, c.id), '[]')
      into changes
      from beamline.change_log c
     where c.xid >= v_from and (v_cut is null or c.xid < v_cut);

    watermark := pg_catalog.pg_snapshot_xmin(v_snap)::text::bigint;
    if more and v_cut::text::bigint < watermark then
        watermark := v_cut::text::bigint;
    end if;
    -- Never move backwards.
    watermark := greatest(watermark, p_watermark);
    horizon := pg_catalog.pg_snapshot_xmax(v_snap)::text::bigint;
end;
$$;

comment on function beamline.changes_since(bigint, integer) is
    'Change-log entries (keys only) with xid >= p_watermark and the next safe watermark, horizon, more, complete (exact resync; de-duplicate on change_id).';
