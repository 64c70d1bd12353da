-- Seed for the pgbench workloads (psql, as a superuser / the owner): tenants t1..tN, users
-- u1..uM per tenant (u1 the admin; the others operator / viewer, every 10th with an extra
-- audit:read, every 7th with an expired grant), generous quotas, and policies p1..pP per tenant.
-- Scale with psql variables:  psql -v tenants=10 -v users=100 -v policies=100 -f bench/seed.sql
-- The other workloads (rbac_check_workload.sql, audit_write_workload.sql) use the same names.
\set ON_ERROR_STOP on
\if :{?tenants} \else \set tenants 10 \endif
\if :{?users} \else \set users 100 \endif
\if :{?policies} \else \set policies 100 \endif

select count(beamline_admin.bootstrap_admin('t' || t, 'u1')) as tenants
  from generate_series(1, :tenants) t;
select count(beamline.assign_role('t' || t, 'u' || u,
                 case when u % 3 = 0 then 'viewer' else 'operator' end, 'u1',
                 case when u % 10 = 0 then '["audit:read"]'::jsonb else '[]'::jsonb end,
                 case when u % 7 = 0 then now() + interval '1 second' end)) as users
  from generate_series(1, :tenants) t, generate_series(2, :users) u;
-- Raising quotas is the platform's: quota:manage in the reserved tenant global (docs/RBAC.md).
select count(beamline_admin.bootstrap_admin('global', 'platform')) as platform;
select count(*) as quotas
  from generate_series(1, :tenants) t, beamline.set_quota('t' || t, 'platform', 1000000, 10000, 1000) q;
select count(beamline.put_policy('t' || t, 'p' || p, jsonb_build_object(
           'providers', '[{"id":"openai","weight":70},{"id":"anthropic","weight":30}]'::jsonb,
           'rules', '[{"id":"r1","match":{"model":"gpt-4*"},"route":["openai"],"priority":10}]'::jsonb,
           'fallback', '{"provider":"anthropic"}'::jsonb,
           'metadata', jsonb_build_object('n', p, 'team', 'team' || (p % 10))), 'u1')) as policies
  from generate_series(1, :tenants) t, generate_series(1, :policies) p;

-- Scratch table for the bare INSERT baseline: the same row shape as beamline.policies, with
-- its primary key only (no triggers, no audit, no GIN), outside the API.
drop schema if exists bench_scratch cascade;
create schema bench_scratch;
create table bench_scratch.policies (like beamline.policies including defaults);
alter table bench_scratch.policies add primary key (id);
analyze;
