-- Tamper evidence for the audit log (issue 11): a hash chain per tenant.
-- depends: 0056_devstate_hmac_keys
--
--   policy_audit_log.seq        1, 2, 3, ... per tenant: the chain order. Explicit, so the chain
--                               never depends on physical order or on timestamps (the table may
--                               be partitioned by time later); unique per tenant, so it cannot fork.
--   policy_audit_log.prev_hash  row_hash of the tenant's row seq - 1 (64 zeros for seq 1, or the
--                               cleanup anchor's hash for the first row after a cleanup)
--   policy_audit_log.row_hash   beamline_internal.audit_row_hash(...) over the row and prev_hash
--   beamline_internal.audit_chain_heads    per tenant: last seq and row_hash. Every audit insert
--                               locks its tenant's head row (the trigger audit_log__chain), so
--                               writers of one tenant are serialised and the tail cannot be cut
--                               inside the database without rewriting this row too.
--   beamline_internal.audit_chain_anchors  per tenant: the last (seq, row_hash) removed by
--                               beamline.cleanup_old_logs, where the chain now starts.
-- Both tables are owner-only (schema beamline_internal). Rows that exist when this migration
-- runs are chained in (tenant, "timestamp", id) order.

create or replace function beamline_internal.audit_row_hash(
    p_tenant text,
    p_seq bigint,
    p_prev_hash text,
    p_id uuid,
    p_target_type text,
    p_policy_id text,
    p_target_id text,
    p_action text,
    p_actor text,
    p_old jsonb,
    p_new jsonb,
    p_metadata jsonb,
    p_ts timestamptz)
    returns text
    stable
    parallel safe
    language sql
return pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(
    '16:beamline-audit/1,'
    || coalesce(pg_catalog.octet_length(p_tenant)::text || ':' || p_tenant, '-') || ','
    || coalesce(pg_catalog.octet_length(p_seq::text)::text || ':' || p_seq::text, '-') || ','
    || coalesce(pg_catalog.octet_length(p_prev_hash)::text || ':' || p_prev_hash, '-') || ','
    || coalesce('36:' || p_id::text, '-') || ','
    || coalesce(pg_catalog.octet_length(p_target_type)::text || ':' || p_target_type, '-') || ','
    || coalesce(pg_catalog.octet_length(p_policy_id)::text || ':' || p_policy_id, '-') || ','
    || coalesce(pg_catalog.octet_length(p_target_id)::text || ':' || p_target_id, '-') || ','
    || coalesce(pg_catalog.octet_length(p_action)::text || ':' || p_action, '-') || ','
    || coalesce(pg_catalog.octet_length(p_actor)::text || ':' || p_actor, '-') || ','
    || coalesce(pg_catalog.octet_length(p_old::text)::text || ':' || p_old::text, '-') || ','
    || coalesce(pg_catalog.octet_length(p_new::text)::text || ':' || p_new::text, '-') || ','
    || coalesce(pg_catalog.octet_length(p_metadata::text)::text || ':' || p_metadata::text, '-') || ','
    || coalesce('27:' || pg_catalog.to_char(pg_catalog.timezone('UTC', p_ts), 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), '-') || ',',
    'UTF8')), 'hex');

comment on function beamline_internal.audit_row_hash(text, bigint, text, uuid, text, text, text, text, text, jsonb, jsonb, jsonb, timestamptz) is
    'SHA-256 (hex) of the canonical message of an audit row (version 1, netstrings), chaining it to prev_hash; see docs/AUDIT.md.';

alter table beamline.policy_audit_log
    add column seq bigint,
    add column prev_hash text,
    add column row_hash text;

create table beamline_internal.audit_chain_heads (
    tenant_id   varchar(64) not null,
    seq         bigint      not null,
    head_hash   text        not null,
    updated_at  timestamptz not null default now(),
    constraint audit_chain_heads_pkey primary key (tenant_id),
    constraint audit_chain_heads_seq_nonnegative check (seq >= 0),
    constraint audit_chain_heads_hash_format check (head_hash ~ '^[0-9a-f]{64}$')
);

