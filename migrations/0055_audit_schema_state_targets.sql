-- Audit targets 'schema' and 'state' (issue 11: every change is audited).
-- depends: 0042_devstate_import_sessions
--
--   schema  a JSON Schema registered (beamline.json_schemas: register_schema for a tenant's
--           override, register_default_schema for the global defaults, tenant 'global')
--   state   the DevState document written (devstate.state_current: update_state, import_begin;
--           tenant 'devstate'), with or without a history entry

alter table beamline.policy_audit_log drop constraint policy_audit_log_target_type_check;
alter table beamline.policy_audit_log add constraint policy_audit_log_target_type_check
    check (target_type in ('policy', 'role', 'quota', 'app', 'schema', 'state'));

comment on column beamline.policy_audit_log.target_type is
    'What changed: policy | role (user_roles) | quota (tenant_quotas) | app (log_action events) | schema (json_schemas) | state (the DevState document).';
comment on column beamline.policy_audit_log.target_id is
    'The changed object: policy id, user id (role), tenant id (quota), schema name (schema), ''state'' (state), or an application key.';
