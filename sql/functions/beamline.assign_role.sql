-- assign_role: give p_user the role p_role (plus extra permissions, optional expiry) in p_tenant,
-- replacing the user's previous grant there (one grant per user per tenant). Needs rbac:manage.
-- Grant bounds (docs/RBAC.md): a grant never exceeds or outlives its grantor's --
--   * the actor must hold everything it hands out and everything the replaced grant gave
--     (beamline_internal.require_grantable);
--   * if the actor's own grant expires, the new grant must expire too, no later than it
--     (so expiry only ever shrinks along a chain of grantors);
--   * nobody assigns their own grant (p_user = p_actor), not even a smaller one: a grant is
--     always made by someone else.
-- Audited by the user_roles trigger (ASSIGN / UPDATE).
--   BL007  bad ids, unknown role, bad permissions list, expires_at not in the future
--   BL001  actor lacks rbac:manage or a permission it tries to grant / take away; p_user is the
--          actor; the grant would outlive the actor's (detail adds "max_expires_at")
create or replace function beamline.assign_role(
    p_tenant text,
    p_user text,
    p_role text,
    p_actor text,
    p_permissions jsonb default '[]',
    p_expires_at timestamptz default null)
    returns beamline.user_roles
    volatile
    security definer
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
declare
    v_permissions jsonb;
    v_actor_expires timestamptz;
    v_old beamline.user_roles;
    v_row beamline.user_roles;
begin
    perform beamline_internal.check_identifier('user', p_user, 128);
    if p_role is null or p_role not in ('admin', 'operator', 'viewer') then
        raise exception using
            errcode = 'BL007',
            message = pg_catalog.format('unknown role: %s', coalesce(p_role, 'null')),
            detail = pg_catalog.json_build_object('argument', 'role', 'reason', 'must be admin, operator or viewer')::text,
            hint = 'Roles are admin, operator and viewer; add single permissions with p_permissions.';
    end if;
    v_permissions := beamline_internal.check_grant_list(p_permissions);
    if p_expires_at is not null and p_expires_at <= pg_catalog.statement_timestamp() then
        raise exception using
            errcode = 'BL007',
            message = 'invalid expires_at: not in the future',
            detail = pg_catalog.json_build_object('argument', 'expires_at', 'reason', 'is not in the future')::text,
            hint = 'Pass null for a grant that never expires, or revoke_role to remove access.';
    end if;
    perform beamline_internal.check_identifier('tenant', p_tenant, 64);
    perform beamline_internal.check_identifier('actor', p_actor, 128);
    if p_user = p_actor then
        raise exception using
            errcode = 'BL001',
            message = pg_catalog.format('permission denied: %s cannot assign its own grant in tenant %s', p_actor, p_tenant),
            detail = pg_catalog.json_build_object('tenant', p_tenant, 'actor', p_actor, 'permission', 'rbac:manage')::text,
            hint = 'A grant is always made by another user with rbac:manage; revoke_role may remove your own.';
    end if;

    -- Grant changes of a tenant are serialised (with revoke_role and bootstrap_admin): the row
    -- read below cannot appear or change before the upsert, so the upsert never overwrites a
    -- grant that require_grantable did not see. Taken before require_permission so the lock
    -- order is always tenant lock -> actor's grant (FOR SHARE) -> target grant (FOR UPDATE):
    -- two managers changing each other's grants cannot deadlock.
    perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('beamline.user_roles'), pg_catalog.hashtext(p_tenant));
    -- Pins the actor's grant (FOR SHARE) until commit: the bounds below hold at commit time.
    perform beamline_internal.require_permission(p_tenant, p_actor, 'rbac:manage');
    perform beamline_internal.require_grantable(p_tenant, p_actor, p_role, v_permissions);
    select ur.expires_at into v_actor_expires from beamline.user_roles ur
     where ur.tenant_id = p_tenant and ur.user_id = p_actor;
    if v_actor_expires is not null and (p_expires_at is null or p_expires_at > v_actor_expires) then
        raise exception using
            errcode = 'BL001',
            message = pg_catalog.format('permission denied: %s cannot give a grant that outlives its own (expires %s) in tenant %s',
                                        p_actor, v_actor_expires, p_tenant),
            detail = pg_catalog.json_build_object('tenant', p_tenant, 'actor', p_actor, 'permission', 'rbac:manage',
                                                  'max_expires_at', v_actor_expires)::text,
            hint = 'Pass an expires_at no later than your own grant''s; a grant without expiry needs a grantor without expiry.';
    end if;

    select * into v_old from beamline.user_roles ur
     where ur.tenant_id = p_tenant and ur.user_id = p_user
       for update;
    if found and (v_old.expires_at is null or v_old.expires_at > pg_catalog.statement_timestamp()) then
        perform beamline_internal.require_grantable(p_tenant, p_actor, v_old.role, v_old.permissions);
    end if;

    insert into beamline.user_roles as ur (tenant_id, user_id, role, permissions, granted_by, expires_at)
    values (p_tenant, p_user, p_role, v_permissions, p_actor, p_expires_at)
    on conflict (tenant_id, user_id) do update
       set role = excluded.role,
           permissions = excluded.permissions,
           granted_by = excluded.granted_by,
           expires_at = excluded.expires_at,
           updated_at = pg_catalog.now()
    returning ur.* into v_row;
    return v_row;
end;
$$;

comment on function beamline.assign_role(text, text, text, text, jsonb, timestamptz) is
    'Give p_user role p_role (admin|operator|viewer) plus extra permissions and optional expiry in p_tenant, replacing any previous grant. Needs rbac:manage; the grant never exceeds or outlives the actor''s own, and nobody assigns their own grant (BL001). Returns the grant row.';
