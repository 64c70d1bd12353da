-- require_grantable: no privilege escalation through rbac:manage. An actor may give (assign) or
-- take away (change, revoke) only what it holds itself: every permission of the role and every
-- extra permission must be held by p_actor in p_tenant (same rules as has_permission, with
-- wildcards: granting 'policy:*' needs 'policy:*' or '*', granting admin needs '*').
--   BL001  detail {"tenant", "actor", "permission"} naming the first permission the actor lacks
create or replace function beamline_internal.require_grantable(p_tenant text, p_actor text, p_role text, p_permissions jsonb)
    returns void
    stable
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
declare
    v_missing text;
begin
    -- The actor's effective grant set (role permissions + extras), when not expired; a needed
    -- entry g is held if the set contains g, g's namespace wildcard, or '*'. Wildcard entries
    -- ('policy:*', '*') are needed verbatim, so only holders of them can hand them out.
    with held as (
        select rp.permission::text as p
          from beamline.user_roles ur
          join beamline.role_permissions rp on rp.role = ur.role
         where ur.tenant_id = p_tenant and ur.user_id = p_actor
           and (ur.expires_at is null or ur.expires_at > pg_catalog.statement_timestamp())
        union
        select e.value
          from beamline.user_roles ur, pg_catalog.jsonb_array_elements_text(ur.permissions) e
         where ur.tenant_id = p_tenant and ur.user_id = p_actor
           and (ur.expires_at is null or ur.expires_at > pg_catalog.statement_timestamp()))
    select g.permission into v_missing
      from (select rp.permission::text as permission from beamline.role_permissions rp where rp.role = p_role
            union
            select e.value from pg_catalog.jsonb_array_elements_text(coalesce(p_permissions, '[]')) e) g
     where not exists (select 1 from held h
                        where h.p in (g.permission, pg_catalog.split_part(g.permission, ':', 1) || ':*', '*'))
     order by g.permission
     limit 1;
    if found then
        raise exception using
            errcode = 'BL001',
            message = pg_catalog.format('permission denied: %s cannot grant or revoke %s in tenant %s', p_actor, v_missing, p_tenant),
            detail = pg_catalog.json_build_object('tenant', p_tenant, 'actor', p_actor, 'permission', v_missing)::text,
            hint = 'An actor can only assign, change or revoke grants it holds itself; admins hold everything.';
    end if;
end;
$$;

comment on function beamline_internal.require_grantable(text, text, text, jsonb) is
    'Raise BL001 unless p_actor holds every permission of p_role and of the extra list p_permissions in p_tenant (no escalation through rbac:manage).';
