-- audit_row_hash: the hash that chains an audit row to its tenant's previous row (message
-- version 1; docs/AUDIT.md "Tamper evidence"). Lowercase hex SHA-256 of a sequence of netstrings
-- (length in UTF-8 bytes, ':', the bytes, ','), in this order:
--   "beamline-audit/1", tenant_id, seq (decimal), prev_hash, id (uuid text), target_type,
--   policy_id, target_id, action, actor, old_data, new_data, metadata, timestamp
-- jsonb fields as PostgreSQL's jsonb text output (deterministic for a value: exactly what every
-- reader of the column gets), passed in as that text: callers write `old_data::text` (the
-- chain trigger renders each document once; a jsonb parameter used twice rendered it twice).
-- The timestamp in UTC as YYYY-MM-DDTHH:MM:SS.ffffffZ; a NULL field is written "-," instead of
-- a netstring. migrations/0057 created the same function taking jsonb for its backfill
-- (migration 0101 replaced it by this one, same output). Never change the output: bump the
-- version instead. Plain SQL without a SET clause on purpose (like devstate_entry_message): a
-- SET clause stops PostgreSQL from inlining it, and the GUC save/restore per call more than
-- doubled the audit trigger's cost per row (measured: a 1,000-event log_action batch 134-160 ms
-- with it, 52-73 ms without). Safe without: every name is pg_catalog-qualified, it is not
-- SECURITY DEFINER, and it is inlined into its callers (the chain trigger,
-- beamline.verify_audit_chain), which pin search_path themselves.
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
    p_old text,
    p_new text,
    p_metadata text,
    p_ts timestamptz)
    returns text
    stable
    parallel safe
    language sql
return pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(pg_catalog.concat(
    -- one concat (NULL arguments add nothing) instead of 50 `||`: PL/pgSQL builds this
    -- expression anew in every transaction, and fewer steps cost less (about 37k instructions
    -- per audit row; same output, checked on 600,966 rows)
    '16:beamline-audit/1,',
    coalesce(pg_catalog.octet_length(p_tenant) || ':', '-'), p_tenant, ',',
    coalesce(pg_catalog.octet_length(p_seq::text) || ':', '-'), p_seq, ',',
    coalesce(pg_catalog.octet_length(p_prev_hash) || ':', '-'), p_prev_hash, ',',
    coalesce('36:' || p_id, '-'), ',',
    coalesce(pg_catalog.octet_length(p_target_type) || ':', '-'), p_target_type, ',',
    coalesce(pg_catalog.octet_length(p_policy_id) || ':', '-'), p_policy_id, ',',
    coalesce(pg_catalog.octet_length(p_target_id) || ':', '-'), p_target_id, ',',
    coalesce(pg_catalog.octet_length(p_action) || ':', '-'), p_action, ',',
    coalesce(pg_catalog.octet_length(p_actor) || ':', '-'), p_actor, ',',
    coalesce(pg_catalog.octet_length(p_old) || ':', '-'), p_old, ',',
    coalesce(pg_catalog.octet_length(p_new) || ':', '-'), p_new, ',',
    coalesce(pg_catalog.octet_length(p_metadata) || ':', '-'), p_metadata, ',',
    coalesce('27:' || pg_catalog.to_char(pg_catalog.timezone('UTC', p_ts), 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), '-'), ','),
    'UTF8')), 'hex');

comment on function beamline_internal.audit_row_hash(text, bigint, text, uuid, text, text, text, text, text, text, text, text, timestamptz) is
    'SHA-256 (hex) of the canonical message of an audit row (version 1, netstrings), chaining it to prev_hash; old_data, new_data and metadata as their jsonb text. See docs/AUDIT.md.';
