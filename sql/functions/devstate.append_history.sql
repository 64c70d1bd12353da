-- append_history: append an entry {action, cp_from?, cp_to?, state_checksum?, metadata?} to the
-- HMAC chain as p_actor and return its hmac. Needs history:append in tenant devstate (BL001);
-- the HMAC key comes from the session (BL012 without it); bad entries are BL007 / BL009.
create or replace function devstate.append_history(p_entry jsonb, p_actor text)
    returns text
    volatile
    security definer
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
declare
    v_entry jsonb;
begin
    perform beamline_internal.require_permission('devstate', p_actor, 'history:append');
    v_entry := beamline_internal.devstate_check_entry(p_entry);
    return beamline_internal.devstate_append(v_entry, p_actor);
end;
$$;

comment on function devstate.append_history(jsonb, text) is
    'Append {action, cp_from?, cp_to?, state_checksum?, metadata?} to the HMAC-chained history as p_actor; returns the new hmac. Needs history:append.';
