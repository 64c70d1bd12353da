-- Revocation guard (issue 11, "RBAC and quotas" point 2; docs/RBAC.md "Revocation"), from the
-- catalog so functions added later are covered: a write must check its actor through
-- beamline_internal.require_permission (which locks the actor's grant FOR SHARE for non-:read
-- permissions) or, if it evaluates beamline_internal.has_permission itself, lock the grant
-- FOR SHARE first (put_policy's fast path). The behaviour is proven with real connections in
-- tests/integration/test_rbac_revoke_race.py.
-- Cases: every volatile function of beamline / devstate that calls has_permission also takes
-- FOR SHARE on user_roles; require_permission locks before it evaluates; the read permissions
-- (the ones that skip the lock) are exactly the ':read' ones.
begin;
select plan(3);

select is(array_agg(p.oid::regprocedure::text order by 1), null,
          'every volatile API function that evaluates has_permission itself locks the grant FOR SHARE (offenders listed)')
  from pg_catalog.pg_proc p
 where p.pronamespace in ('beamline'::regnamespace, 'devstate'::regnamespace)
   and p.provolatile = 'v'
   and p.prosrc ~ 'has_permission\('
   and not (p.prosrc ~* 'from\s+beamline\.user_roles\s+ur\s+where\s+ur\.tenant_id\s*=\s*\S+\s+and\s+ur\.user_id\s*=\s*p_actor\s+for\s+share'
            and pg_catalog.strpos(p.prosrc, 'for share') < pg_catalog.strpos(p.prosrc, 'has_permission('));

select ok((select pg_catalog.strpos(p.prosrc, 'for share') between 1 and pg_catalog.strpos(p.prosrc, 'has_permission(')
             from pg_catalog.pg_proc p
            where p.oid = 'beamline_internal.require_permission(text,text,text)'::regprocedure),
          'require_permission locks the grant before it evaluates it');

select is(array(select k.permission::text from beamline.permissions k where k.permission like '%:read' order by 1),
          array['audit:read', 'policy:read', 'state:read'],
          'the lock-free permissions are the read ones only');

select * from finish();
rollback;
