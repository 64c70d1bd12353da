-- quota_lock: serialise, per tenant, everything that changes the number of active policies or
-- the quota itself (a policy becoming active from none, set_quota). Taken after policy_lock.
create or replace function beamline_internal.quota_lock(p_tenant text)
    returns void
    volatile
    set search_path = pg_catalog, pg_temp
    language sql
as $$ select pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended(p_tenant, 4242)) $$;

comment on function beamline_internal.quota_lock(text) is
    'Take the per-tenant advisory transaction lock that makes the max_policies check race-free.';
