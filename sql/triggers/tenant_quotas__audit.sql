-- Audit of beamline.tenant_quotas: INSERT / UPDATE = SET, DELETE = DELETE.
-- target_type 'quota', target_id = the tenant id; old_data / new_data = the quota rows.
create or replace function beamline_internal.audit_tenant_quotas_trigger()
    returns trigger
    volatile
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
begin
    if tg_op = 'INSERT' then
        perform beamline_internal.audit_write(new.tenant_id, 'quota', null, new.tenant_id, 'SET',
                                              null, pg_catalog.to_jsonb(new));
    elsif tg_op = 'UPDATE' then
        if old is distinct from new then
            perform beamline_internal.audit_write(new.tenant_id, 'quota', null, new.tenant_id, 'SET',
                                                  pg_catalog.to_jsonb(old), pg_catalog.to_jsonb(new));
        end if;
    else
        perform beamline_internal.audit_write(old.tenant_id, 'quota', null, old.tenant_id, 'DELETE',
                                              pg_catalog.to_jsonb(old), null);
    end if;
    return null;
end;
$$;

comment on function beamline_internal.audit_tenant_quotas_trigger() is
    'AFTER row trigger of beamline.tenant_quotas: SET / DELETE audit rows.';

drop trigger if exists audit on beamline.tenant_quotas;
create trigger audit
    after insert or update or delete on beamline.tenant_quotas
    for each row execute function beamline_internal.audit_tenant_quotas_trigger();
comment on trigger audit on beamline.tenant_quotas is 'Writes the audit log for every quota change (actor from beamline.actor).';
