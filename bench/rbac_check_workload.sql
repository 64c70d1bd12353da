-- pgbench workload: beamline.check_permission via SQL (SPEC §4 RBAC; goal: >= 50% of the bare
-- PK SELECT's TPS at 8 clients). One call per transaction: a random user of a random tenant
-- asks for a random permission, so role grants, extras, wildcards and misses all occur.
-- Scale variables (pass with pgbench -D to match bench/seed.sql; defaults: 10 tenants t1..t10,
-- 100 users u1..u100 per tenant):  -D tenants=N -D users=M
-- (No colons inside string literals: pgbench -M prepared would take 'policy:read' for a variable.)
\set tenant random(1, :tenants)
\set user random(1, :users)
\set perm random(1, 6)
select beamline.check_permission('t' || :tenant::int, 'u' || :user::int,
    pg_catalog.translate(pg_catalog.split_part('policy/read,policy/write,policy/delete,audit/read,state/read,rbac/manage', ',', :perm::int), '/', ':'));
