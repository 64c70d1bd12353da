-- require_permission: the actor check every API function starts with.
--   BL007  tenant / actor invalid, or p_permission is not a known permission (beamline.permissions)
--   BL001  the actor has no non-expired grant of p_permission in p_tenant
-- On success it also records the actor for the audit triggers (as set_actor does).
create or replace function beamline_internal.require_permission(p_tenant text, p_actor text, p_permission text)
    returns void
    volatile
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
declare
    v_allowed boolean;
begin
    perform beamline_internal.check_identifier('tenant', p_tenant, 64);
    perform beamline_internal.check_identifier('actor', p_actor, 128);
    select h.allowed into v_allowed from beamline_internal.has_permission(p_tenant, p_actor, p_permission) h;
    if v_allowed is null then
        raise exception using
            errcode = 'BL007',
            message = pg_catalog.format('unknown permission: %s', coalesce(p_permission, 'null')),
            detail = pg_catalog.json_build_object('argument', 'permission',
                                                  'reason', 'not a known permission')::text,
            hint = 'The known permissions are listed in beamline.permissions.';
    elsif not v_allowed then
        raise exception using
            errcode = 'BL001',
            message = pg_catalog.format('permission denied: %s lacks %s in tenant %s', p_actor, p_permission, p_tenant),
            detail = pg_catalog.json_build_object('tenant', p_tenant, 'actor', p_actor,
                                                  'permission', p_permission)::text,
            hint = 'An admin of the tenant can grant it with beamline.assign_role; grants expire at expires_at.';
    end if;
    perform pg_catalog.set_config('beamline.actor', p_actor, true);
end;
$$;

comment on function beamline_internal.require_permission(text, text, text) is
    'Raise BL001 unless p_actor holds p_permission in p_tenant (BL007 for bad ids or an unknown permission); on success record the actor in beamline.actor.';
