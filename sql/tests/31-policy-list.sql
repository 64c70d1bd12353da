-- list_policies (SPEC §4): filters, keyset pagination, and the GIN index for containment.
-- Cases: default lists active versions in (policy_id, version) order; pages of 2 joined by
-- next_cursor give every row once; contains / active false / active null / updated_since;
-- EXPLAIN of the exact query text shows policies_data_gin for a containment filter;
-- BL007 for bad filters, limits and cursors; BL001 for another tenant's admin.
begin;
select plan(23);

select beamline_admin.register_default_schema('policy/default', '{"type": "object"}')
 where not exists (select 1 from beamline.json_schemas s where s.name = 'policy/default');
select tests.bootstrap('t1', 'alice');
select tests.bootstrap('t2', 'zed');
select tests.grant('global', 'platform', 'viewer', '["quota:manage"]');  -- raising is the platform's (34-quota-platform)
select beamline.set_quota('t1', 'platform', 100);
select beamline.put_policy('t1', 'p' || i, jsonb_build_object(
         'providers', jsonb_build_array(jsonb_build_object('id', 'prov' || i, 'weight', 10)),
         'rules', jsonb_build_array(jsonb_build_object('id', 'r1', 'match', jsonb_build_object('model', '*'), 'route', jsonb_build_array('prov' || i)))),
       'alice')
  from generate_series(1, 5) i;
select beamline.put_policy('t1', 'p3', '{"providers":[{"id":"x","weight":1}],"rules":[],"metadata":{"team":"red"}}', 'alice');

set local role beamline_app;
select is((select array_agg(l.policy_id || ':' || l.version order by l.policy_id) from beamline.list_policies('t1', 'alice') l),
          array['p1:1', 'p2:1', 'p3:2', 'p4:1', 'p5:1'], 'default: the active version of every policy');
select is((select array_agg(l.policy_id::text) from beamline.list_policies('t1', 'alice', '{}', 2) l), array['p1', 'p2'], 'page 1 (limit 2)');
select is((select array_agg(l.policy_id::text) from beamline.list_policies('t1', 'alice', '{}', 2,
             (select l.next_cursor from beamline.list_policies('t1', 'alice', '{}', 2) l order by l.policy_id desc limit 1)) l),
          array['p3', 'p4'], 'page 2 follows the cursor of the last row of page 1');
select is((select array_agg(l.policy_id::text) from beamline.list_policies('t1', 'alice', '{}', 2,
             (select l.next_cursor from beamline.list_policies('t1', 'alice', '{}', 4) l order by l.policy_id desc limit 1)) l),
          array['p5'], 'the last page is shorter than the limit');
select is((select array_agg(l.policy_id::text) from beamline.list_policies('t1', 'alice', '{"contains": {"metadata": {"team": "red"}}}') l),
          array['p3'], 'contains filters by JSONB containment');
select is((select array_agg(l.policy_id || ':' || l.version) from beamline.list_policies('t1', 'alice', '{"active": false}') l),
          array['p3:1'], 'active false: inactive versions only');
select is((select count(*)::int from beamline.list_policies('t1', 'alice', '{"active": null}') l), 6, 'active null: every version');
select is((select count(*)::int from beamline.list_policies('t1', 'alice', '{"updated_since": "2999-01-01T00:00:00Z"}') l), 0, 'updated_since in the future: nothing');
select is((select count(*)::int from beamline.list_policies('t1', 'alice', '{"updated_since": "2000-01-01T00:00:00Z"}') l), 5, 'updated_since in the past: everything active');

select throws_ok(pg_catalog.format('select * from beamline.list_policies(%L, %L, %L::jsonb, %s, %L)', 't1', 'alice', f, l, c), 'BL007', null, 'list_policies rejects ' || label)
  from (values ('[]', '50', null, 'filters that are not an object'),
               ('{"owner": "x"}', '50', null, 'an unknown filter'),
               ('{"contains": [1]}', '50', null, 'contains that is not an object'),
               ('{"active": "yes"}', '50', null, 'active that is not a boolean or null'),
               ('{"updated_since": "yesterday-ish"}', '50', null, 'an unparsable updated_since'),
               ('{"updated_since": 5}', '50', null, 'a numeric updated_since'),
               ('{}', '0', null, 'limit 0'),
               ('{}', '1001', null, 'limit 1001'),
               ('{}', 'null', null, 'limit NULL'),
               ('{}', '50', 'not-a-cursor', 'a garbage cursor'),
               ('{}', '50', 'WyJ4Il0=', 'a cursor of the wrong shape')) v(f, l, c, label);
select throws_ok($$select * from beamline.list_policies('t1', 'zed')$$, 'BL001', null, 'an admin of t2 cannot list t1');
select throws_ok($$select * from beamline.list_policies('t;1', 'alice')$$, 'BL007', null, 'a bad tenant id: BL007');
reset role;

-- The GIN index serves containment: EXPLAIN the exact query text list_policies executes,
-- over enough rows that an index matters.
select set_config('beamline.actor', 'tests', true);
insert into beamline.policies (tenant_id, policy_id, data, created_by, updated_by)
select 't1', 'bulk' || g, jsonb_build_object('providers', jsonb_build_array(jsonb_build_object('id', 'prov' || g, 'weight', 1)), 'rules', '[]'::jsonb),
       'tests', 'tests'
  from generate_series(1, 5000) g;
analyze beamline.policies;
create function pg_temp.plan_of(p_sql text, p_contains jsonb) returns text language plpgsql as $$
declare v_line text; v_plan text := '';
begin
    for v_line in execute 'explain ' || p_sql using 't1'::text, p_contains, null::timestamptz, null::text, null::integer, 50 loop
        v_plan := v_plan || v_line || E'\n';
    end loop;
    return v_plan;
end $$;
select matches(pg_temp.plan_of(beamline_internal.policy_list_sql(true, true, false, false), '{"providers": [{"id": "prov4242"}]}'),
               'policies_data_gin', 'EXPLAIN: a contains filter uses the GIN index policies_data_gin');

select * from finish();
rollback;
