-- audit_partition_guard: give one partition of beamline.policy_audit_log the statement-level
-- triggers of its parent. PostgreSQL clones row-level triggers (chain) to partitions, but a
-- statement-level trigger fires only for the table a statement names: without these, an UPDATE,
-- DELETE or TRUNCATE naming a partition (the owner's; no other role has rights on partitions)
-- would skip the append-only guard. Statements through the parent fire the parent's triggers
-- only, so nothing runs twice. Idempotent.
create or replace function beamline_internal.audit_partition_guard(p_partition pg_catalog.regclass)
    returns void
    volatile
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
begin
    execute pg_catalog.format('drop trigger if exists append_only on %s', p_partition);
    execute pg_catalog.format('create trigger append_only before update or delete on %s '
        'for each statement execute function beamline_internal.audit_log_guard()', p_partition);
    execute pg_catalog.format('drop trigger if exists append_only_truncate on %s', p_partition);
    execute pg_catalog.format('create trigger append_only_truncate before truncate on %s '
        'for each statement execute function beamline_internal.audit_log_guard()', p_partition);
end;
$$;

comment on function beamline_internal.audit_partition_guard(pg_catalog.regclass) is
    'Create the append-only guard triggers (UPDATE / DELETE / TRUNCATE) on one partition of beamline.policy_audit_log; idempotent.';
