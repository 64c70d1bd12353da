-- RBAC (SPEC §4): identifiers, the permission catalog, check_permission, require_permission,
-- set_actor, assign_role / revoke_role / get_user_roles, owner-only bootstrap_admin.
-- Cases: check_identifier accepts tokens, rejects NULL / empty / over-long / quotes / ; / space /
-- unicode (BL007); set_actor records beamline.actor; role matrix (admin *, operator, viewer);
-- operator lacks policy:delete; extras and wildcards (policy:*, *); expiry = no access at all;
-- tenants isolated; unknown permission BL007; require_permission BL001 with JSON detail;
-- assign (insert + re-assign), revoke, get_user_roles (self, other needs rbac:manage);
-- escalation refused (BL001); bad role / permissions / expiry BL007 with nothing written;
-- revoke of a missing grant BL002; bootstrap as owner, BL013 twice, 42501 for the app role.
begin;
select plan(96);

select tests.bootstrap('t1', 'alice');
select tests.grant('t1', 'oscar', 'operator');
select tests.grant('t1', 'vera', 'viewer');
select tests.grant('t1', 'eve', 'viewer', '["policy:*", "quota:manage"]');
select tests.grant('t1', 'old', 'admin', '[]', now() - interval '1 second');
select tests.grant('t1', 'star', 'viewer', '["*"]');
select tests.bootstrap('t2', 'bob');

-- check_identifier ------------------------------------------------------------------------
select lives_ok($$ select beamline_internal.check_identifier('tenant', 'acme-1.eu_west:2@x+y', 64) $$, 'token accepted');
select lives_ok($$ select beamline_internal.check_identifier('tenant', repeat('a', 64), 64) $$, 'exactly max length accepted');
select throws_ok($$ select beamline_internal.check_identifier('tenant', null, 64) $$, 'BL007', null, 'NULL id: BL007');
select throws_ok($$ select beamline_internal.check_identifier('tenant', '', 64) $$, 'BL007', null, 'empty id: BL007');
select throws_ok($$ select beamline_internal.check_identifier('tenant', repeat('a', 65), 64) $$, 'BL007', null, 'over-long id: BL007');
select throws_ok($$ select beamline_internal.check_identifier('user', 'a''b', 128) $$, 'BL007', null, 'quote: BL007');
select throws_ok($$ select beamline_internal.check_identifier('user', 'a;drop', 128) $$, 'BL007', null, 'semicolon: BL007');
select throws_ok($$ select beamline_internal.check_identifier('user', 'a b', 128) $$, 'BL007', null, 'space: BL007');
select throws_ok($$ select beamline_internal.check_identifier('user', 'zoë', 128) $$, 'BL007', null, 'unicode: BL007');
select throws_ok($$ select beamline_internal.check_identifier('user', '-lead', 128) $$, 'BL007', null, 'leading punctuation: BL007');
select throws_ok($$ select beamline_internal.check_identifier('user', E'a\nb', 128) $$, 'BL007', null, 'newline: BL007');
do $$
declare v_detail text;
begin
    perform beamline_internal.check_identifier('tenant', 'a"b', 64);
exception when sqlstate 'BL007' then
    get stacked diagnostics v_detail = pg_exception_detail;
    perform set_config('tests.detail', v_detail, true);
end $$;
select is(current_setting('tests.detail')::jsonb ->> 'argument', 'tenant', 'BL007 detail names the argument');
select ok(current_setting('tests.detail')::jsonb ? 'reason', 'BL007 detail has a reason');

-- set_actor -------------------------------------------------------------------------------
select lives_ok($$ select beamline_internal.set_actor('svc:router') $$, 'set_actor accepts a valid actor');
select is(current_setting('beamline.actor'), 'svc:router', 'set_actor records beamline.actor');
select throws_ok($$ select beamline_internal.set_actor(null) $$, 'BL007', null, 'set_actor(NULL): BL007');
select throws_ok($$ select beamline_internal.set_actor('x''--') $$, 'BL007', null, 'set_actor(quoted): BL007');

-- the role matrix ---------------------------------------------------------------------------
select is(beamline.check_permission('t1', 'alice', p.permission), true, 'admin has ' || p.permission)
  from beamline.permissions p order by p.permission;  -- 12 tests
select is(array(select p.permission from beamline.permissions p
                 where beamline.check_permission('t1', 'oscar', p.permission) order by 1),
          array['audit:read', 'history:append', 'policy:read', 'policy:write', 'state:read', 'state:write']::varchar[],
          'operator: policy read/write, audit:read, state read/write, history:append');
select is(beamline.check_permission('t1', 'oscar', 'policy:delete'), false, 'operator lacks policy:delete');
select is(array(select p.permission from beamline.permissions p
                 where beamline.check_permission('t1', 'vera', p.permission) order by 1),
          array['audit:read', 'policy:read', 'state:read']::varchar[], 'viewer: policy:read, audit:read, state:read');
