-- has_permission: the single place where grants are evaluated. True when the user has a
-- non-expired grant in the tenant whose role (beamline.role_permissions) or explicit extra
-- permissions (user_roles.permissions) contain the permission itself, its namespace
-- wildcard ('policy:*' for 'policy:read') or '*'; false otherwise; NULL when p_permission is
-- not a known permission (beamline.permissions) -- callers turn that into BL007.
-- Ids are assumed valid (callers check). Tenants are isolated: only the row of
-- (p_tenant, p_user) is consulted.
-- Expiry is checked against statement_timestamp(), the start of the caller's statement, not
-- now(): now() is the start of its transaction, which a grantee can open before its grant
-- expires and use after (tests/integration/test_rbac_expiry.py). Every grant-expiry test of the
-- RBAC functions uses the same clock.
-- Hot path of every API call, so it is a one-row table function that the planner INLINES
-- into the caller's cached plan: callers write
--     select h.allowed into v from beamline_internal.has_permission(p_tenant, p_user, p_perm) h;
-- Inlining needs: LANGUAGE sql, one SELECT, STABLE, not STRICT, no SET clause, not SECURITY
-- DEFINER. Every name is schema-qualified and pg_catalog's operators come first on any
-- search_path. (Measured: a scalar SQL function with a SET clause is planned again for every
-- calling statement -- 3x slower; a PL/pgSQL one costs a nested call and its own SPI query.)
-- An earlier revision returned a plain boolean; the return type cannot be changed in place.
do $drop$
begin
    if exists (select 1 from pg_catalog.pg_proc p
                where p.oid = pg_catalog.to_regprocedure('beamline_internal.has_permission(text,text,text)')
                  and not p.proretset) then
        drop function beamline_internal.has_permission(text, text, text);
    end if;
end
$drop$;

create or replace function beamline_internal.has_permission(p_tenant text, p_user text, p_permission text)
    returns table (allowed boolean)
    stable
    parallel safe
    rows 1
    language sql
as $$
    select case
             when not exists (select 1 from beamline.permissions k where k.permission = p_permission) then null
             else exists (
                 select 1
                   from beamline.user_roles ur
                  where ur.tenant_id = p_tenant
                    and ur.user_id = p_user
                    and (ur.expires_at is null or ur.expires_at > pg_catalog.statement_timestamp())
                    and (ur.permissions ?| array[p_permission, pg_catalog.split_part(p_permission, ':', 1) || ':*', '*']
                         or exists (select 1
                                      from beamline.role_permissions rp
                                     where rp.role = ur.role
                                       and rp.permission in (p_permission, pg_catalog.split_part(p_permission, ':', 1) || ':*', '*'))))
           end
$$;

comment on function beamline_internal.has_permission(text, text, text) is
    'True if p_user holds p_permission in p_tenant (role grant or extra permission, wildcards policy:* and *, not expired); NULL if p_permission is unknown. One row; no id checks; inlined into callers.';
