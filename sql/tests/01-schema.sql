-- Schema of SPEC §3: every table exists with its keys, NOT NULLs, defaults and indexes, and
-- every constraint rejects what it should.
-- Cases: schemas and pgcrypto placement; tables; primary keys; not-null columns; unique keys
-- (policies version, one active version, user_roles, tenant_quotas, history hmac/hmac_prev,
-- lock scope); check constraints (id formats, version >= 1, JSON types, roles, quota ranges,
-- audit target/action, state singleton, hmac format, lease expiry); indexes.
begin;
select plan(89);

-- schemas ---------------------------------------------------------------------------------
select has_schema('beamline');
select has_schema('beamline_internal');
select has_schema('beamline_admin');
select has_schema('devstate');
select is((select extnamespace::regnamespace::text from pg_extension where extname = 'pgcrypto'),
          'beamline_ext', 'pgcrypto lives in beamline_ext, not public');

-- tables and keys -------------------------------------------------------------------------
select has_table('beamline', 'policies', 'policies exists');
select has_table('beamline', 'policy_audit_log', 'policy_audit_log exists');
select has_table('beamline', 'user_roles', 'user_roles exists');
select has_table('beamline', 'tenant_quotas', 'tenant_quotas exists');
select has_table('devstate', 'state_current', 'state_current exists');
select has_table('devstate', 'history_entries', 'history_entries exists');
select has_table('devstate', 'locks', 'locks exists');

select col_is_pk('beamline', 'policies', 'id', 'policies pk is id');
select col_is_pk('beamline', 'policy_audit_log', array['id', 'timestamp'], 'audit pk is (id, timestamp): a partitioned table''s keys include the partition key');
select col_is_pk('beamline', 'user_roles', 'id', 'user_roles pk is id');
select col_is_pk('beamline', 'tenant_quotas', 'id', 'tenant_quotas pk is id');
select col_is_pk('devstate', 'state_current', 'id', 'state_current pk is id');
select col_is_pk('devstate', 'history_entries', 'id', 'history pk is id');
select col_is_pk('devstate', 'locks', 'lock_id', 'locks pk is lock_id');

select col_type_is('beamline', 'policies', 'id', 'uuid', 'policies.id is uuid');
select col_type_is('beamline', 'policies', 'tenant_id', 'character varying(64)', 'tenant_id varchar(64)');
select col_type_is('beamline', 'policies', 'policy_id', 'character varying(128)', 'policy_id varchar(128)');
select col_type_is('beamline', 'policies', 'data', 'jsonb', 'data is jsonb');
select col_type_is('devstate', 'history_entries', 'id', 'bigint', 'history id is bigint (bigserial)');
select col_default_is('beamline', 'policies', 'version', '1', 'version defaults to 1');
select col_default_is('beamline', 'policies', 'is_active', 'true', 'is_active defaults to true');
select col_default_is('beamline', 'user_roles', 'permissions', '[]'::text, 'permissions default []');
select col_default_is('beamline', 'tenant_quotas', 'max_policies', '10', 'max_policies default 10');
select col_default_is('beamline', 'tenant_quotas', 'max_rules_per_policy', '50', 'max_rules default 50');
select col_default_is('beamline', 'tenant_quotas', 'max_providers_per_policy', '20', 'max_providers default 20');

select col_not_null('beamline', 'policies', c, 'policies.' || c || ' not null')
  from unnest(array['tenant_id', 'policy_id', 'version', 'is_active', 'data', 'created_at',
                    'updated_at', 'created_by', 'updated_by']) c;
select col_not_null('beamline', 'policy_audit_log', c, 'audit.' || c || ' not null')
  from unnest(array['tenant_id', 'action', 'actor', 'metadata', 'timestamp']) c;
select col_not_null('beamline', 'user_roles', c, 'user_roles.' || c || ' not null')
  from unnest(array['tenant_id', 'user_id', 'role', 'permissions', 'created_at']) c;
select col_not_null('devstate', 'state_current', c, 'state_current.' || c || ' not null')
  from unnest(array['json', 'checksum', 'updated_at']) c;
select col_not_null('devstate', 'history_entries', c, 'history.' || c || ' not null')
  from unnest(array['ts', 'actor', 'action', 'hmac_prev', 'hmac', 'key_id', 'metadata']) c;

select has_index('beamline', 'policies', 'policies_data_gin', 'GIN index on data');
select has_index('beamline', 'policies', 'policies_active_uniq', 'partial index (tenant, policy) where active');
select has_index('beamline', 'policies', 'policies_tenant_active_idx', 'partial index (tenant) where active');
select index_is_unique('beamline', 'policies', 'policies_active_uniq', 'one active version per policy');
select has_index('devstate', 'history_entries', 'history_entries_ts_idx', 'history index on ts');
select has_index('devstate', 'history_entries', 'history_entries_actor_idx', 'history index on actor');
select has_index('devstate', 'history_entries', 'history_entries_action_idx', 'history index on action');

-- constraints reject what they should (as the owner, below the API) ----------------------
set local session_replication_role = replica;  -- constraints only: no API triggers here
set local role beamline_owner;

insert into beamline.policies (tenant_id, policy_id, data, created_by, updated_by)
values ('t1', 'p1', '{}', 'alice', 'alice');

select throws_ok($$insert into beamline.policies (tenant_id, policy_id, data, created_by, updated_by)
                  values ('t1', 'p1', '{}', 'a', 'a')$$, '23505', null,
                 'a second active row for one policy is rejected (one active version)');
