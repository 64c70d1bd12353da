-- Registry of named JSON Schemas (issue 3, SPEC §4/§6): versioned, with per-tenant overrides.
-- depends: 0003_devstate_tables
--
-- A name ("policy/default", "state/default", ...) has global versions (tenant_id NULL, loaded by
-- `beamline migrate` from docs/*.schema.json through beamline_admin.register_default_schema) and
-- optionally per-tenant versions (beamline.register_schema, permission schema:manage). The
-- current schema of (name, tenant) is its highest version; beamline_internal.schema_for
-- prefers the tenant's current version over the global one. Rows are never updated: a change
-- is a new version, so old policy versions stay explainable.

create table beamline.json_schemas (
    id          uuid         not null default gen_random_uuid(),
    name        varchar(128) not null,
    tenant_id   varchar(64),
    version     integer      not null,
    schema      jsonb        not null,
    checksum    text         not null,
    created_at  timestamptz  not null default now(),
    created_by  varchar(128) not null,
    constraint json_schemas_pkey primary key (id),
    -- NULLS NOT DISTINCT: the global versions (tenant_id NULL) are unique per name too.
    constraint json_schemas_name_tenant_version_key unique nulls not distinct (name, tenant_id, version),
    constraint json_schemas_name_format check (name ~ '^[a-z0-9][a-z0-9._-]*(/[a-z0-9][a-z0-9._-]*)*$'),
    constraint json_schemas_tenant_id_format check (tenant_id ~ '^[A-Za-z0-9][A-Za-z0-9._:@+-]*$'),
    constraint json_schemas_version_positive check (version >= 1),
    constraint json_schemas_checksum_format check (checksum ~ '^[0-9a-f]{64}$')
);
-- schema_for: the newest version of (name, tenant) and of (name, NULL).
create index json_schemas_lookup_idx on beamline.json_schemas (name, tenant_id, version desc);

comment on table beamline.json_schemas is
    'Named JSON Schemas (supported subset of draft 2020-12, docs/VALIDATION.md), versioned; tenant_id NULL = the global default, otherwise a per-tenant override. Rows are immutable.';
comment on column beamline.json_schemas.name is 'Schema name, e.g. policy/default, state/default: lower-case segments separated by "/".';
comment on column beamline.json_schemas.tenant_id is 'NULL for the global schema of this name; a tenant id for that tenant''s override.';
comment on column beamline.json_schemas.version is 'Version number per (name, tenant_id), 1-based; the highest is current.';
comment on column beamline.json_schemas.schema is 'The schema document, checked by beamline_internal.jsonschema_check_schema before insert.';
comment on column beamline.json_schemas.checksum is 'SHA-256 (hex) of schema::text: an unchanged schema is not registered twice.';
comment on column beamline.json_schemas.created_by is 'The actor that registered it (beamline migrate for the shipped defaults).';
