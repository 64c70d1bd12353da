-- unlock_state: release the lease p_lock_id held by p_owner. BL002 when no such lease exists
-- (or it already expired and was taken over); BL006 when it belongs to another owner and has
-- not expired. Needs state:write in tenant devstate.
create or replace function devstate.unlock_state(p_lock_id uuid, p_owner text)
    returns void
    volatile
    security definer
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
declare
    v_held devstate.locks;
begin
    perform beamline_internal.require_permission('devstate', p_owner, 'state:write');
    if p_lock_id is null then
        perform beamline_internal.devstate_bad_input('lock_id', 'is null');
    end if;
    select * into v_held from devstate.locks l where l.lock_id = p_lock_id for update;
    if not found then
        raise exception using
            errcode = 'BL002',
            message = pg_catalog.format('no lease %s', p_lock_id),
            detail = pg_catalog.json_build_object('lock_id', p_lock_id)::text,
            hint = 'The lease was released, or it expired and someone else took the scope.';
    end if;
    if v_held.owner <> p_owner and v_held.expires_at > pg_catalog.now() then
        raise exception using
            errcode = 'BL006',
            message = pg_catalog.format('lease %s belongs to %s', p_lock_id, v_held.owner),
            detail = pg_catalog.json_build_object('scope', v_held.scope, 'owner', v_held.owner, 'expires_at', v_held.expires_at)::text,
            hint = 'Only the owner releases a lease before it expires.';
    end if;
    delete from devstate.locks l where l.lock_id = p_lock_id;
end;
$$;

comment on function devstate.unlock_state(uuid, text) is
    'Release a lease (BL002 when unknown, BL006 when another owner''s lease is still valid). Needs state:write.';
