-- policies__change_log: every inserted or updated policy version leaves a change entry
-- (kind policy, object_id = policy id, version) for the client caches (SPEC §5). Rows are never
-- deleted (policies__immutable), so DELETE needs no entry. One exception: the deactivation of
-- the old version by put_policy / activate_policy (audit intent SUPERSEDE, as policies__audit
-- reads it) leaves none, because that function writes the new or re-activated version of the
-- same policy next, in the same transaction, and its entry invalidates the same cache key: one
-- entry per put_policy instead of two (a change-log row, its index entries and a deferred
-- notify check less per write; bench/README.md). A caller cannot use a preset intent to hide a
-- deactivation: every API function that deactivates sets the intent itself right before
-- (policy_deactivate sets DELETE or clears it) and clears it right after.
create or replace function beamline_internal.change_log_policy()
    returns trigger
    volatile
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
begin
    if tg_op = 'UPDATE' and old.is_active and not new.is_active
       and pg_catalog.current_setting('beamline.audit_intent', true)
           = 'SUPERSEDE ' || new.tenant_id || ' ' || new.policy_id then
        return null;
    end if;
    insert into beamline.change_log (kind, tenant_id, object_id, op, version)
    values ('policy', new.tenant_id, new.policy_id, pg_catalog.lower(tg_op), new.version);
    return null;
end;
$$;

comment on function beamline_internal.change_log_policy() is
    'Trigger function: record a change_log entry (kind policy) for each inserted or updated policy version, except the deactivation a superseding write makes (audit intent SUPERSEDE).';

drop trigger if exists policies__change_log on beamline.policies;
create trigger policies__change_log
    after insert or update on beamline.policies
    for each row execute function beamline_internal.change_log_policy();

comment on trigger policies__change_log on beamline.policies is
    'Cache invalidation: one beamline.change_log row per changed policy version.';
