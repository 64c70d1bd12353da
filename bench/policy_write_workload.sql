-- pgbench workload: beamline.put_policy, a new version of a random existing policy of a random
-- tenant, by its admin u1: RBAC check, limits, JSON Schema + semantic validation, quotas,
-- per-policy lock, version flip, audit rows, change-log rows and the coalesced NOTIFY.
-- Goal: >= 1,000/s at 8 clients, >= 50% of baseline_insert.sql's TPS at 8 and 16 clients,
-- p99 < 20 ms. Variables (pgbench -D): tenants (10), policies (100).
\set tenant random(1, :tenants)
\set policy random(1, :policies)
select version from beamline.put_policy('t' || :tenant::int, 'p' || :policy::int,
    pg_catalog.jsonb_build_object(
        'providers', '[{"id":"openai","weight":70},{"id":"anthropic","weight":30}]'::jsonb,
        'rules', '[{"id":"r1","match":{"model":"gpt-4*"},"route":["openai"],"priority":10}]'::jsonb,
        'fallback', '{"provider":"anthropic"}'::jsonb,
        'metadata', pg_catalog.jsonb_build_object('client', :client_id::int)),
    'u1');