select is(beamline.check_permission('t1', 'eve', 'policy:delete'), true, 'wildcard extra policy:* grants policy:delete');
select is(beamline.check_permission('t1', 'eve', 'quota:manage'), true, 'explicit extra quota:manage');
select is(beamline.check_permission('t1', 'eve', 'rbac:manage'), false, 'extras do not leak into other namespaces');
select is(beamline.check_permission('t1', 'star', 'schema:manage'), true, 'extra * grants everything');
select is(beamline.check_permission('t1', 'old', 'policy:read'), false, 'expired admin has no access at all');
select is(beamline.check_permission('t1', 'nobody', 'policy:read'), false, 'unknown user: false');
select is(beamline.check_permission('t2', 'alice', 'policy:read'), false, 'admin of t1 has nothing in t2');
select is(beamline.check_permission('t2', 'bob', 'rbac:manage'), true, 'admin of t2 in t2');
select throws_ok($$ select beamline.check_permission('t1', 'alice', 'policy:fly') $$, 'BL007', null, 'unknown action: BL007');
select throws_ok($$ select beamline.check_permission('t1', 'alice', 'policy:*') $$, 'BL007', null, 'a wildcard is not an action: BL007');
select throws_ok($$ select beamline.check_permission(null, 'alice', 'policy:read') $$, 'BL007', null, 'check_permission NULL tenant: BL007');
select throws_ok($$ select beamline.check_permission('t1', null, 'policy:read') $$, 'BL007', null, 'check_permission NULL user: BL007');
select throws_ok($$ select beamline.check_permission('t1', 'alice', null) $$, 'BL007', null, 'check_permission NULL action: BL007');

-- require_permission ------------------------------------------------------------------------
select lives_ok($$ select beamline_internal.require_permission('t1', 'oscar', 'policy:write') $$, 'require_permission passes when allowed');
select is(current_setting('beamline.actor'), 'oscar', 'require_permission records the actor');
select throws_ok($$ select beamline_internal.require_permission('t1', 'vera', 'policy:write') $$, 'BL001', null, 'viewer cannot write: BL001');
select throws_ok($$ select beamline_internal.require_permission('t1', 'oscar', 'bogus:perm') $$, 'BL007', null, 'unknown permission: BL007');
select throws_ok($$ select beamline_internal.require_permission('t1', null, 'policy:read') $$, 'BL007', null, 'NULL actor: BL007');
do $$
declare v_detail text;
begin
    perform beamline_internal.require_permission('t2', 'alice', 'policy:read');
exception when sqlstate 'BL001' then
    get stacked diagnostics v_detail = pg_exception_detail;
    perform set_config('tests.detail', v_detail, true);
end $$;
select is(current_setting('tests.detail')::jsonb, '{"tenant": "t2", "actor": "alice", "permission": "policy:read"}'::jsonb,
          'BL001 detail is {"tenant", "actor", "permission"}');

-- ===== acting as the application role =====================================================
set local role beamline_app;

select is((beamline.assign_role('t1', 'carl', 'operator', 'alice', '["audit:write", "audit:write"]')).role::text, 'operator', 'assign_role creates a grant');
select is((select permissions from beamline.get_user_roles('t1', 'carl', 'alice')), '["audit:write"]'::jsonb, 'extras stored de-duplicated');
select is(beamline.check_permission('t1', 'carl', 'audit:write'), true, 'assigned extra is effective');
select is((beamline.assign_role('t1', 'carl', 'viewer', 'alice', '[]', now() + interval '1 day')).role::text, 'viewer', 're-assign replaces the grant');
select is((select role || '/' || (expires_at is not null)::text from beamline.get_user_roles('t1', 'carl', 'carl')), 'viewer/true', 'a user reads their own grant');
select is((select effective_permissions from beamline.get_user_roles('t1', 'carl', 'carl')), array['audit:read', 'policy:read', 'state:read'], 'effective permissions listed');
select is((select is_expired from beamline.get_user_roles('t1', 'old', 'alice')), true, 'get_user_roles flags expired grants');
select is((select effective_permissions from beamline.get_user_roles('t1', 'old', 'alice')), array[]::text[], 'expired grant: no effective permissions');
select is_empty($$ select * from beamline.get_user_roles('t1', 'nobody', 'alice') $$, 'no grant: no rows');
select throws_ok($$ select * from beamline.get_user_roles('t1', 'alice', 'vera') $$, 'BL001', null, 'reading another user''s grant needs rbac:manage');
select throws_ok($$ select * from beamline.get_user_roles('t1', 'alice', null) $$, 'BL007', null, 'get_user_roles NULL actor: BL007');
select throws_ok($$ select * from beamline.get_user_roles('t1', null, 'alice') $$, 'BL007', null, 'get_user_roles NULL user: BL007');
select throws_ok($$ select * from beamline.get_user_roles(null, 'alice', 'alice') $$, 'BL007', null, 'get_user_roles NULL tenant: BL007');