comment on table beamline_internal.audit_chain_heads is
    'Per tenant, the head of the audit hash chain (last seq and row_hash). Every audit insert locks its tenant''s row: writers of a tenant are serialised and cannot fork the chain.';

create table beamline_internal.audit_chain_anchors (
    tenant_id   varchar(64) not null,
    seq         bigint      not null,
    row_hash    text        not null,
    cut_at      timestamptz not null default now(),
    constraint audit_chain_anchors_pkey primary key (tenant_id),
    constraint audit_chain_anchors_seq_positive check (seq >= 1),
    constraint audit_chain_anchors_hash_format check (row_hash ~ '^[0-9a-f]{64}$')
);

comment on table beamline_internal.audit_chain_anchors is
    'Per tenant, the last audit row (seq, row_hash) removed by beamline.cleanup_old_logs: the remaining chain starts after it.';

-- Chain the rows that exist already. The append-only guard (if sql/triggers was applied before)
-- is switched off for this one UPDATE, as the owner, inside the migration's transaction.
do $backfill$
declare
    v_row record;
    v_tenant text := null;
    v_seq bigint;
    v_prev text;
    v_hash text;
    v_guarded boolean := exists (select 1 from pg_catalog.pg_trigger t
                                  where t.tgrelid = 'beamline.policy_audit_log'::pg_catalog.regclass
                                    and t.tgname = 'append_only');
begin
    if v_guarded then
        alter table beamline.policy_audit_log disable trigger append_only;
    end if;
    for v_row in select * from beamline.policy_audit_log a order by a.tenant_id, a."timestamp", a.id loop
        if v_tenant is distinct from v_row.tenant_id then
            if v_tenant is not null then
                insert into beamline_internal.audit_chain_heads (tenant_id, seq, head_hash) values (v_tenant, v_seq, v_prev);
            end if;
            v_tenant := v_row.tenant_id;
            v_seq := 0;
            v_prev := repeat('0', 64);
        end if;
        v_seq := v_seq + 1;
        v_hash := beamline_internal.audit_row_hash(v_row.tenant_id, v_seq, v_prev, v_row.id, v_row.target_type,
            v_row.policy_id, v_row.target_id, v_row.action, v_row.actor, v_row.old_data, v_row.new_data,
            v_row.metadata, v_row."timestamp");
        update beamline.policy_audit_log a set seq = v_seq, prev_hash = v_prev, row_hash = v_hash where a.id = v_row.id;
        v_prev := v_hash;
    end loop;
    if v_tenant is not null then
        insert into beamline_internal.audit_chain_heads (tenant_id, seq, head_hash) values (v_tenant, v_seq, v_prev);
    end if;
    if v_guarded then
        alter table beamline.policy_audit_log enable trigger append_only;
    end if;
end
$backfill$;

alter table beamline.policy_audit_log
    alter column seq set not null,
    alter column prev_hash set not null,
    alter column row_hash set not null,
    add constraint policy_audit_log_seq_positive check (seq >= 1),
    add constraint policy_audit_log_prev_hash_format check (prev_hash ~ '^[0-9a-f]{64}$'),
    add constraint policy_audit_log_row_hash_format check (row_hash ~ '^[0-9a-f]{64}$');
-- One row per (tenant, seq): the chain cannot fork; also the index of verification and cleanup.
create unique index policy_audit_log_tenant_seq_key on beamline.policy_audit_log (tenant_id, seq);

comment on column beamline.policy_audit_log.seq is
    'Position in the tenant''s audit hash chain: 1, 2, 3, ... (set by the trigger chain; the chain order, independent of physical order and timestamps).';
comment on column beamline.policy_audit_log.prev_hash is
    'row_hash of the tenant''s previous row (seq - 1), or 64 zeros for seq 1, or the cleanup anchor''s hash.';
comment on column beamline.policy_audit_log.row_hash is
    'SHA-256 (hex) of this row''s canonical message including prev_hash (beamline_internal.audit_row_hash, docs/AUDIT.md).';
