-- Policy API (SPEC §4): put_policy, get_policy, policy_history, activate_policy,
-- deactivate_policy, delete_policy, and the immutability of versions.
-- Cases: create / new version / CAS (BL005) / one active version; get by default and by version;
-- history; rollback (activate) and no-op activate; deactivate and delete semantics (history
-- stays, audit DELETE, re-create with next version); BL007 for every bad argument (empty,
-- too long, quote, semicolon, unicode, NULL, wrong JSON type, negative numbers); BL001 for
-- viewer / operator / other tenant; BL009 document limits; BL004 schema and semantic checks with
-- JSON-pointer paths; BL011 for UPDATE / DELETE / TRUNCATE of versions; rejected calls write
-- nothing (tests.row_counts); every API function is SECURITY DEFINER with search_path = pg_catalog, pg_temp.
begin;
select plan(87);

-- A permissive default schema only if the migrator did not load the shipped one.
select beamline_admin.register_default_schema('policy/default', '{"type": "object"}')
 where not exists (select 1 from beamline.json_schemas s where s.name = 'policy/default');

create function pg_temp.detail_of(p_sql text) returns jsonb language plpgsql as $$
declare v_detail text;
begin
    execute p_sql;
    return null;
exception when others then
    get stacked diagnostics v_detail = pg_exception_detail;
    return v_detail::jsonb;
end $$;

select tests.bootstrap('t1', 'alice');
select tests.grant('t1', 'bob', 'viewer');
select tests.grant('t1', 'olga', 'operator');
select tests.bootstrap('t2', 'zed');

create temp table doc as select
  '{"providers":[{"id":"openai","weight":70},{"id":"anthropic","weight":30}],"rules":[{"id":"r1","match":{"model":"gpt-4*"},"route":["openai"],"priority":10}],"fallback":{"provider":"anthropic"}}'::jsonb as d1,
  '{"providers":[{"id":"openai","weight":100}],"rules":[{"id":"r1","match":{"model":"*"},"route":["openai"]}]}'::jsonb as d2;
grant select on doc to public;

-- ===== as the application role =====
set local role beamline_app;

-- happy path -------------------------------------------------------------------------------
select is((select row(p.version, p.is_active, p.created_by)::text from beamline.put_policy('t1', 'p1', (select d1 from doc), 'alice') p),
          '(1,t,alice)', 'put_policy creates version 1, active, created_by the actor');
select is((select row(p.version, p.is_active)::text from beamline.put_policy('t1', 'p1', (select d2 from doc), 'olga', 1) p),
          '(2,t)', 'put_policy with expected_version = latest writes version 2 (operator may write)');
select is(current_setting('beamline.audit_intent', true), '', 'the SUPERSEDE intent covered put_policy''s own flip only: cleared right after it');
select is((select p.data from beamline.get_policy('t1', 'p1', 'bob') p), (select d2 from doc), 'get_policy returns the active version (viewer may read)');
select is((select p.data from beamline.get_policy('t1', 'p1', 'bob', 1) p), (select d1 from doc), 'get_policy with a version returns that version');
select is((select p.is_active from beamline.get_policy('t1', 'p1', 'bob', 1) p), false, 'the superseded version is inactive');
select is((select array_agg(p.version order by p.version) from beamline.policy_history('t1', 'p1', 'bob') p), array[1, 2], 'policy_history lists every version, oldest first');
select is((select p.version from beamline.put_policy('t1', 'p2', (select d1 from doc), 'alice', 0) p), 1, 'expected_version 0 creates a new policy');

-- rollback -----------------------------------------------------------------------------------
select is((select row(p.version, p.is_active)::text from beamline.activate_policy('t1', 'p1', 1, 'olga') p), '(1,t)', 'activate_policy rolls back to version 1');
select is((select p.version from beamline.get_policy('t1', 'p1', 'bob') p), 1, 'the rolled-back version is the active one');
select is((select p.version from beamline.activate_policy('t1', 'p1', 1, 'olga') p), 1, 'activating the active version is a no-op');
select is((select p.version from beamline.put_policy('t1', 'p1', (select d1 from doc), 'alice', 2) p), 3, 'after a rollback the next version is latest + 1');

