-- audit_actor: the actor recorded by set_actor / require_permission (setting beamline.actor).
-- The audit triggers call it and refuse to write a change without a valid actor, so no
-- change reaches the audited tables anonymously (direct DML must call set_actor first).
--   BL007  detail {"argument": "beamline.actor", "reason"}
create or replace function beamline_internal.audit_actor()
    returns text
    stable
    -- no SET clause: called on every write (bench/README.md "Write path": a search_path swap
    -- per call cost about 12k instructions); owner-only, reached only through SECURITY DEFINER
    -- or trigger functions that run with search_path = pg_catalog, pg_temp (sql/tests/26).
    language plpgsql
as $$
declare
    v_actor text := pg_catalog.current_setting('beamline.actor', true);
begin
    if v_actor is null or v_actor = '' or pg_catalog.length(v_actor) > 128
       or v_actor !~ '^[A-Za-z0-9][A-Za-z0-9._:@+-]*$' then
        raise exception using
            errcode = 'BL007',
            message = 'no actor for the audit log: the setting beamline.actor is not set or invalid',
            detail = pg_catalog.json_build_object('argument', 'beamline.actor', 'reason', 'is not set or invalid')::text,
            hint = 'Change policies, roles and quotas through the beamline API functions, or call beamline_internal.set_actor(actor) first.';
    end if;
    return v_actor;
end;
$$;

comment on function beamline_internal.audit_actor() is
    'The transaction''s actor (setting beamline.actor); BL007 if unset or invalid, so audited changes are never anonymous.';