select tests.row_counts() as before \gset
select throws_ok($$ select beamline.assign_role('t1', 'zed', 'root', 'alice') $$, 'BL007', null, 'unknown role: BL007');
select throws_ok($$ select beamline.assign_role('t1', 'zed', null, 'alice') $$, 'BL007', null, 'NULL role: BL007');
select throws_ok($$ select beamline.assign_role('t1', 'zed', 'viewer', 'alice', '["policy:fly"]') $$, 'BL007', null, 'unknown extra permission: BL007');
select throws_ok($$ select beamline.assign_role('t1', 'zed', 'viewer', 'alice', '{"a": 1}') $$, 'BL007', null, 'permissions not an array: BL007');
select throws_ok($$ select beamline.assign_role('t1', 'zed', 'viewer', 'alice', '[1]') $$, 'BL007', null, 'permissions with a number: BL007');
select throws_ok($$ select beamline.assign_role('t1', 'zed', 'viewer', 'alice', null) $$, 'BL007', null, 'NULL permissions: BL007');
select throws_ok($$ select beamline.assign_role('t1', 'zed', 'viewer', 'alice', '[]', now() - interval '1 minute') $$, 'BL007', null, 'expiry in the past: BL007');
select throws_ok($$ select beamline.assign_role('t1', 'z''ed', 'viewer', 'alice') $$, 'BL007', null, 'quoted user id: BL007');
select throws_ok($$ select beamline.assign_role('t1', 'zed', 'viewer', null) $$, 'BL007', null, 'NULL actor: BL007');
select throws_ok($$ select beamline.assign_role(null, 'zed', 'viewer', 'alice') $$, 'BL007', null, 'NULL tenant: BL007');
select throws_ok($$ select beamline.assign_role('t1', 'zed', 'viewer', 'vera') $$, 'BL001', null, 'viewer cannot assign: BL001');
select throws_ok($$ select beamline.assign_role('t2', 'zed', 'viewer', 'alice') $$, 'BL001', null, 'admin of t1 cannot assign in t2: BL001');
select throws_ok($$ select beamline.assign_role('t1', 'zed', 'viewer', 'old') $$, 'BL001', null, 'expired admin cannot assign: BL001');
select throws_ok($$ select beamline.revoke_role('t1', 'nobody', 'alice') $$, 'BL002', null, 'revoking a missing grant: BL002');
select throws_ok($$ select beamline.revoke_role('t1', 'vera', 'oscar') $$, 'BL001', null, 'operator cannot revoke: BL001');
select throws_ok($$ select beamline.revoke_role(null, 'vera', 'alice') $$, 'BL007', null, 'revoke NULL tenant: BL007');
select throws_ok($$ select beamline.revoke_role('t1', null, 'alice') $$, 'BL007', null, 'revoke NULL user: BL007');
select throws_ok($$ select beamline.revoke_role('t1', 'vera', null) $$, 'BL007', null, 'revoke NULL actor: BL007');
select is(tests.row_counts(), :'before'::jsonb, 'rejected calls wrote nothing');

-- escalation: rbac:manage alone does not let you hand out more than you hold
reset role;
select tests.grant('t1', 'mgr', 'viewer', '["rbac:manage"]');
set local role beamline_app;
select lives_ok($$ select beamline.assign_role('t1', 'v2', 'viewer', 'mgr') $$, 'rbac:manage viewer may assign viewer');
select throws_ok($$ select beamline.assign_role('t1', 'mgr', 'admin', 'mgr') $$, 'BL001', null, 'cannot make oneself admin');
select throws_ok($$ select beamline.assign_role('t1', 'v3', 'operator', 'mgr') $$, 'BL001', null, 'cannot assign a role with permissions one lacks');
select throws_ok($$ select beamline.assign_role('t1', 'v3', 'viewer', 'mgr', '["*"]') $$, 'BL001', null, 'cannot grant * without holding it');
select throws_ok($$ select beamline.revoke_role('t1', 'alice', 'mgr') $$, 'BL001', null, 'cannot revoke an admin without being one');
select is((beamline.revoke_role('t1', 'v2', 'mgr')).user_id::text, 'v2', 'revoke_role removes the grant and returns it');
select is(beamline.check_permission('t1', 'v2', 'policy:read'), false, 'revoked user has no access');

-- bootstrap is owner-only: the app role cannot even reach it
select throws_ok($$ select beamline_admin.bootstrap_admin('t9', 'mallory') $$, '42501', null, 'app role calling bootstrap_admin: 42501');
select throws_ok($$ select beamline_internal.require_permission('t1', 'alice', 'policy:read') $$, '42501', null, 'app role calling an internal function: 42501');
reset role;
-- ===== back to the test runner (superuser) ================================================

-- ===== acting as the owner role ===========================================================
set local role beamline_owner;
select is((beamline_admin.bootstrap_admin('t3', 'root')).role::text, 'admin', 'owner bootstraps a new tenant');
select throws_ok($$ select beamline_admin.bootstrap_admin('t3', 'other') $$, 'BL013', null, 'second bootstrap: BL013');
select throws_ok($$ select beamline_admin.bootstrap_admin('t3', null) $$, 'BL007', null, 'bootstrap NULL user: BL007');
select throws_ok($$ select beamline_admin.bootstrap_admin(repeat('t', 65), 'root') $$, 'BL007', null, 'bootstrap over-long tenant: BL007');
reset role;

select * from finish();
rollback;
