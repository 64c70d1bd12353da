-- get_state: the DevState document and its checksum (needs state:read in tenant devstate).
-- Returns {"json": document, "checksum": sha256 hex, "updated_at": timestamptz, "updated_by": actor or null}.
create or replace function devstate.get_state(p_actor text)
    returns jsonb
    stable
    security definer
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
declare
    v_row devstate.state_current;
begin
    perform beamline_internal.require_permission('devstate', p_actor, 'state:read');
    select * into v_row from devstate.state_current s where s.id = 1;
    if not found then
        return pg_catalog.jsonb_build_object('json', beamline_internal.devstate_initial_state(),
            'checksum', beamline_internal.devstate_state_checksum(beamline_internal.devstate_initial_state()),
            'updated_at', null, 'updated_by', null);
    end if;
    return pg_catalog.jsonb_build_object('json', v_row.json, 'checksum', v_row.checksum,
        'updated_at', v_row.updated_at, 'updated_by', v_row.updated_by);
end;
$$;

comment on function devstate.get_state(text) is
    'The DevState document: {"json", "checksum", "updated_at", "updated_by"}. Needs state:read in tenant devstate (BL001).';
