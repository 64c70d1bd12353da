-- Schemas, extension and default privileges.
--   beamline           API functions, tables and views (policies, RBAC, quotas, audit)
--   beamline_internal  helpers and trigger functions: never granted to anybody
--   beamline_admin     owner-only functions (tenant bootstrap, maintenance)
--   devstate           DevState API and tables (SPEC §6)
--   beamline_ext       extensions (pgcrypto), so nothing lands in public
-- Runs as the owner role (beamline migrate sets it), so the owner owns every object.

create schema if not exists beamline;
create schema if not exists beamline_internal;
create schema if not exists beamline_admin;
create schema if not exists devstate;
create schema if not exists beamline_ext;

create extension if not exists pgcrypto with schema beamline_ext;

-- New functions are not executable by PUBLIC; sql/grants.sql grants per schema.
alter default privileges revoke execute on functions from public;

comment on schema beamline is 'beamline-store API: policies, RBAC, quotas, audit (functions, tables, views)';
comment on schema beamline_internal is 'beamline-store internals and trigger functions; not for direct use';
comment on schema beamline_admin is 'beamline-store owner-only functions (tenant bootstrap, maintenance)';
comment on schema devstate is 'beamline-store DevState: state document, HMAC-chained history, leases';
comment on schema beamline_ext is 'extensions used by beamline-store (pgcrypto)';
