-- put_policy: write a new immutable version of a policy and make it the only active one
-- (SPEC §4). Steps, in order (the first failure wins, nothing is written):
--   BL007  tenant / policy id / actor invalid, data null or not an object, expected_version < 0,
--          or the transaction is not READ COMMITTED
--   BL001  actor lacks policy:write in the tenant
--   BL009  document over the size / depth limits (beamline_internal.check_document_limits)
--   BL004  fails the tenant's policy schema (or the default), then the semantic checks
--          (beamline_internal.policy_semantic_errors); detail = JSON list {path, keyword, message}
--   BL003  more rules / providers than the tenant allows; or a new active policy would pass
--          max_policies
--   BL005  p_expected_version given and not the policy's latest version number (0 = must not
--          exist yet); detail {"expected", "actual"}
-- Concurrency: per-policy advisory lock (version + CAS), plus the per-tenant lock when a policy
-- gains an active version (max_policies). The version is latest + 1 (latest over all versions,
-- active or not, so versions never repeat after a delete). The audit and change-log triggers
-- record the writes; the change log's commit trigger signals beamline_changes.
create or replace function beamline.put_policy(
    p_tenant text,
    p_policy_id text,
    p_data jsonb,
    p_actor text,
    p_expected_version integer default null)
    returns beamline.policies
    volatile
    security definer
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
declare
    v_quota    beamline.tenant_quotas;
    v_errors   jsonb;
    v_count    integer;
    v_latest   integer;
    v_active   uuid;
    v_row      beamline.policies;
    v_allowed  boolean;
    v_schema   jsonb;
    v_checksum text;
    v_predicate jsonpath;
