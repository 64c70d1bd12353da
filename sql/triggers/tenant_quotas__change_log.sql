-- tenant_quotas__change_log: every inserted, updated or deleted quota row leaves a change entry
-- (kind quota, object_id = tenant id) so cached quotas are dropped (SPEC §5).
create or replace function beamline_internal.change_log_quota()
    returns trigger
    volatile
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
begin
    if tg_op = 'DELETE' then
        insert into beamline.change_log (kind, tenant_id, object_id, op)
        values ('quota', old.tenant_id, old.tenant_id, 'delete');
    else
        insert into beamline.change_log (kind, tenant_id, object_id, op)
        values ('quota', new.tenant_id, new.tenant_id, pg_catalog.lower(tg_op));
    end if;
    return null;
end;
$$;

comment on function beamline_internal.change_log_quota() is
    'Trigger function: record a change_log entry (kind quota) for each changed tenant_quotas row.';

drop trigger if exists tenant_quotas__change_log on beamline.tenant_quotas;
create trigger tenant_quotas__change_log
    after insert or update or delete on beamline.tenant_quotas
    for each row execute function beamline_internal.change_log_quota();

comment on trigger tenant_quotas__change_log on beamline.tenant_quotas is
    'Cache invalidation: one beamline.change_log row per changed quota.';
