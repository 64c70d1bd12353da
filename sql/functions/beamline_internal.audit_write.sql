-- audit_write: append one audit row for a change, with the actor and metadata of the transaction.
create or replace function beamline_internal.audit_write(
    p_tenant text,
    p_target_type text,
    p_policy_id text,
    p_target_id text,
    p_action text,
    p_old jsonb,
    p_new jsonb)
    returns void
    volatile
    -- no SET clause: called on every write (bench/README.md "Write path": a search_path swap
    -- per call cost about 12k instructions); owner-only, reached only through SECURITY DEFINER
    -- or trigger functions that run with search_path = pg_catalog, pg_temp (sql/tests/26).
    language plpgsql
as $$
begin
    insert into beamline.policy_audit_log
        (tenant_id, target_type, policy_id, target_id, action, actor, old_data, new_data, metadata)
    values (p_tenant, p_target_type, p_policy_id, p_target_id, p_action,
            beamline_internal.audit_actor(), p_old, p_new, beamline_internal.audit_metadata());
end;
$$;

comment on function beamline_internal.audit_write(text, text, text, text, text, jsonb, jsonb) is
    'Append one row to beamline.policy_audit_log with the transaction''s actor (BL007 if none) and metadata.';
