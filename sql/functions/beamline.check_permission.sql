-- check_permission: may p_user do p_action in p_tenant? (SPEC §4 RBAC)
-- A question about a user, answered with a boolean; it changes nothing and needs no actor.
--   BL007  bad tenant / user id, or p_action is not a known permission
create or replace function beamline.check_permission(p_tenant text, p_user text, p_action text)
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

comment on function beamline.check_permission(text, text, text) is
    'True if p_user may do p_action (a permission such as policy:write) in p_tenant: role or extra grant, wildcards, not expired. BL007 for bad ids or unknown actions.';
