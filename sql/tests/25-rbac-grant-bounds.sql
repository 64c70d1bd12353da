-- RBAC grant bounds (issue 11, "RBAC and quotas" point 1): a grant an actor makes never outlives
-- or exceeds the actor's own, and nobody changes their own grant (docs/RBAC.md "Grant bounds").
-- Attacks, each as the application role, each refused with BL001 and nothing written:
--   an expiring admin removes its own expiry / extends it / re-assigns itself anything;
--   an expiring admin hands out a permanent grant / one that outlives its own;
--   laundering through a second user: the expiring admin's grantee (bounded by it) tries to
--   give the admin a permanent or longer grant;
--   a non-admin rbac:manage holder re-assigns itself (even without new permissions);
--   hand out a role / extra beyond one's own permissions (the existing no-escalation rule).
-- Allowed: an expiring admin gives grants that end no later than its own (equal included);
-- a permanent admin gives permanent grants; revoking one's own grant.
begin;
select plan(18);

select tests.bootstrap('t1', 'alice');
-- temp: an admin whose grant ends in one day (the attacker of the issue)
select tests.grant('t1', 'temp', 'admin', '[]', now() + interval '1 day');
select tests.grant('t1', 'mgr', 'viewer', '["rbac:manage"]');
select tests.grant('t1', 'mgr2', 'viewer', '["rbac:manage"]', now() + interval '2 days');

-- ===== acting as the application role =====================================================
set local role beamline_app;
select tests.row_counts() as before \gset

select throws_ok($$ select beamline.assign_role('t1', 'temp', 'admin', 'temp', '[]', null) $$,
                 'BL001', null, 'expiring admin cannot remove its own expiry');
select throws_ok($$ select beamline.assign_role('t1', 'temp', 'admin', 'temp', '[]', now() + interval '30 days') $$,
                 'BL001', null, 'expiring admin cannot extend its own expiry');
select throws_ok($$ select beamline.assign_role('t1', 'temp', 'viewer', 'temp', '[]', now() + interval '1 hour') $$,
                 'BL001', null, 'nobody re-assigns their own grant, not even a smaller one');
select throws_ok($$ select beamline.assign_role('t1', 'friend', 'admin', 'temp', '[]', null) $$,
                 'BL001', null, 'expiring admin cannot hand out a permanent grant');
select throws_ok($$ select beamline.assign_role('t1', 'friend', 'viewer', 'temp', '[]', now() + interval '1 day 1 minute') $$,
                 'BL001', null, 'expiring admin cannot hand out a grant that outlives its own');
select throws_ok($$ select beamline.assign_role('t1', 'vera', 'viewer', 'temp', '[]', null) $$,
                 'BL001', null, 'expiring admin cannot replace a grant with a permanent one');
select throws_ok($$ select beamline.assign_role('t1', 'mgr', 'viewer', 'mgr', '["rbac:manage"]') $$,
                 'BL001', null, 'rbac:manage holder cannot re-assign itself (same grant)');
select throws_ok($$ select beamline.assign_role('t1', 'mgr2', 'viewer', 'mgr2', '["rbac:manage"]', null) $$,
                 'BL001', null, 'expiring rbac:manage holder cannot drop its own expiry');
select throws_ok($$ select beamline.assign_role('t1', 'x', 'operator', 'mgr2', '[]', now() + interval '1 day') $$,
                 'BL001', null, 'a role beyond the actor''s own permissions is refused');
select throws_ok($$ select beamline.assign_role('t1', 'x', 'viewer', 'mgr2', '["policy:write"]', now() + interval '1 day') $$,
                 'BL001', null, 'an extra beyond the actor''s own permissions is refused');
select is(tests.row_counts(), :'before'::jsonb, 'the refused grants wrote nothing');

-- the expiry detail names the bound
do $$
declare v_detail text;
begin
    perform beamline.assign_role('t1', 'friend', 'viewer', 'temp', '[]', null);
exception when sqlstate 'BL001' then
    get stacked diagnostics v_detail = pg_exception_detail;
    perform set_config('tests.detail', v_detail, true);
end $$;
select is(current_setting('tests.detail')::jsonb - 'max_expires_at',
          '{"tenant": "t1", "actor": "temp", "permission": "rbac:manage"}'::jsonb,
          'BL001 detail keeps {"tenant", "actor", "permission"}');
select ok((current_setting('tests.detail')::jsonb ->> 'max_expires_at')::timestamptz
              = (select ur.expires_at from beamline.get_user_roles('t1', 'temp', 'temp') ur),
          'BL001 detail max_expires_at is the actor''s own expiry');

-- allowed: bounded by the actor's expiry (equal included)
select is((beamline.assign_role('t1', 'friend', 'admin', 'temp', '[]',
                                (select ur.expires_at from beamline.get_user_roles('t1', 'temp', 'temp') ur))).user_id::text,
          'friend', 'expiring admin may give a grant ending when its own ends');
-- laundering: friend (bounded by temp) cannot give temp more time than friend has
select throws_ok($$ select beamline.assign_role('t1', 'temp', 'admin', 'friend', '[]', null) $$,
                 'BL001', null, 'the grantee cannot hand the expiring admin a permanent grant back');
select throws_ok($$ select beamline.assign_role('t1', 'temp', 'admin', 'friend', '[]', now() + interval '2 days') $$,
                 'BL001', null, 'the grantee cannot extend the expiring admin beyond its own expiry');
select is((beamline.assign_role('t1', 'perm', 'operator', 'alice', '[]', null)).expires_at, null,
          'a permanent admin gives permanent grants');
select is((beamline.revoke_role('t1', 'mgr', 'mgr')).user_id::text, 'mgr', 'an actor may revoke its own grant');
reset role;

select * from finish();
rollback;
