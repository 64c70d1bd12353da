-- update_state: apply a JSON Merge Patch (RFC 7396) to the DevState document and return the new
-- checksum. In one transaction: state:write (and history:append when an entry is given) in
-- tenant devstate; the lease on scope 'state', when someone else holds it, refuses (BL006);
-- the row is locked; with p_expected_checksum a compare-and-set (BL005 on mismatch); the merged
-- document is checked against the limits (BL009) and the registered schema state/default (BL004)
-- BEFORE anything is written; then the row and, optionally, a history entry whose
-- state_checksum defaults to the new checksum.
--   BL007  patch not an object, bad checksum format, bad entry
create or replace function devstate.update_state(
    p_patch jsonb,
    p_actor text,
    p_expected_checksum text default null,
    p_history_entry jsonb default null)
    returns text
    volatile
    security definer
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
declare
    v_row devstate.state_current;
    v_lock devstate.locks;
    v_entry jsonb;
    v_new jsonb;
    v_checksum text;
begin
    perform beamline_internal.require_permission('devstate', p_actor, 'state:write');
    if p_history_entry is not null then
        perform beamline_internal.require_permission('devstate', p_actor, 'history:append');
        v_entry := beamline_internal.devstate_check_entry(p_history_entry);
        perform beamline_internal.devstate_keys();  -- BL012 before any work
    end if;
    if p_patch is null or pg_catalog.jsonb_typeof(p_patch) <> 'object' then
        perform beamline_internal.devstate_bad_input('patch', 'must be a JSON object',
            'The state is an object; a merge patch object sets members and deletes those given as null.');
    end if;
    if p_expected_checksum is not null and p_expected_checksum !~ '^[0-9a-f]{64}$' then
        perform beamline_internal.devstate_bad_input('expected_checksum', 'must be 64 lowercase hex digits');
    end if;
    perform beamline_internal.check_document_limits(p_patch);

    -- The state row first, then the lease: lock_state('state') takes the same row lock, so a
    -- lease cannot be granted while this write is in flight, nor a write pass a new lease.
    perform 1 from devstate.state_current s where s.id = 1 for update;
    select * into v_lock from devstate.locks l
     where l.scope = 'state' and l.expires_at > pg_catalog.now() and l.owner <> p_actor;
    if found then
        raise exception using
            errcode = 'BL006',
            message = pg_catalog.format('the DevState is leased by %s until %s', v_lock.owner, v_lock.expires_at),
            detail = pg_catalog.json_build_object('scope', v_lock.scope, 'owner', v_lock.owner, 'expires_at', v_lock.expires_at)::text,
            hint = 'Wait for the lease to expire or for its owner to call devstate.unlock_state.';
    end if;

    select * into v_row from devstate.state_current s where s.id = 1 for update;
    if not found then
        insert into devstate.state_current (id, json, checksum)
        values (1, beamline_internal.devstate_initial_state(),
                beamline_internal.devstate_state_checksum(beamline_internal.devstate_initial_state()))
        on conflict (id) do nothing;
        select * into strict v_row from devstate.state_current s where s.id = 1 for update;
    end if;
    if p_expected_checksum is not null and p_expected_checksum <> v_row.checksum then
        raise exception using
            errcode = 'BL005',
            message = 'the DevState changed since it was read (checksum mismatch)',
            detail = pg_catalog.json_build_object('expected', p_expected_checksum, 'actual', v_row.checksum)::text,
            hint = 'Read it again with devstate.get_state, re-apply the change, and retry with the new checksum.';
    end if;

    v_new := beamline.merge_patch(v_row.json, p_patch);
    perform beamline_internal.check_document_limits(v_new);
    perform beamline_internal.assert_valid(beamline_internal.schema_for('state/default'), v_new);
    v_checksum := beamline_internal.devstate_state_checksum(v_new);

    update devstate.state_current s
       set json = v_new, checksum = v_checksum, updated_at = pg_catalog.now(), updated_by = p_actor
     where s.id = 1;
    if v_entry is not null then
        if v_entry -> 'state_checksum' = 'null'::jsonb then
            v_entry := v_entry || pg_catalog.jsonb_build_object('state_checksum', v_checksum);
        end if;
        perform beamline_internal.devstate_append(v_entry, p_actor);
    end if;
    return v_checksum;
end;
$$;

comment on function devstate.update_state(jsonb, text, text, jsonb) is
    'Merge-patch the DevState (RFC 7396), validate against state/default before writing, return the new checksum; optional compare-and-set (BL005) and history entry in the same transaction. Needs state:write (+ history:append).';
