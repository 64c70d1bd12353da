-- Partitions of beamline.policy_audit_log (migration 0085, docs/AUDIT.md "Partitions and
-- retention"), on every migrate: the monthly partitions ahead exist (the same call as
-- beamline_admin.maintain makes), and every partition carries its parent's statement-level
-- triggers (the append-only guard; beamline_internal.audit_partition_guard says why).
-- Runs after policy_audit_log__append_only.sql and __chain.sql (file order), which define the
-- trigger functions.
select beamline_internal.audit_partitions_ensure(3);
select beamline_internal.audit_partition_guard(p.partition) from beamline_internal.audit_partitions() p;
