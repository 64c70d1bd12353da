-- revoke_role: remove p_user's grant in p_tenant. Needs rbac:manage, and (unless the grant has
-- already expired) the actor must hold everything the grant gives. An actor may revoke its own
-- grant. Audited as REVOKE.
-- Serialised with the user's writes: every write's permission check holds the user's grant
-- FOR SHARE until it commits (require_permission), so the FOR UPDATE below waits for writes in
-- flight, and no write of the user starts after it (docs/RBAC.md "Revocation").
--   BL007  bad ids
--   BL001  actor lacks rbac:manage or a permission of the grant
--   BL002  the user has no grant in the tenant (detail {"tenant", "user"})
create or replace function beamline.revoke_role(p_tenant text, p_user text, p_actor text)
    returns beamline.user_roles
    volatile
    security definer
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
declare
    v_old beamline.user_roles;
begin
    perform beamline_internal.check_identifier('user', p_user, 128);
    perform beamline_internal.check_identifier('tenant', p_tenant, 64);
    -- Lock order as assign_role: tenant lock, then the actor's grant (require_permission, FOR
    -- SHARE), then the target grant (FOR UPDATE: waits for the target's in-flight writes).
    perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('beamline.user_roles'), pg_catalog.hashtext(p_tenant));
    perform beamline_internal.require_permission(p_tenant, p_actor, 'rbac:manage');
    select * into v_old from beamline.user_roles ur
     where ur.tenant_id = p_tenant and ur.user_id = p_user
       for update;
    if not found then
        raise exception using
            errcode = 'BL002',
            message = pg_catalog.format('no role for user %s in tenant %s', p_user, p_tenant),
            detail = pg_catalog.json_build_object('tenant', p_tenant, 'user', p_user)::text,
            hint = 'beamline.get_user_roles shows a user''s grant.';
    end if;
    if v_old.expires_at is null or v_old.expires_at > pg_catalog.statement_timestamp() then
        perform beamline_internal.require_grantable(p_tenant, p_actor, v_old.role, v_old.permissions);
    end if;
    delete from beamline.user_roles ur where ur.id = v_old.id;
    return v_old;
end;
$$;

comment on function beamline.revoke_role(text, text, text) is
    'Remove p_user''s grant in p_tenant (rbac:manage; the actor must hold what the grant gives). BL002 if there is none. Returns the removed row.';
