-- check_permission: may p_user do p_action in p_tenant? (SPEC §4 RBAC; docs/RBAC.md "Who may
-- see what")
-- A question about a user, asked by an actor: the user itself (p_actor null or = p_user: the
-- 3-argument form the client's permission cache uses), or an actor holding rbac:manage in
-- p_tenant (the same right that reads another user's grant with get_user_roles). So an actor
-- learns nothing about another tenant's users, nor about its own tenant's without rbac:manage.
-- Read-only and lock-free (STABLE): it never waits on a grant being revoked or used.
--   BL007  bad tenant / user / actor id, or p_action is not a known permission
--   BL001  p_actor is another user and lacks rbac:manage in p_tenant
--          (detail {"tenant", "actor", "permission": "rbac:manage"})
-- Replaced the actor-less (text, text, text) function: a 3-argument call is this one with
-- p_actor null. Drop the old one first, or a 3-argument call would be ambiguous.
do $drop$
begin
    if pg_catalog.to_regprocedure('beamline.check_permission(text,text,text)') is not null then
        drop function beamline.check_permission(text, text, text);
    end if;
end
$drop$;

create or replace function beamline.check_permission(p_tenant text, p_user text, p_action text, p_actor text default null)
    returns boolean
    stable
    security definer
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
declare
    v_allowed boolean;
begin
    -- Fast path: valid ids pass with two regex matches; anything else gets the precise BL007.
    if p_tenant is null or p_user is null
       or not (pg_catalog.length(p_tenant) <= 64 and p_tenant ~ '^[A-Za-z0-9][A-Za-z0-9._:@+-]*$'
               and pg_catalog.length(p_user) <= 128 and p_user ~ '^[A-Za-z0-9][A-Za-z0-9._:@+-]*$') then
        perform beamline_internal.check_identifier('tenant', p_tenant, 64);
        perform beamline_internal.check_identifier('user', p_user, 128);
    end if;
    if p_actor is not null and p_actor <> p_user then
        perform beamline_internal.check_identifier('actor', p_actor, 128);
        select h.allowed into v_allowed from beamline_internal.has_permission(p_tenant, p_actor, 'rbac:manage') h;
        if not v_allowed then
            raise exception using
                errcode = 'BL001',
                message = pg_catalog.format('permission denied: %s lacks rbac:manage in tenant %s (needed to ask about %s)', p_actor, p_tenant, p_user),
                detail = pg_catalog.json_build_object('tenant', p_tenant, 'actor', p_actor, 'permission', 'rbac:manage')::text,
                hint = 'A user may ask about itself; asking about another user needs rbac:manage in that user''s tenant.';
        end if;
    end if;
    select h.allowed into v_allowed from beamline_internal.has_permission(p_tenant, p_user, p_action) h;
    if v_allowed is null then
        raise exception using
            errcode = 'BL007',
            message = pg_catalog.format('unknown action: %s', coalesce(p_action, 'null')),
            detail = pg_catalog.json_build_object('argument', 'action', 'reason', 'not a known permission')::text,
            hint = 'The known permissions are listed in beamline.permissions.';
    end if;
    return v_allowed;
end;
$$;

comment on function beamline.check_permission(text, text, text, text) is
    'True if p_user may do p_action (a permission such as policy:write) in p_tenant: role or extra grant, wildcards, not expired. Asked by p_user itself (p_actor null or = p_user) or by an actor with rbac:manage in p_tenant (BL001 otherwise). BL007 for bad ids or unknown actions.';