-- deactivate / delete ------------------------------------------------------------------------
select is((select p.version from beamline.deactivate_policy('t1', 'p1', 'olga') p), 3, 'deactivate_policy returns the version it deactivated');
select throws_ok($$select beamline.get_policy('t1', 'p1', 'bob')$$, 'BL002', null, 'a deactivated policy has no active version (BL002)');
select throws_ok($$select beamline.deactivate_policy('t1', 'p1', 'olga')$$, 'BL002', null, 'deactivating again: BL002');
select is((select p.version from beamline.activate_policy('t1', 'p1', 3, 'olga') p), 3, 'activate_policy brings a deactivated policy back');
select throws_ok($$select beamline.delete_policy('t1', 'p1', 'olga')$$, 'BL001', null, 'an operator lacks policy:delete');
select is((select p.version from beamline.delete_policy('t1', 'p1', 'alice') p), 3, 'delete_policy by an admin');
select throws_ok($$select beamline.get_policy('t1', 'p1', 'bob')$$, 'BL002', null, 'a deleted policy is not found');
select is((select count(*)::int from beamline.policy_history('t1', 'p1', 'bob')), 3, 'history stays after delete');
select is((select p.data from beamline.get_policy('t1', 'p1', 'bob', 2) p), (select d2 from doc), 'old versions stay readable after delete');
select throws_ok($$select beamline.delete_policy('t1', 'p1', 'alice')$$, 'BL002', null, 'deleting twice: BL002');
select is((select p.version from beamline.put_policy('t1', 'p1', (select d2 from doc), 'alice') p), 4, 'put_policy re-creates a deleted policy with the next version');
reset role;
select is((select count(*)::int from beamline.policy_audit_log a where a.policy_id = 'p1' and a.action = 'DELETE'), 1, 'the delete is audited as DELETE');
select is((select count(*)::int from beamline.policies p where p.tenant_id = 't1' and p.policy_id = 'p1' and p.is_active), 1, 'exactly one active version');
set local role beamline_app;

-- compare-and-set ------------------------------------------------------------------------------
select throws_ok($$select beamline.put_policy('t1', 'p1', (select d1 from doc), 'alice', 3)$$, 'BL005', null, 'stale expected_version: BL005');
select throws_ok($$select beamline.put_policy('t1', 'p1', (select d1 from doc), 'alice', 0)$$, 'BL005', null, 'expected_version 0 on an existing policy: BL005');
select is(pg_temp.detail_of($$select beamline.put_policy('t1', 'p1', (select d1 from doc), 'alice', 3)$$), '{"expected": 3, "actual": 4}', 'BL005 detail names expected and actual');

-- permissions ---------------------------------------------------------------------------------
select throws_ok($$select beamline.put_policy('t1', 'p9', (select d1 from doc), 'bob')$$, 'BL001', null, 'a viewer cannot write');
select throws_ok($$select beamline.put_policy('t1', 'p9', (select d1 from doc), 'nobody')$$, 'BL001', null, 'an unknown actor cannot write');
select throws_ok($$select beamline.get_policy('t1', 'p2', 'zed')$$, 'BL001', null, 'an admin of t2 cannot read t1');
select throws_ok($$select beamline.policy_history('t1', 'p2', 'zed')$$, 'BL001', null, 'nor its history');
select throws_ok($$select beamline.activate_policy('t1', 'p2', 1, 'bob')$$, 'BL001', null, 'a viewer cannot activate');
select throws_ok($$select beamline.deactivate_policy('t1', 'p2', 'bob')$$, 'BL001', null, 'a viewer cannot deactivate');
select throws_ok($$select beamline.delete_policy('t1', 'p2', 'zed')$$, 'BL001', null, 'an admin of t2 cannot delete in t1');

-- bad input: nothing written ---------------------------------------------------------------------
reset role;
create temp table before_counts as select tests.row_counts() as c;
grant select on before_counts to public;
set local role beamline_app;

select throws_ok(pg_catalog.format('select beamline.put_policy(%L, %L, (select d1 from doc), %L)', t, p, a), 'BL007', null, 'put_policy rejects ' || label)
  from (values ('', 'p9', 'alice', 'an empty tenant'),
               (repeat('t', 65), 'p9', 'alice', 'a 65-character tenant'),
               ('t1', repeat('p', 129), 'alice', 'a 129-character policy id'),
               ('t1', 'p''9', 'alice', 'a quote in the policy id'),
               ('t1', 'p9;drop table x', 'alice', 'a semicolon in the policy id'),
               ('t1', 'pé', 'alice', 'unicode in the policy id'),
               ('t1', ' p9', 'alice', 'a leading space'),
               ('t1', 'p9', 'al ice', 'a bad actor')) v(t, p, a, label);
