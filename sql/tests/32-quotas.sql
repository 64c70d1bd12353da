-- Quotas (SPEC §4): get_quota, set_quota, get_usage, and their enforcement in put_policy /
-- activate_policy. Cases: defaults (equal to the column defaults); set_quota keeps NULL values;
-- max_policies counts active policies (deactivate frees a slot, activate takes one);
-- max_rules_per_policy and max_providers_per_policy; BL003 detail; BL007 for negative, absurd
-- and NULL values and bad ids; BL001 without quota:manage / across tenants; nothing written.
begin;
select plan(30);

select beamline_admin.register_default_schema('policy/default', '{"type": "object"}')
 where not exists (select 1 from beamline.json_schemas s where s.name = 'policy/default');
select tests.bootstrap('t1', 'alice');
select tests.grant('t1', 'olga', 'operator');
select tests.bootstrap('t2', 'zed');

create function pg_temp.detail_of(p_sql text) returns jsonb language plpgsql as $$
declare v_detail text;
begin
    execute p_sql;
    return null;
exception when others then
    get stacked diagnostics v_detail = pg_exception_detail;
    return v_detail::jsonb;
end $$;

select is((beamline_internal.quota_of('nobody')).max_policies::text,
          (select pg_get_expr(d.adbin, d.adrelid) from pg_attrdef d join pg_attribute a on a.attrelid = d.adrelid and a.attnum = d.adnum
            where d.adrelid = 'beamline.tenant_quotas'::regclass and a.attname = 'max_policies'), 'quota_of default max_policies = column default');
select is((beamline_internal.quota_of('nobody')).max_rules_per_policy::text,
          (select pg_get_expr(d.adbin, d.adrelid) from pg_attrdef d join pg_attribute a on a.attrelid = d.adrelid and a.attnum = d.adnum
            where d.adrelid = 'beamline.tenant_quotas'::regclass and a.attname = 'max_rules_per_policy'), 'quota_of default max_rules = column default');
select is((beamline_internal.quota_of('nobody')).max_providers_per_policy::text,
          (select pg_get_expr(d.adbin, d.adrelid) from pg_attrdef d join pg_attribute a on a.attrelid = d.adrelid and a.attnum = d.adnum
            where d.adrelid = 'beamline.tenant_quotas'::regclass and a.attname = 'max_providers_per_policy'), 'quota_of default max_providers = column default');

set local role beamline_app;
select is((select row(q.max_policies, q.max_rules_per_policy, q.max_providers_per_policy, q.is_default, q.active_policies)::text from beamline.get_quota('t1', 'olga') q),
          '(10,50,20,t,0)', 'get_quota: the defaults, flagged is_default, with usage');
select is((select row(q.max_policies, q.max_rules_per_policy, q.max_providers_per_policy, q.is_default)::text from beamline.set_quota('t1', 'alice', 2) q),
          '(2,50,20,f)', 'set_quota sets max_policies and keeps the rest');
select is((select row(q.max_policies, q.max_rules_per_policy, q.max_providers_per_policy)::text from beamline.set_quota('t1', 'alice', null, 2, 3) q),
          '(2,2,3)', 'set_quota with NULL max_policies keeps it');

reset role;  -- the app role has no TEMP on the toolkit's database
create temp table docs as select
  '{"providers":[{"id":"a","weight":1}],"rules":[]}'::jsonb as small,
  '{"providers":[{"id":"a","weight":1}],"rules":[{"id":"r1","match":{},"route":["a"]},{"id":"r2","match":{},"route":["a"]},{"id":"r3","match":{},"route":["a"]}]}'::jsonb as many_rules,
  '{"providers":[{"id":"a","weight":1},{"id":"b","weight":1},{"id":"c","weight":1},{"id":"d","weight":1}],"rules":[]}'::jsonb as many_providers;
grant select on docs to public;
set local role beamline_app;

select lives_ok($$select beamline.put_policy('t1', 'p1', (select small from docs), 'olga')$$, 'policy 1 of 2');
select lives_ok($$select beamline.put_policy('t1', 'p2', (select small from docs), 'olga')$$, 'policy 2 of 2');
select throws_ok($$select beamline.put_policy('t1', 'p3', (select small from docs), 'olga')$$, 'BL003', null, 'policy 3 of 2: BL003');
select is(pg_temp.detail_of($$select beamline.put_policy('t1', 'p3', (select small from docs), 'olga')$$), '{"quota": "max_policies", "limit": 2, "requested": 3}', 'BL003 detail');
select lives_ok($$select beamline.put_policy('t1', 'p2', (select small from docs), 'olga')$$, 'a new version of an existing policy needs no slot');
select lives_ok($$select beamline.deactivate_policy('t1', 'p1', 'olga')$$, 'deactivating frees a slot');
select lives_ok($$select beamline.put_policy('t1', 'p3', (select small from docs), 'olga')$$, 'so policy 3 fits');
select throws_ok($$select beamline.activate_policy('t1', 'p1', 1, 'olga')$$, 'BL003', null, 'reactivating p1 would be policy 3 of 2: BL003');
select throws_ok($$select beamline.put_policy('t1', 'p2', (select many_rules from docs), 'olga')$$, 'BL003', null, '3 rules with max_rules 2: BL003');
select throws_ok($$select beamline.put_policy('t1', 'p2', (select many_providers from docs), 'olga')$$, 'BL003', null, '4 providers with max_providers 3: BL003');
select is((select row(u.active_policies, u.total_versions, u.max_rules_in_active, u.max_providers_in_active)::text from beamline.get_usage('t1', 'olga') u),
          '(2,4,0,1)', 'get_usage: active policies, versions, largest rule/provider counts');
select is((select q.active_policies from beamline.get_quota('t1', 'olga') q), 2, 'get_quota reports active_policies');

reset role;
create temp table before_counts as select tests.row_counts() as c;
grant select on before_counts to public;
set local role beamline_app;
select throws_ok(pg_catalog.format('select beamline.set_quota(%L, %L, %s, %s, %s)', t, a, mp, mr, mv), code, null, 'set_quota rejects ' || label)
  from (values ('t1', 'alice', '-1', 'null', 'null', 'BL007', 'negative max_policies'),
               ('t1', 'alice', '1000001', 'null', 'null', 'BL007', 'absurd max_policies'),
               ('t1', 'alice', 'null', '-5', 'null', 'BL007', 'negative max_rules'),
               ('t1', 'alice', 'null', '10001', 'null', 'BL007', 'absurd max_rules'),
               ('t1', 'alice', 'null', 'null', '1001', 'BL007', 'absurd max_providers'),
               ('t1', 'alice', 'null', 'null', 'null', 'BL007', 'nothing to set'),
               ('t''1', 'alice', '5', 'null', 'null', 'BL007', 'a quote in the tenant'),
               ('t1', 'olga', '5', 'null', 'null', 'BL001', 'an operator (no quota:manage)'),
               ('t1', 'zed', '5', 'null', 'null', 'BL001', 'an admin of another tenant')) v(t, a, mp, mr, mv, code, label);
select throws_ok($$select beamline.get_quota('t1', 'zed')$$, 'BL001', null, 'get_quota across tenants: BL001');
select throws_ok($$select beamline.get_usage('t1', null)$$, 'BL007', null, 'get_usage: actor NULL');
reset role;
select is(tests.row_counts(), (select c from before_counts), 'rejected quota calls wrote nothing');

select * from finish();
rollback;
