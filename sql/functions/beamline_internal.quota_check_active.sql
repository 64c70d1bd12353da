-- quota_check_active: called when a policy of p_tenant is about to get an active version while it
-- has none (put_policy of a new or deleted policy, activate_policy of an inactive one). Takes the
-- tenant lock (after the caller's policy lock) and counts the tenant's active policies; BL003 if
-- one more would pass max_policies. Race-free: every path that adds an active policy holds this
-- lock until commit, and under READ COMMITTED the count sees every earlier holder's commit.
create or replace function beamline_internal.quota_check_active(p_tenant text)
    returns void
    volatile
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
declare
    v_limit integer;
    v_used  integer;
begin
    perform beamline_internal.quota_lock(p_tenant);
    v_limit := (beamline_internal.quota_of(p_tenant)).max_policies;
    select pg_catalog.count(*) into v_used
      from beamline.policies p where p.tenant_id = p_tenant and p.is_active;
    if v_used + 1 > v_limit then
        perform beamline_internal.quota_exceeded(p_tenant, 'max_policies', v_limit, v_used + 1);
    end if;
end;
$$;

comment on function beamline_internal.quota_check_active(text) is
    'Under the tenant lock, BL003 unless one more active policy fits max_policies.';
