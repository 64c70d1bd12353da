-- bootstrap_admin: make p_user the first admin of p_tenant. Owner-only (schema beamline_admin:
-- the application role cannot even see it), because no one in the tenant can grant yet.
-- Also the way back in for a locked-out tenant: allowed while the tenant has no non-expired
-- admin. Serialised per tenant with an advisory lock. Audited (ASSIGN/UPDATE, actor 'owner').
--   BL007  bad ids;  BL013  the tenant already has an admin (detail {"tenant", "admin"})
create or replace function beamline_admin.bootstrap_admin(p_tenant text, p_user text)
    returns beamline.user_roles
    volatile
    security definer
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
declare
    v_admin text;
    v_row beamline.user_roles;
begin
    perform beamline_internal.check_identifier('tenant', p_tenant, 64);
    perform beamline_internal.check_identifier('user', p_user, 128);
    perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('beamline.user_roles'), pg_catalog.hashtext(p_tenant));
    select ur.user_id into v_admin from beamline.user_roles ur
     where ur.tenant_id = p_tenant and ur.role = 'admin'
       and (ur.expires_at is null or ur.expires_at > pg_catalog.statement_timestamp())
     order by ur.user_id
     limit 1;
    if found then
        raise exception using
            errcode = 'BL013',
            message = pg_catalog.format('tenant %s already has an admin', p_tenant),
            detail = pg_catalog.json_build_object('tenant', p_tenant, 'admin', v_admin)::text,
            hint = 'Further roles are granted by the tenant''s admins with beamline.assign_role.';
    end if;
    perform pg_catalog.set_config('beamline.actor', 'owner', true);
    insert into beamline.user_roles as ur (tenant_id, user_id, role, permissions, granted_by, expires_at)
    values (p_tenant, p_user, 'admin', '[]', 'owner', null)
    on conflict (tenant_id, user_id) do update
       set role = 'admin', permissions = '[]', granted_by = 'owner', expires_at = null,
           updated_at = pg_catalog.now()
    returning ur.* into v_row;
    return v_row;
end;
$$;

comment on function beamline_admin.bootstrap_admin(text, text) is
    'Owner-only: make p_user the first admin of p_tenant (actor ''owner''). BL013 if the tenant already has a non-expired admin.';
