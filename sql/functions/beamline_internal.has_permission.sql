-- has_permission: the single place where grants are evaluated. True when the user has a
-- non-expired grant in the tenant whose role (beamline.role_permissions) or explicit extra
-- permissions (user_roles.permissions) contain the permission itself, its namespace
-- wildcard ('policy:*' for 'policy:read') or '*'. Arguments are assumed valid (callers check).
-- Tenants are isolated: only the row of (p_tenant, p_user) is consulted.
create or replace function beamline_internal.has_permission(p_tenant text, p_user text, p_permission text)
    returns boolean
    stable
    parallel safe
    set search_path = ''
    language sql
as $$
    select exists (
        select 1
          from beamline.user_roles ur
         where ur.tenant_id = p_tenant
           and ur.user_id = p_user
           and (ur.expires_at is null or ur.expires_at > pg_catalog.now())
           and (ur.permissions ?| array[p_permission, pg_catalog.split_part(p_permission, ':', 1) || ':*', '*']
                or exists (select 1
                             from beamline.role_permissions rp
                            where rp.role = ur.role
                              and rp.permission in (p_permission, pg_catalog.split_part(p_permission, ':', 1) || ':*', '*'))))
$$;

comment on function beamline_internal.has_permission(text, text, text) is
    'True if p_user holds p_permission in p_tenant (role grant or extra permission, wildcards policy:* and *, not expired). No argument checks.';
