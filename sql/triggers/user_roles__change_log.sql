-- user_roles__change_log: every inserted, updated or deleted role grant leaves a change entry
-- (kind role, object_id = user id) so cached permission decisions are dropped (SPEC §5).
create or replace function beamline_internal.change_log_role()
    returns trigger
    volatile
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
begin
    if tg_op = 'DELETE' then
        insert into beamline.change_log (kind, tenant_id, object_id, op)
        values ('role', old.tenant_id, old.user_id, 'delete');
    else
        insert into beamline.change_log (kind, tenant_id, object_id, op)
        values ('role', new.tenant_id, new.user_id, pg_catalog.lower(tg_op));
        -- A grant moved to another user or tenant: the old key is stale too.
        if tg_op = 'UPDATE' and (old.tenant_id, old.user_id) is distinct from (new.tenant_id, new.user_id) then
            insert into beamline.change_log (kind, tenant_id, object_id, op)
            values ('role', old.tenant_id, old.user_id, 'delete');
        end if;
    end if;
    return null;
end;
$$;

comment on function beamline_internal.change_log_role() is
    'Trigger function: record a change_log entry (kind role) for each inserted, updated or deleted user_roles row.';

drop trigger if exists user_roles__change_log on beamline.user_roles;
create trigger user_roles__change_log
    after insert or update or delete on beamline.user_roles
    for each row execute function beamline_internal.change_log_role();

comment on trigger user_roles__change_log on beamline.user_roles is
    'Cache invalidation: one beamline.change_log row per changed role grant.';
