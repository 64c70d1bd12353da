-- Reference (not a goal): the bare INSERT plus a naive NOTIFY in every transaction, to show the
-- cost of PostgreSQL's cluster-wide NOTIFY commit lock (SPEC §5.3) next to put_policy's
-- coalesced signal. Same row as baseline_insert.sql.
\set tenant random(1, :tenants)
\set policy random(1, :policies)
begin;
insert into bench_scratch.policies (tenant_id, policy_id, version, data, created_by, updated_by)
values ('t' || :tenant::int, 'p' || :policy::int, 1,
    pg_catalog.jsonb_build_object(
        'providers', '[{"id":"openai","weight":70},{"id":"anthropic","weight":30}]'::jsonb,
        'rules', '[{"id":"r1","match":{"model":"gpt-4*"},"route":["openai"],"priority":10}]'::jsonb,
        'fallback', '{"provider":"anthropic"}'::jsonb,
        'metadata', pg_catalog.jsonb_build_object('client', :client_id::int)),
    'u1', 'u1');
select pg_catalog.pg_notify('bench_naive', 't' || :tenant::int || '/p' || :policy::int);
commit;
