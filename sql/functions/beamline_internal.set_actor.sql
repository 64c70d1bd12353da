-- set_actor: validate the API caller's actor id and record it, transaction-locally, in the
-- setting beamline.actor. The audit triggers read it and refuse to write without it, so the
-- audit log names the caller (the actor argument), never the database role.
create or replace function beamline_internal.set_actor(p_actor text)
    returns void
    volatile
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
begin
    perform beamline_internal.check_identifier('actor', p_actor, 128);
    perform pg_catalog.set_config('beamline.actor', p_actor, true);
end;
$$;

comment on function beamline_internal.set_actor(text) is
    'Validate p_actor (BL007) and record it in the transaction-local setting beamline.actor for the audit triggers.';
