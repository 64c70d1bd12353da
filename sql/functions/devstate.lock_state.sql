-- lock_state: take (or renew) the lease on p_scope for p_owner for p_ttl and return its lock id.
-- A lease held by another owner that has not expired refuses (BL006, detail {scope, owner,
-- expires_at}); an expired lease is free and is taken over (new lock id). The same owner
-- re-locking renews its lease and keeps the lock id. The lease on scope 'state' also guards
-- devstate.update_state against other actors. Needs state:write in tenant devstate (the owner
-- is the actor). p_ttl between 1 second and 1 day (BL007).
create or replace function devstate.lock_state(p_scope text, p_ttl interval, p_owner text)
    returns uuid
    volatile
    security definer
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
declare
    v_lock_id uuid;
    v_held devstate.locks;
begin
    perform beamline_internal.require_permission('devstate', p_owner, 'state:write');
    if p_scope is null or p_scope !~ '^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,127}$' then
        perform beamline_internal.devstate_bad_input('scope', 'must be 1-128 characters of A-Z a-z 0-9 . _ : / @ + -, starting with a letter or digit');
    end if;
    if p_ttl is null or p_ttl < interval '1 second' or p_ttl > interval '1 day' then
        perform beamline_internal.devstate_bad_input('ttl', 'must be between 1 second and 1 day');
    end if;
    if p_scope = 'state' then
        -- serialise with update_state, which checks this lease under the same row lock
        perform 1 from devstate.state_current s where s.id = 1 for update;
    end if;
    insert into devstate.locks as l (scope, owner, acquired_at, expires_at)
    values (p_scope, p_owner, pg_catalog.now(), pg_catalog.now() + p_ttl)
    on conflict (scope) do update
       set lock_id = case when l.owner = excluded.owner and l.expires_at > pg_catalog.now()
                          then l.lock_id else excluded.lock_id end,
           owner = excluded.owner, acquired_at = excluded.acquired_at, expires_at = excluded.expires_at
     where l.expires_at <= pg_catalog.now() or l.owner = excluded.owner
    returning l.lock_id into v_lock_id;
    if v_lock_id is null then
        select * into v_held from devstate.locks l where l.scope = p_scope;
        raise exception using
            errcode = 'BL006',
            message = pg_catalog.format('scope %s is leased by %s until %s', p_scope, v_held.owner, v_held.expires_at),
            detail = pg_catalog.json_build_object('scope', p_scope, 'owner', v_held.owner, 'expires_at', v_held.expires_at)::text,
            hint = 'Wait for the lease to expire or for its owner to call devstate.unlock_state.';
    end if;
    return v_lock_id;
end;
$$;

comment on function devstate.lock_state(text, interval, text) is
    'Take or renew the lease on a scope for p_ttl; returns the lock id, BL006 while another owner''s lease has not expired. Needs state:write.';
