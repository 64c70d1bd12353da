-- get_user_roles: p_user's grant in p_tenant with its effective permissions. Users may read
-- their own grant; reading someone else's needs rbac:manage. No grant = no rows.
--   BL007  bad ids;  BL001  actor is neither the user nor holds rbac:manage
create or replace function beamline.get_user_roles(p_tenant text, p_user text, p_actor text)
    returns table (
        tenant_id text,
        user_id text,
        role text,
        permissions jsonb,
        effective_permissions text[],
        granted_by text,
        created_at timestamptz,
        updated_at timestamptz,
        expires_at timestamptz,
        is_expired boolean)
    stable
    security definer
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
begin
    perform beamline_internal.check_identifier('tenant', p_tenant, 64);
    perform beamline_internal.check_identifier('user', p_user, 128);
    perform beamline_internal.check_identifier('actor', p_actor, 128);
    if p_actor is distinct from p_user then
        perform beamline_internal.require_permission(p_tenant, p_actor, 'rbac:manage');
    end if;
    return query
        select ur.tenant_id::text, ur.user_id::text, ur.role::text, ur.permissions,
               case when ur.expires_at is not null and ur.expires_at <= pg_catalog.statement_timestamp()
                    then array[]::text[]
                    else array(select g from (select rp.permission::text as g from beamline.role_permissions rp
                                               where rp.role = ur.role
                                              union
                                              select e from pg_catalog.jsonb_array_elements_text(ur.permissions) e) s
                                order by g)
               end,
               ur.granted_by::text, ur.created_at, ur.updated_at, ur.expires_at,
               coalesce(ur.expires_at <= pg_catalog.statement_timestamp(), false)
          from beamline.user_roles ur
         where ur.tenant_id = p_tenant and ur.user_id = p_user;
end;
$$;

comment on function beamline.get_user_roles(text, text, text) is
    'p_user''s grant in p_tenant (role, extras, effective permissions, expiry); empty if none. Own grant always readable, others need rbac:manage.';
