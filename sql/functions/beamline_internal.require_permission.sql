-- require_permission: the actor check every API function starts with.
--   BL007  tenant / actor invalid, or p_permission is not a known permission (beamline.permissions)
--   BL001  the actor has no non-expired grant of p_permission in p_tenant
-- On success it also records the actor for the audit triggers (as set_actor does).
--
-- Revocation is serialised with writes (docs/RBAC.md "Revocation"): for a permission that is
-- not a ':read' one, in a read-write transaction, the actor's grant row is locked FOR SHARE
-- BEFORE it is evaluated and stays locked until the caller's transaction ends. revoke_role and
-- assign_role change a grant under FOR UPDATE / DELETE, so
--   * a revoke that comes first makes this call wait for it, then see its result (BL001; under
--     REPEATABLE READ / SERIALIZABLE the lock raises 40001 instead) -- nothing is written;
--   * a revoke that comes second waits until the write has committed or rolled back, so its
--     audit row (clock_timestamp) follows the write's: the audit order is the real order.
-- Reads (':read' permissions) never lock: they work on hot standbys and cost nothing extra.
-- A read-only transaction skips the lock: it cannot write anything the revoke should precede
-- (and a transaction cannot become read-write after its first statement).
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
    if p_permission not like '%:read' and pg_catalog.current_setting('transaction_read_only') = 'off' then
        perform 1 from beamline.user_roles ur
         where ur.tenant_id = p_tenant and ur.user_id = p_actor
           for share;
    end if;
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
    'Raise BL001 unless p_actor holds p_permission in p_tenant (BL007 for bad ids or an unknown permission); on success record the actor in beamline.actor. For non-read permissions the actor''s grant stays locked FOR SHARE until commit (serialises with revoke_role).';
