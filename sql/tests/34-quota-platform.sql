-- Quotas are a platform limit (issue 11, "RBAC and quotas" point 3; docs/RBAC.md "Quotas").
-- Only quota:manage in the reserved tenant `global` (the platform) sets a tenant's ceilings; a
-- tenant's own quota:manage may set its limits anywhere up to them (lower, and back up).
-- Attacks (as the application role, BL001, nothing written): a tenant admin raises each of its
-- three limits above the default ceilings (to the maximum); lowers then raises past the ceiling;
-- raises past a ceiling the platform lowered; a global user without quota:manage; an admin of
-- another tenant. Allowed: lowering, raising back up to the ceiling, the platform raising
-- (the new ceiling) and lowering (a lower ceiling); get_quota shows the ceilings. The table
-- refuses a limit above its ceiling.
begin;
select plan(22);

select tests.bootstrap('t1', 'alice');
select tests.bootstrap('t2', 'zed');
select tests.grant('global', 'plat', 'viewer', '["quota:manage"]');
select tests.grant('global', 'gview', 'viewer');

create function pg_temp.detail_of(p_sql text) returns jsonb language plpgsql as $$
declare v_detail text;
begin
    execute p_sql;
    return null;
exception when sqlstate 'BL001' then
    get stacked diagnostics v_detail = pg_exception_detail;
    return v_detail::jsonb;
end $$;

-- ===== acting as the application role =====================================================
set local role beamline_app;
select tests.row_counts() as before \gset
select throws_ok($$ select beamline.set_quota('t1', 'alice', 1000000) $$, 'BL001', null, 'tenant admin cannot raise max_policies to the maximum');
select throws_ok($$ select beamline.set_quota('t1', 'alice', 11) $$, 'BL001', null, 'tenant admin cannot raise max_policies above the default ceiling');
select throws_ok($$ select beamline.set_quota('t1', 'alice', null, 10000) $$, 'BL001', null, 'tenant admin cannot raise max_rules');
select throws_ok($$ select beamline.set_quota('t1', 'alice', null, null, 1000) $$, 'BL001', null, 'tenant admin cannot raise max_providers');
select throws_ok($$ select beamline.set_quota('t1', 'alice', 5, 10000) $$, 'BL001', null, 'one raise in a call refuses the whole call');
select throws_ok($$ select beamline.set_quota('t1', 'gview', 1000) $$, 'BL001', null, 'a global user without quota:manage cannot raise');
select throws_ok($$ select beamline.set_quota('t1', 'zed', 5) $$, 'BL001', null, 'an admin of another tenant cannot set it');
select is(tests.row_counts(), :'before'::jsonb, 'the refused quota changes wrote nothing');
select is(pg_temp.detail_of($$ select beamline.set_quota('t1', 'alice', 11) $$),
          '{"tenant": "global", "actor": "alice", "permission": "quota:manage", "quota": "max_policies", "ceiling": 10, "requested": 11}'::jsonb,
          'BL001 detail names the permission needed in global and the ceiling');

select is((select row(q.max_policies, q.max_rules_per_policy)::text from beamline.set_quota('t1', 'alice', 3, 20) q),
          '(3,20)', 'tenant admin may lower its limits');
select is((select q.max_policies from beamline.set_quota('t1', 'alice', 10) q), 10, 'and raise them back up to the ceiling');
select throws_ok($$ select beamline.set_quota('t1', 'alice', null, 51) $$, 'BL001', null, 'but not past it');

select is((select row(q.max_policies, q.max_rules_per_policy, q.max_providers_per_policy)::text from beamline.set_quota('t1', 'plat', 1000, 500, 100) q),
          '(1000,500,100)', 'the platform (quota:manage in global) raises a tenant');
select is((select q.max_policies from beamline.set_quota('t1', 'alice', 400) q), 400, 'the tenant may move within the raised ceiling');
select is((select q.max_policies from beamline.set_quota('t1', 'alice', 1000) q), 1000, 'up to it');
select throws_ok($$ select beamline.set_quota('t1', 'alice', 1001) $$, 'BL001', null, 'not past the raised ceiling');
select is((select row(q.max_policies, q.platform_max_policies, q.platform_max_rules_per_policy, q.platform_max_providers_per_policy)::text
             from beamline.get_quota('t1', 'alice') q),
          '(1000,1000,500,100)', 'get_quota shows the tenant its ceilings');
select is((select row(q.platform_max_policies, q.platform_max_rules_per_policy, q.platform_max_providers_per_policy)::text
             from beamline.get_quota('t2', 'zed') q),
          '(10,50,20)', 'a tenant nobody raised has the default ceilings');
select is((select q.max_policies from beamline.set_quota('t1', 'plat', 5) q), 5, 'the platform lowers a tenant');
select throws_ok($$ select beamline.set_quota('t1', 'alice', 10) $$, 'BL001', null, 'a ceiling the platform lowered holds for the tenant, even below the default');
reset role;

-- ===== the table keeps the invariant too ===================================================
select throws_ok($$ update beamline.tenant_quotas set max_policies = 6 where tenant_id = 't1' $$,
                 '23514', null, 'a limit above its ceiling is refused by the table');
select is((select row(q.max_policies, q.platform_max_policies)::text from beamline.tenant_quotas q where q.tenant_id = 't1'),
          '(5,5)', 'limit and ceiling as the platform left them');

select * from finish();
rollback;