select throws_ok($$insert into beamline.policies (tenant_id, policy_id, version, is_active, data, created_by, updated_by)
                  values ('t1', 'p1', 1, false, '{}', 'a', 'a')$$, '23505', null,
                 'a duplicate (tenant, policy, version) is rejected');
select lives_ok($$insert into beamline.policies (tenant_id, policy_id, version, is_active, data, created_by, updated_by)
                  values ('t1', 'p1', 2, false, '{}', 'a', 'a')$$, 'an inactive second version is fine');
select throws_ok($$insert into beamline.policies (tenant_id, policy_id, version, data, created_by, updated_by)
                  values ('t1', 'p2', 0, '{}', 'a', 'a')$$, '23514', null, 'version 0 is rejected');
select throws_ok($$insert into beamline.policies (tenant_id, policy_id, data, created_by, updated_by)
                  values ('t1', 'p3', '[1]', 'a', 'a')$$, '23514', null, 'a non-object document is rejected');
select throws_ok($$insert into beamline.policies (tenant_id, policy_id, data, created_by, updated_by)
                  values ('t1''; drop', 'p4', '{}', 'a', 'a')$$, '23514', null, 'a tenant id with a quote is rejected');
select throws_ok($$insert into beamline.policies (tenant_id, policy_id, data, created_by, updated_by)
                  values ('t1', 'pé', '{}', 'a', 'a')$$, '23514', null, 'a unicode policy id is rejected');
select throws_ok($$insert into beamline.policies (tenant_id, policy_id, data, created_by, updated_by)
                  values ('t1', 'p5', null, 'a', 'a')$$, '23502', null, 'a NULL document is rejected');
select throws_ok($$insert into beamline.policies (tenant_id, policy_id, data, created_by, updated_by)
                  values (repeat('t', 65), 'p6', '{}', 'a', 'a')$$, '22001', null, 'a 65-character tenant id is rejected');

insert into beamline.user_roles (tenant_id, user_id, role, granted_by) values ('t1', 'u1', 'viewer', 'root');
select throws_ok($$insert into beamline.user_roles (tenant_id, user_id, role, granted_by)
                  values ('t1', 'u1', 'admin', 'root')$$, '23505', null, 'one role row per (tenant, user)');
select throws_ok($$insert into beamline.user_roles (tenant_id, user_id, role, granted_by)
                  values ('t1', 'u2', 'superuser', 'root')$$, '23514', null, 'an unknown role is rejected');
select throws_ok($$insert into beamline.user_roles (tenant_id, user_id, role, permissions, granted_by)
                  values ('t1', 'u3', 'viewer', '{"a":1}', 'root')$$, '23514', null, 'permissions must be an array');

insert into beamline.tenant_quotas (tenant_id) values ('t1');
select throws_ok($$insert into beamline.tenant_quotas (tenant_id) values ('t1')$$, '23505', null,
                 'one quota row per tenant');
select throws_ok($$insert into beamline.tenant_quotas (tenant_id, max_policies) values ('t2', -1)$$,
                 '23514', null, 'a negative quota is rejected');
select throws_ok($$insert into beamline.tenant_quotas (tenant_id, max_rules_per_policy) values ('t3', 1000000)$$,
                 '23514', null, 'an absurd rules quota is rejected');

select throws_ok($$insert into beamline.policy_audit_log (tenant_id, target_type, action, actor, seq, prev_hash, row_hash)
                  values ('t1', 'galaxy', 'CREATE', 'a', 1, repeat('0', 64), repeat('0', 64))$$, '23514', null, 'an unknown audit target type is rejected');
select throws_ok($$insert into beamline.policy_audit_log (tenant_id, action, actor, seq, prev_hash, row_hash)
                  values ('t1', 'drop table', 'a', 1, repeat('0', 64), repeat('0', 64))$$, '23514', null, 'an audit action must be an upper-case token');

select throws_ok($$insert into devstate.state_current (id, json, checksum) values (2, '{}', repeat('a', 64))$$,
                 '23514', null, 'state_current holds a single row (id 1)');
select throws_ok($$insert into devstate.state_current (json, checksum) values ('{}', 'not-a-sha')$$,
                 '23514', null, 'the checksum must be 64 hex characters');

insert into devstate.history_entries (actor, action, hmac_prev, hmac, key_id)
values ('a', 'init', repeat('0', 64), repeat('1', 64), 'k1');
select throws_ok($$insert into devstate.history_entries (actor, action, hmac_prev, hmac, key_id)
                  values ('a', 'fork', repeat('0', 64), repeat('2', 64), 'k1')$$, '23505', null,
                 'two entries cannot share a predecessor (no fork)');
select throws_ok($$insert into devstate.history_entries (actor, action, hmac_prev, hmac, key_id)
                  values ('a', 'x', repeat('1', 64), 'XYZ', 'k1')$$, '23514', null, 'hmac must be 64 hex characters');

insert into devstate.locks (scope, owner, expires_at) values ('s1', 'alice', now() + interval '1 minute');
select throws_ok($$insert into devstate.locks (scope, owner, expires_at) values ('s1', 'bob', now() + interval '1 minute')$$,
                 '23505', null, 'one lease per scope');
select throws_ok($$insert into devstate.locks (scope, owner, expires_at) values ('s2', 'bob', now() - interval '1 minute')$$,
                 '23514', null, 'a lease must expire after it is acquired');

select * from finish();
rollback;
