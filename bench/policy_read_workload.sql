-- pgbench workload: beamline.get_policy (active version) of a random policy of a random tenant,
-- as a viewer/operator of that tenant (u2). Goal: >= 50% of baseline_select.sql's TPS at 8 clients.
-- Variables (pgbench -D, match bench/seed.sql): tenants (10), policies (100).
\set tenant random(1, :tenants)
\set policy random(1, :policies)
select version, data from beamline.get_policy('t' || :tenant::int, 'p' || :policy::int, 'u2');
