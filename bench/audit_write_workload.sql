-- pgbench workload: batched beamline.log_action (SPEC §4 Audit; goal: >= 10,000 audit rows/s).
-- Each transaction writes one batch of :batch events (default 100) for a random tenant as its
-- admin u1 (bench/seed.sql makes u1 of every tenant an admin, so it holds audit:write).
-- Audit rows/s = TPS x batch. The batch is built server-side; its cost is part of the figure.
-- Variables (pgbench -D): tenants (default 10 in bench/seed.sql), batch (100 is typical).
\set tenant random(1, :tenants)
select beamline.log_action('t' || :tenant::int, 'u1',
    (select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                'action', 'BENCH_EVENT', 'target_id', 'k' || i, 'data', pg_catalog.jsonb_build_object('i', i, 'client', :client_id::int)))
       from pg_catalog.generate_series(1, :batch::int) i));
