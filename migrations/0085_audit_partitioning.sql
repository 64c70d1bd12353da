-- Audit retention that scales (issue 16): beamline.policy_audit_log becomes a table partitioned
-- by range on "timestamp", one partition per UTC month, so retention (beamline.cleanup_old_logs)
-- drops whole partitions instead of deleting rows. docs/AUDIT.md "Partitions and retention".
-- depends: 0080_maintenance
--
-- The current table is kept in place as the first partition, beamline_internal.policy_audit_log_legacy,
-- for values from (MINVALUE) to B, where B is the first UTC month boundary after now() and after
-- every row it holds. Its rows, ids, seq and hashes are not touched, so every tenant's chain
-- verifies as before. Attaching is cheap: the range CHECK is added NOT VALID and validated
-- first (a scan under SHARE UPDATE EXCLUSIVE), so ATTACH PARTITION needs no scan of its own.
-- Then a DEFAULT partition (rows outside every monthly partition land there; it should stay
-- empty). The monthly partitions from B on are created by beamline_internal.audit_partitions_ensure,
-- which every `beamline migrate` (sql/triggers/policy_audit_log__partitions.sql) and every
-- beamline_admin.maintain run call.
--
-- Keys: a unique index of a partitioned table must contain the partition key, so
--   primary key (id) becomes (id, "timestamp")   (ids are random UUIDs)
--   unique (tenant_id, seq) becomes a plain index: one chain position per tenant is kept by the
--   chain triggers (a new row must come right after the tenant's locked head: BL008 otherwise)
--   and checked by beamline.verify_audit_chain (a repeated seq is reported as 'missing rows').
-- Partitions live in beamline_internal (no role but the owner has USAGE there); every read and
-- write goes through the parent, whose privileges apply.
-- The triggers are re-created on the parent by sql/triggers (chain, chain_check, append_only,
-- append_only_truncate) and on every partition (policy_audit_log__partitions.sql); when those
-- functions exist already (an upgrade), this migration creates the parent's triggers itself, so
-- there is no moment without the append-only guard and the chain.

do $partition$
declare
    v_bound timestamptz;
    v_trigger record;
begin
    -- B: the first UTC month boundary after now() and after the newest row
    select pg_catalog.timezone('UTC', greatest(
               pg_catalog.date_trunc('month', pg_catalog.timezone('UTC', pg_catalog.now())),
               pg_catalog.date_trunc('month', pg_catalog.timezone('UTC', pg_catalog.max(a."timestamp"))))
           + interval '1 month')
      into v_bound
      from beamline.policy_audit_log a;

    -- the old table's triggers go (a table with transition-table triggers cannot become a
    -- partition); the parent's and the partitions' are created below / by sql/triggers
    for v_trigger in select t.tgname from pg_catalog.pg_trigger t
                      where t.tgrelid = 'beamline.policy_audit_log'::pg_catalog.regclass and not t.tgisinternal loop
        execute pg_catalog.format('drop trigger %I on beamline.policy_audit_log', v_trigger.tgname);
    end loop;

    alter table beamline.policy_audit_log rename to policy_audit_log_legacy;
    alter table beamline.policy_audit_log_legacy set schema beamline_internal;
    alter table beamline_internal.policy_audit_log_legacy drop constraint policy_audit_log_pkey;
    drop index beamline_internal.policy_audit_log_tenant_seq_key;
    execute pg_catalog.format(
        'alter table beamline_internal.policy_audit_log_legacy add constraint policy_audit_log_legacy_range check ("timestamp" < %L) not valid',
        v_bound);
    alter table beamline_internal.policy_audit_log_legacy validate constraint policy_audit_log_legacy_range;

    create table beamline.policy_audit_log (
        id           uuid         not null default gen_random_uuid(),
        tenant_id    varchar(64)  not null,
        target_type  varchar(16)  not null default 'policy',
        policy_id    varchar(128),
        target_id    varchar(128),
        action       varchar(32)  not null,
        actor        varchar(128) not null,
        old_data     jsonb,
        new_data     jsonb,
        metadata     jsonb        not null default '{}',
        "timestamp"  timestamptz  not null default clock_timestamp(),
        seq          bigint       not null,
        prev_hash    text         not null,
        row_hash     text         not null,
        constraint policy_audit_log_pkey primary key (id, "timestamp"),
        constraint policy_audit_log_target_type_check
            check (target_type in ('policy', 'role', 'quota', 'app', 'schema', 'state', 'key')),
        constraint policy_audit_log_action_format check (action ~ '^[A-Z][A-Z0-9_]*$'),
        constraint policy_audit_log_metadata_is_object check (jsonb_typeof(metadata) = 'object'),
        constraint policy_audit_log_seq_positive check (seq >= 1),
        constraint policy_audit_log_prev_hash_format check (prev_hash ~ '^[0-9a-f]{64}$'),
        constraint policy_audit_log_row_hash_format check (row_hash ~ '^[0-9a-f]{64}$')
    ) partition by range ("timestamp");
    -- the same definitions as the legacy table's indexes: ATTACH adopts those instead of building
    create index policy_audit_log_tenant_time_idx on beamline.policy_audit_log (tenant_id, "timestamp", id);
    create index policy_audit_log_tenant_policy_time_idx
        on beamline.policy_audit_log (tenant_id, policy_id, "timestamp", id) where policy_id is not null;
    -- chain order: verification, cleanup, the chain head lookup (built on the legacy partition)
    create index policy_audit_log_tenant_seq_idx on beamline.policy_audit_log (tenant_id, seq);

    execute pg_catalog.format(
        'alter table beamline.policy_audit_log attach partition beamline_internal.policy_audit_log_legacy for values from (minvalue) to (%L)',
        v_bound);
    -- the partition constraint now says the same
    alter table beamline_internal.policy_audit_log_legacy drop constraint policy_audit_log_legacy_range;
    create table beamline_internal.policy_audit_log_default partition of beamline.policy_audit_log default;

    if pg_catalog.to_regprocedure('beamline_internal.audit_log_guard()') is not null
       and pg_catalog.to_regprocedure('beamline_internal.audit_chain_link()') is not null
       and pg_catalog.to_regprocedure('beamline_internal.audit_chain_check()') is not null then
        create trigger chain
            before insert on beamline.policy_audit_log
            for each row when (new.row_hash is null) execute function beamline_internal.audit_chain_link();
        create trigger chain_check
            after insert on beamline.policy_audit_log
            referencing new table as new_rows
            for each statement execute function beamline_internal.audit_chain_check();
        create trigger append_only
            before update or delete on beamline.policy_audit_log
            for each statement execute function beamline_internal.audit_log_guard();
        create trigger append_only_truncate
            before truncate on beamline.policy_audit_log
            for each statement execute function beamline_internal.audit_log_guard();
    end if;
