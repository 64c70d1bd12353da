-- Audit of beamline.user_roles: INSERT = ASSIGN, UPDATE = UPDATE (re-assign), DELETE = REVOKE.
-- target_type 'role', target_id = the user id; old_data / new_data = the grant rows.
create or replace function beamline_internal.audit_user_roles_trigger()
    returns trigger
    volatile
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
begin
    if tg_op = 'INSERT' then
        perform beamline_internal.audit_write(new.tenant_id, 'role', null, new.user_id, 'ASSIGN',
                                              null, pg_catalog.to_jsonb(new));
    elsif tg_op = 'UPDATE' then
        if old is distinct from new then
            perform beamline_internal.audit_write(new.tenant_id, 'role', null, new.user_id, 'UPDATE',
                                                  pg_catalog.to_jsonb(old), pg_catalog.to_jsonb(new));
        end if;
    else
        perform beamline_internal.audit_write(old.tenant_id, 'role', null, old.user_id, 'REVOKE',
                                              pg_catalog.to_jsonb(old), null);
    end if;
    return null;
end;
$$;

comment on function beamline_internal.audit_user_roles_trigger() is
    'AFTER row trigger of beamline.user_roles: ASSIGN / UPDATE / REVOKE audit rows.';

drop trigger if exists audit on beamline.user_roles;
create trigger audit
    after insert or update or delete on beamline.user_roles
    for each row execute function beamline_internal.audit_user_roles_trigger();
comment on trigger audit on beamline.user_roles is 'Writes the audit log for every grant change (actor from beamline.actor).';
