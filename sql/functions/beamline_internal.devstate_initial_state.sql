-- devstate_initial_state: the document of a DevState nobody has written yet (migration 0041
-- puts it in devstate.state_current): the smallest document valid against state/default.
create or replace function beamline_internal.devstate_initial_state()
    returns jsonb
    immutable
    parallel safe
    set search_path = pg_catalog, pg_temp
    language sql
return '{"version": 1, "current_checkpoint": null, "checkpoints": {}}'::jsonb;

comment on function beamline_internal.devstate_initial_state() is
    'The initial DevState document {"version": 1, "current_checkpoint": null, "checkpoints": {}}.';
