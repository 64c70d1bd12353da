-- Audit of beamline.json_schemas (issue 11): every registered schema version writes a REGISTER
-- row (target_type schema, target_id = the schema name; tenant = the override's tenant, or
-- 'global' for a global default) with old_data = the version it replaces (null for the first)
-- and new_data = the new row. Without it a tenant's policy schema could be replaced silently
-- and off-schema policies accepted afterwards. The actor is the row's created_by: the API
-- caller for register_schema (after its permission check), 'beamline-migrate' for the shipped
-- defaults (beamline_admin.register_default_schema, which runs without an API actor).
-- Registering the current schema again inserts nothing, so it logs nothing.
create or replace function beamline_internal.audit_json_schemas_trigger()
    returns trigger
    volatile
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
declare
    v_prev jsonb;
begin
    select pg_catalog.to_jsonb(s) into v_prev from beamline.json_schemas s
     where s.name = new.name and s.tenant_id is not distinct from new.tenant_id and s.version = new.version - 1;
    insert into beamline.policy_audit_log
        (tenant_id, target_type, policy_id, target_id, action, actor, old_data, new_data, metadata)
    values (coalesce(new.tenant_id, 'global'), 'schema', null, new.name, 'REGISTER', new.created_by,
            v_prev, pg_catalog.to_jsonb(new), beamline_internal.audit_metadata());
    return null;
end;
$$;

comment on function beamline_internal.audit_json_schemas_trigger() is
    'AFTER INSERT row trigger of beamline.json_schemas: a REGISTER audit row (target_type schema) with the replaced and the new version.';

drop trigger if exists audit on beamline.json_schemas;
create trigger audit
    after insert on beamline.json_schemas
    for each row execute function beamline_internal.audit_json_schemas_trigger();
comment on trigger audit on beamline.json_schemas is 'Writes a REGISTER audit row for every schema version registered.';
