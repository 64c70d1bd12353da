-- CHECK constraints that PostgreSQL rebuilds for every write (issues 11/13, bench/README.md
-- "Write path"): for each INSERT or UPDATE statement it reads every CHECK expression of the
-- table back from its stored node text and plans it again. On a put_policy that is 13 CHECKs,
-- about 0.37 M instructions, 11 % of the call (callgrind, bench/README.md). Two changes, the
-- same rules:
-- * A list written `col in ('a', 'b', ...)` is stored as an ARRAY of one cast constant per
--   value (1,882 bytes of node text for the audit log's seven target types); the same list
--   as one array constant is stored in 742. Replaced, same names, same rows accepted.
-- * The audit chain heads' format CHECKs go, as the audit log's went in migration 0100: the
--   chain trigger is their only writer, it runs a regular expression over 64 characters for
--   every audit row, and beamline.verify_audit_chain reports any head that does not match
--   its lane's last row.
-- The jsonb version of beamline_internal.audit_row_hash goes too: sql/functions re-creates it
-- taking the jsonb fields as text, so the chain trigger renders each document once.
-- depends: 0100_audit_chain_lanes

alter table beamline.change_log
    drop constraint change_log_kind_check,
    add constraint change_log_kind_check check (kind::text = any ('{policy,role,quota}'::text[])),
    drop constraint change_log_op_check,
    add constraint change_log_op_check check (op::text = any ('{insert,update,delete}'::text[]));

alter table beamline.policy_audit_log
    drop constraint policy_audit_log_target_type_check,
    add constraint policy_audit_log_target_type_check
        check (target_type::text = any ('{policy,role,quota,app,schema,state,key}'::text[]));

alter table beamline_internal.audit_chain_heads
    drop constraint audit_chain_heads_hash_format,
    drop constraint audit_chain_heads_seq_nonnegative;

drop function if exists beamline_internal.audit_row_hash(text, bigint, text, uuid, text, text, text, text, text, jsonb, jsonb, jsonb, timestamptz);