select throws_ok($$select beamline.put_policy(null, 'p9', (select d1 from doc), 'alice')$$, 'BL007', null, 'put_policy: tenant NULL');
select throws_ok($$select beamline.put_policy('t1', null, (select d1 from doc), 'alice')$$, 'BL007', null, 'put_policy: policy id NULL');
select throws_ok($$select beamline.put_policy('t1', 'p9', null, 'alice')$$, 'BL007', null, 'put_policy: data NULL');
select throws_ok($$select beamline.put_policy('t1', 'p9', (select d1 from doc), null)$$, 'BL007', null, 'put_policy: actor NULL');
select throws_ok($$select beamline.put_policy('t1', 'p9', '[1, 2]', 'alice')$$, 'BL007', null, 'put_policy: data is an array');
select throws_ok($$select beamline.put_policy('t1', 'p9', '"x"', 'alice')$$, 'BL007', null, 'put_policy: data is a string');
select throws_ok($$select beamline.put_policy('t1', 'p9', (select d1 from doc), 'alice', -1)$$, 'BL007', null, 'put_policy: negative expected_version');
select throws_ok($$select beamline.get_policy(null, 'p2', 'bob')$$, 'BL007', null, 'get_policy: tenant NULL');
select throws_ok($$select beamline.get_policy('t1', null, 'bob')$$, 'BL007', null, 'get_policy: policy NULL');
select throws_ok($$select beamline.get_policy('t1', 'p2', null)$$, 'BL007', null, 'get_policy: actor NULL');
select throws_ok($$select beamline.get_policy('t1', 'p2', 'bob', 0)$$, 'BL007', null, 'get_policy: version 0');
select throws_ok($$select beamline.get_policy('t1', 'p2', 'bob', 99)$$, 'BL002', null, 'get_policy: no such version');
select throws_ok($$select beamline.get_policy('t1', 'nope', 'bob')$$, 'BL002', null, 'get_policy: no such policy');
select throws_ok($$select beamline.policy_history('t1', 'nope', 'bob')$$, 'BL002', null, 'policy_history: no such policy');
select throws_ok($$select beamline.policy_history('t1', null, 'bob')$$, 'BL007', null, 'policy_history: policy NULL');
select throws_ok($$select beamline.activate_policy('t1', 'p2', null, 'alice')$$, 'BL007', null, 'activate_policy: version NULL');
select throws_ok($$select beamline.activate_policy('t1', 'p2', 0, 'alice')$$, 'BL007', null, 'activate_policy: version 0');
select throws_ok($$select beamline.activate_policy('t1', 'p2', 7, 'alice')$$, 'BL002', null, 'activate_policy: no such version');
select throws_ok($$select beamline.activate_policy(null, 'p2', 1, 'alice')$$, 'BL007', null, 'activate_policy: tenant NULL');
select throws_ok($$select beamline.deactivate_policy('t1', null, 'alice')$$, 'BL007', null, 'deactivate_policy: policy NULL');
select throws_ok($$select beamline.deactivate_policy('t1', 'nope', 'alice')$$, 'BL002', null, 'deactivate_policy: no such policy');
select throws_ok($$select beamline.delete_policy('t1', 'p2', null)$$, 'BL007', null, 'delete_policy: actor NULL');
select throws_ok($$select beamline.delete_policy('t1', 'nope', 'alice')$$, 'BL002', null, 'delete_policy: no such policy');

-- validation ---------------------------------------------------------------------------------
select throws_ok($$select beamline.put_policy('t1', 'p9', '{"providers": "x", "rules": []}', 'alice')$$, 'BL004', null, 'wrong JSON type for providers: BL004');
select throws_ok($$select beamline.put_policy('t1', 'p9', '{"providers":[{"id":"a","weight":1}],"rules":[{"id":"r1","match":{},"route":["a","ghost"]}]}', 'alice')$$,
                 'BL004', null, 'a rule routing to an undefined provider: BL004');
select is(pg_temp.detail_of($$select beamline.put_policy('t1', 'p9', '{"providers":[{"id":"a","weight":1}],"rules":[{"id":"r1","match":{},"route":["a","ghost"]}]}', 'alice')$$),
          '[{"path": "/rules/0/route/1", "keyword": "providerRef", "message": "route to provider ghost, which this policy does not define"}]', 'the semantic error names its JSON pointer');
select is(pg_temp.detail_of($$select beamline.put_policy('t1', 'p9', '{"providers":[{"id":"a","weight":1},{"id":"a","weight":2}],"rules":[{"id":"r","match":{},"route":["a"]},{"id":"r","match":{},"route":["a"]}]}', 'alice')$$)
          @? '$[*] ? (@.keyword == "uniqueProviderId" && @.path == "/providers/1/id")', true, 'duplicate provider ids are reported');
