-- Baseline for policy_write / audit_write: a bare INSERT (+ commit) of the same row shape as a
-- policy version into a scratch table (bench_scratch.policies: primary key only).
\set tenant random(1, :tenants)
\set policy random(1, :policies)
insert into bench_scratch.policies (tenant_id, policy_id, version, data, created_by, updated_by)
values ('t' || :tenant::int, 'p' || :policy::int, 1,
    pg_catalog.jsonb_build_object(
        'providers', '[{"id":"openai","weight":70},{"id":"anthropic","weight":30}]'::jsonb,
        'rules', '[{"id":"r1","match":{"model":"gpt-4*"},"route":["openai"],"priority":10}]'::jsonb,
        'fallback', '{"provider":"anthropic"}'::jsonb,
        'metadata', pg_catalog.jsonb_build_object('client', :client_id::int)),
    'u1', 'u1');