begin
    -- Hot path (bench/README.md): valid ids pass with one test; anything else gets the precise
    -- BL007 of check_identifier, in the documented order (tenant, policy id, actor).
    if p_tenant is null or p_policy_id is null or p_actor is null
       or not (pg_catalog.length(p_tenant) <= 64 and p_tenant ~ '^[A-Za-z0-9][A-Za-z0-9._:@+-]*$'
               and pg_catalog.length(p_policy_id) <= 128 and p_policy_id ~ '^[A-Za-z0-9][A-Za-z0-9._:@+-]*$'
               and pg_catalog.length(p_actor) <= 128 and p_actor ~ '^[A-Za-z0-9][A-Za-z0-9._:@+-]*$') then
        perform beamline_internal.check_identifier('tenant', p_tenant, 64);
        perform beamline_internal.check_identifier('policy_id', p_policy_id, 128);
        perform beamline_internal.check_identifier('actor', p_actor, 128);
    end if;
    if p_data is null then
        perform beamline_internal.policy_bad_input('data', 'is null');
    elsif pg_catalog.jsonb_typeof(p_data) <> 'object' then
        perform beamline_internal.policy_bad_input('data', 'must be a JSON object');
    end if;
    if p_expected_version < 0 then
        perform beamline_internal.policy_bad_input('expected_version', 'must be >= 0 (0 = the policy must not exist yet)');
    end if;
    -- require_permission, inlined for the allowed case (has_permission is inlined into this
    -- query); any other outcome goes through require_permission for its precise BL007 / BL001.
    -- As require_permission does for writes: lock the actor's grant FOR SHARE first (held to
    -- commit), then evaluate it, so a revoke and this write serialise (docs/RBAC.md).
    perform 1 from beamline.user_roles ur
     where ur.tenant_id = p_tenant and ur.user_id = p_actor
       for share;
    select h.allowed into v_allowed from beamline_internal.has_permission(p_tenant, p_actor, 'policy:write') h;
    if v_allowed then
        perform pg_catalog.set_config('beamline.actor', p_actor, true);
    else
        perform beamline_internal.require_permission(p_tenant, p_actor, 'policy:write');
    end if;

    perform beamline_internal.check_document_limits(p_data);
    -- The schema in force (as beamline_internal.schema_for: the tenant's newest override, else
    -- the newest global version), its checksum, and the predicate of its stored fast path
    -- (as jsonschema_fast_registered looks it up, in the same query).
    select s.schema, s.checksum, f.predicate into v_schema, v_checksum, v_predicate
      from beamline.json_schemas as s
      left join beamline.json_schema_fast as f on f.checksum = s.checksum and f.root is not null
     where s.name = 'policy/default'
       and (s.tenant_id = p_tenant or s.tenant_id is null)
     order by s.tenant_id nulls last, s.version desc
     limit 1;
    if v_schema is null then
        v_schema := beamline_internal.schema_for('policy/default', p_tenant);  -- raises BL002
    end if;
    if not beamline_internal.jsonschema_fast_check(v_checksum, v_predicate, p_data) then
        -- maybe invalid, or no stored fast path: the engine decides and lists the errors
        perform beamline_internal.assert_valid(v_schema, p_data);
    end if;
    if not beamline_internal.policy_is_sound(p_data) then
        -- maybe unsound: the lister decides and names the errors
        v_errors := beamline_internal.policy_semantic_errors(p_data);
        if pg_catalog.jsonb_array_length(v_errors) > 0 then
            raise exception using
                errcode = 'BL004',
                message = pg_catalog.format('policy %s fails %s semantic check(s)', p_policy_id, pg_catalog.jsonb_array_length(v_errors)),
                detail = v_errors::text,
                hint = 'Rules may route only to providers the policy defines; rule and provider ids are unique; weights are 0..100 with one above 0.';
        end if;
    end if;

    v_quota := beamline_internal.quota_of(p_tenant);
    v_count := case when pg_catalog.jsonb_typeof(p_data -> 'rules') = 'array' then pg_catalog.jsonb_array_length(p_data -> 'rules') else 0 end;
    if v_count > v_quota.max_rules_per_policy then
        perform beamline_internal.quota_exceeded(p_tenant, 'max_rules_per_policy', v_quota.max_rules_per_policy, v_count);
    end if;
    v_count := case when pg_catalog.jsonb_typeof(p_data -> 'providers') = 'array' then pg_catalog.jsonb_array_length(p_data -> 'providers') else 0 end;
    if v_count > v_quota.max_providers_per_policy then
        perform beamline_internal.quota_exceeded(p_tenant, 'max_providers_per_policy', v_quota.max_providers_per_policy, v_count);
    end if;

    perform beamline_internal.policy_lock(p_tenant, p_policy_id);
    select (select pg_catalog.max(p.version)
              from beamline.policies p where p.tenant_id = p_tenant and p.policy_id = p_policy_id),
           (select p.id
              from beamline.policies p where p.tenant_id = p_tenant and p.policy_id = p_policy_id and p.is_active)
      into v_latest, v_active;
    if p_expected_version is not null and p_expected_version <> coalesce(v_latest, 0) then
        raise exception using
            errcode = 'BL005',
            message = pg_catalog.format('version conflict on policy %s: expected %s, latest is %s', p_policy_id, p_expected_version, coalesce(v_latest, 0)),
            detail = pg_catalog.json_build_object('expected', p_expected_version, 'actual', coalesce(v_latest, 0))::text,
            hint = 'Re-read the policy (beamline.get_policy), re-apply the change and retry with the new version.';
    end if;

    if v_active is null then
        perform beamline_internal.quota_check_active(p_tenant);
    else
        -- The audit trigger records the new version (UPDATE), not the flip; the change log
        -- records only the new version too (policies__change_log).
        -- (what audit_set_intent(p_tenant, p_policy_id, 'SUPERSEDE') sets; the ids are checked)
        perform pg_catalog.set_config('beamline.audit_intent', 'SUPERSEDE ' || p_tenant || ' ' || p_policy_id, true);
        update beamline.policies p
           set is_active = false, updated_at = pg_catalog.now(), updated_by = p_actor
         where p.id = v_active;
        perform pg_catalog.set_config('beamline.audit_intent', '', true);  -- it covered this flip only
    end if;

    insert into beamline.policies as p
           (tenant_id, policy_id, version, is_active, data, created_by, updated_by)
    values (p_tenant, p_policy_id, coalesce(v_latest, 0) + 1, true, p_data, p_actor, p_actor)
    returning p.* into v_row;
    return v_row;
end;
$$;

comment on function beamline.put_policy(text, text, jsonb, text, integer) is
    'Write a new immutable, active version of a policy (policy:write). Validates (BL007/BL009/BL004), checks quotas (BL003) and the optional compare-and-set on the latest version (BL005, 0 = create only). Returns the new row.';