select is(pg_temp.detail_of($$select beamline.put_policy('t1', 'p9', '{"providers":[{"id":"a","weight":1}],"rules":[{"id":"r","match":{},"route":["a"]},{"id":"r","match":{},"route":["a"]}]}', 'alice')$$),
          '[{"path": "/rules/1/id", "keyword": "uniqueRuleId", "message": "duplicate rule id r"}]', 'duplicate rule ids are reported');
select is(pg_temp.detail_of($$select beamline.put_policy('t1', 'p9', '{"providers":[{"id":"a","weight":0},{"id":"b","weight":0}],"rules":[]}', 'alice')$$),
          '[{"path": "/providers", "keyword": "weight", "message": "at least one provider needs a weight above 0"}]', 'all-zero weights are rejected');
select is(pg_temp.detail_of($$select beamline.put_policy('t1', 'p9', '{"providers":[{"id":"a","weight":5}],"rules":[],"fallback":{"provider":"b"}}', 'alice')$$) -> 0 ->> 'path',
          '/fallback/provider', 'a fallback to an undefined provider is rejected');
select throws_ok($$select beamline.put_policy('t1', 'p9', '{"providers":[{"id":"a","weight":500}],"rules":[]}', 'alice')$$, 'BL004', null, 'weight above 100: BL004');
reset role;
select beamline_admin.set_setting('max_document_depth', '3') is not null as limit_set \gset
set local role beamline_app;
select throws_ok($$select beamline.put_policy('t1', 'p9', '{"providers":[{"id":"a","weight":1,"metadata":{"x":{"y":[1]}}}],"rules":[]}', 'alice')$$, 'BL009', null, 'a document over the depth limit: BL009');
reset role;
select beamline_admin.set_setting('max_document_depth', '32') is not null as limit_set \gset
set local role beamline_app;

reset role;
select is(jsonb_array_length(beamline_internal.policy_semantic_errors('{"providers":[{"id":"a","weight":-1},{"id":"b","weight":"x"}],"rules":{}}')), 4,
          'semantic checks: negative weight, string weight, no routable provider, rules not an array');
select is(beamline_internal.policy_semantic_errors((select d1 from doc)), '[]', 'the SPEC example policy is sound');
select is(tests.row_counts(), (select c from before_counts), 'rejected calls wrote nothing');

-- immutability -------------------------------------------------------------------------------
select throws_ok($$update beamline.policies set data = '{}' where policy_id = 'p2'$$, 'BL011', null, 'changing data of a version: BL011 (even for the owner/superuser)');
select throws_ok($$update beamline.policies set version = 9 where policy_id = 'p2'$$, 'BL011', null, 'changing the version number: BL011');
select throws_ok($$update beamline.policies set created_at = created_at - interval '1 day' where policy_id = 'p2'$$, 'BL011', null, 'changing created_at: BL011');
select lives_ok($$update beamline.policies set data = data, created_by = created_by where policy_id = 'p2'$$, 'assigning an immutable column its own value is not a change');
select throws_ok($$delete from beamline.policies where policy_id = 'p2'$$, 'BL011', null, 'deleting a version: BL011');
select throws_ok($$truncate beamline.policies cascade$$, 'BL011', null, 'truncating versions: BL011');
select lives_ok($$select set_config('beamline.actor', 'tests', true); update beamline.policies set updated_by = 'tests' where policy_id = 'p2'$$, 'updated_by / is_active may change');

-- catalog ------------------------------------------------------------------------------------
select is(array_agg(p.proname::text order by p.proname) filter (where not p.prosecdef or p.proconfig is distinct from array['search_path=pg_catalog, pg_temp']), null,
          'every policy/quota API function is SECURITY DEFINER with search_path = pg_catalog, pg_temp')
  from pg_proc p
 where p.pronamespace = 'beamline'::regnamespace
   and p.proname in ('put_policy', 'get_policy', 'list_policies', 'delete_policy', 'activate_policy', 'deactivate_policy',
                     'policy_history', 'get_quota', 'set_quota', 'get_usage', 'changes_since', 'current_watermark');
select is(count(*)::int, 12, 'all twelve functions exist')
  from pg_proc p
 where p.pronamespace = 'beamline'::regnamespace
   and p.proname in ('put_policy', 'get_policy', 'list_policies', 'delete_policy', 'activate_policy', 'deactivate_policy',
                     'policy_history', 'get_quota', 'set_quota', 'get_usage', 'changes_since', 'current_watermark');

select * from finish();
rollback;