end
$partition$;

comment on table beamline.policy_audit_log is
    'Append-only audit trail of policy, role and quota changes and application events, partitioned by UTC month on "timestamp" (partitions in beamline_internal). Rows leave only through beamline.cleanup_old_logs.';
comment on column beamline.policy_audit_log.target_type is
    'What changed: policy | role (user_roles) | quota (tenant_quotas) | app (log_action events) | schema (json_schemas) | state (the DevState document) | key (a DevState HMAC key registered or retired).';
comment on column beamline.policy_audit_log.policy_id is 'The policy id for target_type = policy, else null.';
comment on column beamline.policy_audit_log.target_id is
    'The changed object: policy id, user id (role), tenant id (quota), schema name (schema), ''state'' (state), or an application key.';
comment on column beamline.policy_audit_log.action is
    'CREATE, UPDATE, DELETE, ACTIVATE, DEACTIVATE for policies; ASSIGN, REVOKE for roles; SET for quotas; an upper-case token for application events.';
comment on column beamline.policy_audit_log.actor is 'The API caller (the actor argument), never the database role.';
comment on column beamline.policy_audit_log.metadata is 'txid, application_name, client address, and caller-supplied context.';
comment on column beamline.policy_audit_log."timestamp" is 'When the row was written (clock_timestamp()); the partition key (one partition per UTC month).';
comment on column beamline.policy_audit_log.seq is
    'Position in the tenant''s audit hash chain: 1, 2, 3, ... (set by the trigger chain; the chain order, independent of physical order and timestamps).';
comment on column beamline.policy_audit_log.prev_hash is
    'row_hash of the tenant''s previous row (seq - 1), or 64 zeros for seq 1, or the cleanup anchor''s hash.';
comment on column beamline.policy_audit_log.row_hash is
    'SHA-256 (hex) of this row''s canonical message including prev_hash (beamline_internal.audit_row_hash, docs/AUDIT.md).';
comment on table beamline_internal.policy_audit_log_legacy is
    'Partition of beamline.policy_audit_log: the audit rows from before partitioning (migration 0085) up to its first monthly partition.';
comment on table beamline_internal.policy_audit_log_default is
    'Default partition of beamline.policy_audit_log: rows outside every monthly partition (should stay empty; beamline_admin.maintain creates months ahead).';
