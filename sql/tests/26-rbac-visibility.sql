-- Cross-tenant visibility (issue 11, "RBAC and quotas" point 4; docs/RBAC.md "Who may see
-- what"). The application passes the actor; the database answers a question about a user only
-- to that user or to an actor with rbac:manage in the user's tenant.
-- Cases (as the application role): check_permission about another user needs rbac:manage in
-- that tenant (BL001 for an admin of another tenant, for a viewer of the same tenant); the
-- user itself may ask (3-argument form = the user asks about itself, and 4-argument with
-- actor = user); get_user_roles of another tenant's user is BL001, one's own grant in a tenant
-- one is not in is empty; bad actor id BL007. changes_since: entries carry exactly the key
-- fields (never a role, permission, expiry or document); only the application role may call
-- it (not the read-only role, not PUBLIC).
begin;
select plan(16);

select tests.bootstrap('t1', 'alice');
select tests.bootstrap('t2', 'zed');
select tests.grant('t1', 'vera', 'viewer');
select tests.grant('t2', 'bob', 'operator', '["audit:write"]', now() + interval '1 day');

-- ===== acting as the application role =====================================================
set local role beamline_app;
select throws_ok($$ select beamline.check_permission('t2', 'bob', 'policy:write', 'alice') $$,
                 'BL001', null, 'an admin of t1 cannot ask about a user of t2');
select throws_ok($$ select beamline.check_permission('t1', 'alice', 'rbac:manage', 'vera') $$,
                 'BL001', null, 'a viewer cannot ask about another user of its own tenant');
select throws_ok($$ select beamline.check_permission('t1', 'alice', 'rbac:manage', 'x''y') $$,
                 'BL007', null, 'a bad actor id is BL007');
select is(beamline.check_permission('t2', 'bob', 'policy:write', 'zed'), true, 'the tenant''s rbac:manage holder may ask');
select is(beamline.check_permission('t1', 'vera', 'policy:write', 'vera'), false, 'a user may ask about itself');
select is(beamline.check_permission('t1', 'vera', 'policy:read'), true, 'the 3-argument form is the user asking about itself');
select is(beamline.check_permission('t2', 'alice', 'policy:read', 'alice'), false, 'asking about oneself in another tenant reveals only one''s own (absent) rights');

select throws_ok($$ select * from beamline.get_user_roles('t2', 'bob', 'alice') $$,
                 'BL001', null, 'get_user_roles: an admin of t1 cannot read a grant of t2');
select is_empty($$ select * from beamline.get_user_roles('t2', 'alice', 'alice') $$,
                'get_user_roles: one''s own grant in a tenant one is not in is empty');

-- the change feed: keys only
select beamline.assign_role('t1', 'carl', 'operator', 'alice', '["policy:delete"]', now() + interval '2 days');
select is((select count(*)::int from beamline.changes_since(0) c, jsonb_array_elements(c.changes) e
            where (select array_agg(k order by k) from jsonb_object_keys(e) k)
                  <> array['change_id', 'changed_at', 'kind', 'object_id', 'op', 'tenant_id', 'version', 'xid']),
          0, 'every change entry has exactly the key fields');
select ok((select c.changes::text from beamline.changes_since(0) c) !~ '(operator|viewer|policy:delete|audit:write|expires)',
          'no role, permission or expiry in the feed');
reset role;

select function_privs_are('beamline', 'changes_since', array['bigint', 'integer'], 'beamline_readonly', array[]::text[],
                          'the read-only role cannot call changes_since');
select function_privs_are('beamline', 'changes_since', array['bigint', 'integer'], 'public', array[]::text[],
                          'PUBLIC cannot call changes_since');
select function_privs_are('beamline', 'check_permission', array['text', 'text', 'text', 'text'], 'public', array[]::text[],
                          'PUBLIC cannot call check_permission');
select function_privs_are('beamline', 'changes_since', array['bigint', 'integer'], 'beamline_app', array['EXECUTE'],
                          'the application role calls changes_since (its cache-invalidation feed)');
select is((select count(*)::int from pg_catalog.pg_proc p
            where p.proname = 'check_permission' and p.pronamespace = 'beamline'::regnamespace), 1,
          'one check_permission (the 3-argument form is the 4-argument one with actor = user)');

select * from finish();
rollback;
