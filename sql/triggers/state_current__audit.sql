-- Audit of devstate.state_current (issue 11): every write of the DevState document writes an
-- audit row in tenant devstate (target_type state, target_id 'state'), whether or not the
-- caller also appended a history entry: update_state → UPDATE, import_begin → UPDATE (or
-- CREATE when the row did not exist). old_data / new_data are the whole row before / after
-- (document, checksum, updated_by), as for policies. The actor comes from beamline.actor, set by
-- the API function's permission check; a write without one is refused (BL007, audit_actor).
create or replace function beamline_internal.audit_state_trigger()
    returns trigger
    volatile
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
begin
    if tg_op = 'UPDATE' and old is not distinct from new then
        return null;
    end if;
    perform beamline_internal.audit_write('devstate', 'state', null, 'state',
        case tg_op when 'INSERT' then 'CREATE' else 'UPDATE' end,
        case tg_op when 'UPDATE' then pg_catalog.to_jsonb(old) end, pg_catalog.to_jsonb(new));
    return null;
end;
$$;

comment on function beamline_internal.audit_state_trigger() is
    'AFTER INSERT / UPDATE row trigger of devstate.state_current: a CREATE / UPDATE audit row (tenant devstate, target_type state) with the row before and after.';

drop trigger if exists audit on devstate.state_current;
create trigger audit
    after insert or update on devstate.state_current
    for each row execute function beamline_internal.audit_state_trigger();
comment on trigger audit on devstate.state_current is 'Writes an audit row (tenant devstate, target_type state) for every write of the DevState document.';
