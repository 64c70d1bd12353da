-- policies__change_log: every inserted or updated policy version leaves a change entry
-- (kind policy, object_id = policy id, version) for the client caches (SPEC §5). Rows are never
-- deleted (policies__immutable), so DELETE needs no entry.
create or replace function beamline_internal.change_log_policy()
    returns trigger
    volatile
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
begin
    insert into beamline.change_log (kind, tenant_id, object_id, op, version)
    values ('policy', new.tenant_id, new.policy_id, pg_catalog.lower(tg_op), new.version);
    return null;
end;
$$;

comment on function beamline_internal.change_log_policy() is
    'Trigger function: record a change_log entry (kind policy) for each inserted or updated policy version.';

drop trigger if exists policies__change_log on beamline.policies;
create trigger policies__change_log
    after insert or update on beamline.policies
    for each row execute function beamline_internal.change_log_policy();

comment on trigger policies__change_log on beamline.policies is
    'Cache invalidation: one beamline.change_log row per changed policy version.';
