-- policy_lock: serialise writers of one policy (put, activate, deactivate, delete) with a
-- transaction-scoped advisory lock on (tenant, policy). Lock order everywhere: policy lock
-- first, then quota_lock (tenant), never the other way round, so writers cannot deadlock.
-- Writers need READ COMMITTED: after the lock wait, each statement sees what the previous
-- holder committed. Under REPEATABLE READ / SERIALIZABLE the snapshot predates the wait, so the
-- version and quota checks would read stale data: rejected with BL007.
create or replace function beamline_internal.policy_lock(p_tenant text, p_policy_id text)
    returns void
    volatile
    -- no SET clause: called on every write (bench/README.md "Write path": a search_path swap
    -- per call cost about 12k instructions); owner-only, reached only through SECURITY DEFINER
    -- or trigger functions that run with search_path = pg_catalog, pg_temp (sql/tests/26).
    language plpgsql
as $$
begin
    if pg_catalog.current_setting('transaction_isolation') <> 'read committed' then
        perform beamline_internal.policy_bad_input('transaction_isolation',
            'policy writes need READ COMMITTED',
            'Call the policy write functions outside REPEATABLE READ / SERIALIZABLE transactions.');
    end if;
    -- Tenant ids never contain '/', so tenant || '/' || policy is unambiguous.
    perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended(p_tenant || '/' || p_policy_id, 4243));
end;
$$;

comment on function beamline_internal.policy_lock(text, text) is
    'Take the per-policy advisory transaction lock of the policy writers (BL007 unless READ COMMITTED).';
