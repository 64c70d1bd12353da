-- RBAC catalog of SPEC §4: the known permissions and what each role grants.
-- depends: 0002_policy_tables
--
-- A permission is '<namespace>:<verb>'. Grants (role_permissions.permission and the extra
-- permissions in user_roles.permissions) may also be a namespace wildcard '<namespace>:*' or
-- '*' (everything). beamline_internal.has_permission is the one place that evaluates them.
-- Operators do NOT get policy:delete (least privilege: deleting a policy takes it out of
-- routing); an admin can grant it as an extra permission. See docs/RBAC.md.

create table beamline.permissions (
    permission   varchar(64)  not null,
    description  text         not null,
    constraint permissions_pkey primary key (permission),
    constraint permissions_format check (permission ~ '^[a-z]+:[a-z]+$')
);

comment on table beamline.permissions is
    'The permissions the stored logic checks (namespace:verb). Anything else is rejected as bad input (BL007).';
comment on column beamline.permissions.permission is 'namespace:verb, e.g. policy:read; never a wildcard.';

insert into beamline.permissions (permission, description) values
    ('policy:read',    'read policies, their versions and history'),
    ('policy:write',   'create and update policies; activate / deactivate versions'),
    ('policy:delete',  'delete policies'),
    ('audit:read',     'read the audit log (get_audit_log)'),
    ('audit:write',    'record application events (log_action)'),
    ('audit:manage',   'delete old audit rows (cleanup_old_logs)'),
    ('rbac:manage',    'assign, revoke and list other users'' roles'),
    ('quota:manage',   'set tenant quotas'),
    ('schema:manage',  'set the tenant''s policy JSON Schema'),
    ('state:read',     'read the DevState document and history (tenant devstate)'),
    ('state:write',    'update the DevState document, take leases (tenant devstate)'),
    ('history:append', 'append DevState history entries (tenant devstate)');

create table beamline.role_permissions (
    role        varchar(64) not null,
    permission  varchar(64) not null,
    constraint role_permissions_pkey primary key (role, permission),
    constraint role_permissions_role_check check (role in ('admin', 'operator', 'viewer')),
    -- a known permission, a namespace wildcard, or '*'
    constraint role_permissions_grant_format check (permission ~ '^([a-z]+:([a-z]+|\*)|\*)$')
);

comment on table beamline.role_permissions is
    'What each role grants: a known permission, a namespace wildcard (policy:*) or * (everything).';
comment on column beamline.role_permissions.role is 'admin | operator | viewer (the roles of user_roles.role).';

insert into beamline.role_permissions (role, permission) values
    ('admin', '*'),
    ('operator', 'policy:read'), ('operator', 'policy:write'), ('operator', 'audit:read'),
    ('operator', 'state:read'), ('operator', 'state:write'), ('operator', 'history:append'),
    ('viewer', 'policy:read'), ('viewer', 'audit:read'), ('viewer', 'state:read');

-- Lookups of has_permission: the user's grant by (tenant_id, user_id) is the unique key.
