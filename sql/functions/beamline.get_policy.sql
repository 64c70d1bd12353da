-- get_policy: the active version of a policy, or the given version (active or not).
--   BL007 bad ids / version < 1;  BL001 actor lacks policy:read;  BL002 no such (active) version
create or replace function beamline.get_policy(
    p_tenant text,
    p_policy_id text,
    p_actor text,
    p_version integer default null)
    returns beamline.policies
    stable
    security definer
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
declare
    v_row beamline.policies;
begin
    -- Hot path (bench/README.md): valid ids pass with one test, then ONE query checks the
    -- permission (has_permission, inlined as a one-time filter) and fetches the row. Anything
    -- else takes the checks in their documented order for the precise error.
    if p_tenant is null or p_policy_id is null or p_actor is null
       or not (pg_catalog.length(p_tenant) <= 64 and p_tenant ~ '^[A-Za-z0-9][A-Za-z0-9._:@+-]*$'
               and pg_catalog.length(p_policy_id) <= 128 and p_policy_id ~ '^[A-Za-z0-9][A-Za-z0-9._:@+-]*$'
               and pg_catalog.length(p_actor) <= 128 and p_actor ~ '^[A-Za-z0-9][A-Za-z0-9._:@+-]*$')
       or p_version < 1 then
        perform beamline_internal.check_identifier('policy_id', p_policy_id, 128);
        if p_version < 1 then
            perform beamline_internal.policy_bad_input('version', 'must be >= 1');
        end if;
        perform beamline_internal.require_permission(p_tenant, p_actor, 'policy:read');
    end if;
    if p_version is null then
        select p.* into v_row from beamline.policies p
         where p.tenant_id = p_tenant and p.policy_id = p_policy_id and p.is_active
           and (select h.allowed from beamline_internal.has_permission(p_tenant, p_actor, 'policy:read') h);
    else
        select p.* into v_row from beamline.policies p
         where p.tenant_id = p_tenant and p.policy_id = p_policy_id and p.version = p_version
           and (select h.allowed from beamline_internal.has_permission(p_tenant, p_actor, 'policy:read') h);
    end if;
    if not found then
        -- denied (BL001 / BL007 from require_permission) or really absent (BL002)
        perform beamline_internal.require_permission(p_tenant, p_actor, 'policy:read');
        perform beamline_internal.policy_not_found(p_tenant, p_policy_id, p_version);
    end if;
    -- as require_permission does on success: the actor of this transaction
    perform pg_catalog.set_config('beamline.actor', p_actor, true);
    return v_row;
end;
$$;

comment on function beamline.get_policy(text, text, text, integer) is
    'The active version of a policy, or version p_version (policy:read). BL002 when there is none.';
