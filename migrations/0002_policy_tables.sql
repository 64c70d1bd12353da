-- Policy store tables of SPEC §3: policies, policy_audit_log, user_roles, tenant_quotas.
-- depends: 0001_schemas
--
-- Identifiers (tenant, policy, user ids) are ASCII tokens: a letter or digit, then letters,
-- digits and . _ : @ + -  (no quotes, spaces, semicolons, NULs or other unicode). The API
-- functions check this first and raise BL007; the CHECK constraints are the last line.

create table beamline.policies (
    id          uuid         not null default gen_random_uuid(),
    tenant_id   varchar(64)  not null,
    policy_id   varchar(128) not null,
    version     integer      not null default 1,
    is_active   boolean      not null default true,
    data        jsonb        not null,
    created_at  timestamptz  not null default now(),
    updated_at  timestamptz  not null default now(),
    created_by  varchar(128) not null,
    updated_by  varchar(128) not null,
    constraint policies_pkey primary key (id),
    constraint policies_tenant_policy_version_key unique (tenant_id, policy_id, version),
    constraint policies_tenant_id_format check (tenant_id ~ '^[A-Za-z0-9][A-Za-z0-9._:@+-]*$'),
    constraint policies_policy_id_format check (policy_id ~ '^[A-Za-z0-9][A-Za-z0-9._:@+-]*$'),
    constraint policies_version_positive check (version >= 1),
    constraint policies_data_is_object check (jsonb_typeof(data) = 'object')
);
-- jsonb_path_ops: smaller and faster for the @> containment filters of list_policies.
create index policies_data_gin on beamline.policies using gin (data jsonb_path_ops);
-- At most one active version per policy, enforced by the index, not only by code.
create unique index policies_active_uniq on beamline.policies (tenant_id, policy_id) where is_active;
create index policies_tenant_active_idx on beamline.policies (tenant_id) where is_active;

comment on table beamline.policies is
    'Policy versions: one row per (tenant, policy, version); rows are immutable except is_active. At most one active version per policy (policies_active_uniq).';
comment on column beamline.policies.version is 'Version number, 1-based, increasing per (tenant_id, policy_id).';
comment on column beamline.policies.is_active is 'True for the version the router uses; at most one per policy.';
comment on column beamline.policies.data is 'The policy document (JSON object), validated against the tenant''s policy schema.';

create table beamline.policy_audit_log (
    id           uuid         not null default gen_random_uuid(),
    tenant_id    varchar(64)  not null,
    target_type  varchar(16)  not null default 'policy',
    policy_id    varchar(128),
    target_id    varchar(128),
    action       varchar(32)  not null,
    actor        varchar(128) not null,
    old_data     jsonb,
    new_data     jsonb,
    metadata     jsonb        not null default '{}',
    "timestamp"  timestamptz  not null default clock_timestamp(),
    constraint policy_audit_log_pkey primary key (id),
    constraint policy_audit_log_target_type_check
        check (target_type in ('policy', 'role', 'quota', 'app')),
    constraint policy_audit_log_action_format check (action ~ '^[A-Z][A-Z0-9_]*$'),
    constraint policy_audit_log_metadata_is_object check (jsonb_typeof(metadata) = 'object')
);
create index policy_audit_log_tenant_time_idx on beamline.policy_audit_log (tenant_id, "timestamp", id);
create index policy_audit_log_tenant_policy_time_idx
    on beamline.policy_audit_log (tenant_id, policy_id, "timestamp", id) where policy_id is not null;

comment on table beamline.policy_audit_log is
    'Append-only audit trail of policy, role and quota changes and application events. Rows leave only through beamline.cleanup_old_logs.';
comment on column beamline.policy_audit_log.target_type is
    'What changed: policy | role (user_roles) | quota (tenant_quotas) | app (log_action events).';
comment on column beamline.policy_audit_log.policy_id is 'The policy id for target_type = policy, else null.';
comment on column beamline.policy_audit_log.target_id is 'The changed object: policy id, user id (role), tenant id (quota), or an application key.';
comment on column beamline.policy_audit_log.action is
    'CREATE, UPDATE, DELETE, ACTIVATE, DEACTIVATE for policies; ASSIGN, REVOKE for roles; SET for quotas; an upper-case token for application events.';
comment on column beamline.policy_audit_log.actor is 'The API caller (the actor argument), never the database role.';
comment on column beamline.policy_audit_log.metadata is 'txid, application_name, client address, and caller-supplied context.';

create table beamline.user_roles (
    id           uuid         not null default gen_random_uuid(),
    tenant_id    varchar(64)  not null,
    user_id      varchar(128) not null,
    role         varchar(64)  not null,
    permissions  jsonb        not null default '[]',
    created_at   timestamptz  not null default now(),
    updated_at   timestamptz  not null default now(),
    granted_by   varchar(128) not null,
    expires_at   timestamptz,
    constraint user_roles_pkey primary key (id),
    constraint user_roles_tenant_user_key unique (tenant_id, user_id),
    constraint user_roles_tenant_id_format check (tenant_id ~ '^[A-Za-z0-9][A-Za-z0-9._:@+-]*$'),
    constraint user_roles_user_id_format check (user_id ~ '^[A-Za-z0-9][A-Za-z0-9._:@+-]*$'),
    constraint user_roles_role_check check (role in ('admin', 'operator', 'viewer')),
    constraint user_roles_permissions_is_array check (jsonb_typeof(permissions) = 'array')
);

comment on table beamline.user_roles is 'One role per user per tenant, plus explicit extra permissions; no access after expires_at.';
comment on column beamline.user_roles.role is 'admin | operator | viewer (see beamline.role_permissions for what each grants).';
comment on column beamline.user_roles.permissions is 'Extra permissions beyond the role, e.g. ["audit:read", "policy:*"].';
comment on column beamline.user_roles.expires_at is 'When the grant stops giving any access; null = never.';

create table beamline.tenant_quotas (
    id                        uuid        not null default gen_random_uuid(),
    tenant_id                 varchar(64) not null,
    max_policies              integer     not null default 10,
    max_rules_per_policy      integer     not null default 50,
    max_providers_per_policy  integer     not null default 20,
    created_at                timestamptz not null default now(),
    updated_at                timestamptz not null default now(),
    constraint tenant_quotas_pkey primary key (id),
    constraint tenant_quotas_tenant_id_key unique (tenant_id),
    constraint tenant_quotas_tenant_id_format check (tenant_id ~ '^[A-Za-z0-9][A-Za-z0-9._:@+-]*$'),
    constraint tenant_quotas_max_policies_range check (max_policies between 0 and 1000000),
    constraint tenant_quotas_max_rules_range check (max_rules_per_policy between 0 and 10000),
    constraint tenant_quotas_max_providers_range check (max_providers_per_policy between 0 and 1000)
);

comment on table beamline.tenant_quotas is 'Per-tenant limits; a tenant without a row gets the column defaults.';
comment on column beamline.tenant_quotas.max_policies is 'Maximum number of policies with an active version.';
