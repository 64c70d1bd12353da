-- export_snapshot: what .trae/state.json and the header of .trae/history.json need, read in the
-- caller's snapshot (run it and export_entries in one REPEATABLE READ transaction):
-- {"state": canonical JSON text of the document, "checksum", "count", "head", "last_id"}.
-- Needs state:read in tenant devstate.
create or replace function devstate.export_snapshot(p_actor text)
    returns jsonb
    stable
    security definer
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
declare
    v_state jsonb;
    v_head devstate.chain_head;
begin
    perform beamline_internal.require_permission('devstate', p_actor, 'state:read');
    select s.json into v_state from devstate.state_current s where s.id = 1;
    v_state := coalesce(v_state, beamline_internal.devstate_initial_state());
    select * into strict v_head from devstate.chain_head h where h.id = 1;
    return pg_catalog.jsonb_build_object(
        'state', beamline_internal.devstate_canonical_json(v_state),
        'checksum', beamline_internal.devstate_state_checksum(v_state),
        'count', (select pg_catalog.count(*) from devstate.history_entries),
        'head', coalesce((select e.hmac from devstate.history_entries e order by e.id desc limit 1), pg_catalog.repeat('0', 64)),
        'last_id', (select pg_catalog.max(e.id) from devstate.history_entries e));
end;
$$;

comment on function devstate.export_snapshot(text) is
    'State (canonical JSON text), checksum, entry count, head hmac and last id for an export. Needs state:read.';
