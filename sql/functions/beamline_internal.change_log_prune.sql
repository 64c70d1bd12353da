-- change_log_prune: delete change entries older than p_keep (default 7 days) and record the
-- xid boundary in change_log_state, so changes_since answers complete = false to a client whose
-- watermark is older (it must flush instead of resyncing). Owner-only (beamline_internal).
-- Returns the number of entries deleted.
create or replace function beamline_internal.change_log_prune(p_keep interval default '7 days')
    returns bigint
    volatile
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
declare
    v_max     xid8;
    v_deleted bigint;
begin
    if p_keep is null or p_keep < interval '0' then
        perform beamline_internal.policy_bad_input('keep', 'must be a non-negative interval');
    end if;
    with gone as (
        delete from beamline.change_log c
         where c.changed_at < pg_catalog.clock_timestamp() - p_keep
        returning c.xid)
    select pg_catalog.max(g.xid), pg_catalog.count(*) into v_max, v_deleted from gone g;
    if v_max is not null then
        update beamline.change_log_state s
           set pruned_below = greatest(s.pruned_below, (v_max::text::bigint + 1)::text::xid8)
         where s.id = 1;
    end if;
    return v_deleted;
end;
$$;

comment on function beamline_internal.change_log_prune(interval) is
    'Owner-only: delete change_log entries older than p_keep and advance change_log_state.pruned_below.';
