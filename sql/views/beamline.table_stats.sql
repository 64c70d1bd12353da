-- table_stats: the DBA's pg_stat_user_tables query for beamline-store's schemas: scans
-- (sequential vs index, and the share of index scans), live / dead tuples and the dead share,
-- last (auto)vacuum / (auto)analyze, and sizes. For the read-only role and the owner.
create or replace view beamline.table_stats as
select s.schemaname::text as schema_name,
       s.relname::text as table_name,
       s.seq_scan,
       s.seq_tup_read,
       s.idx_scan,
       s.idx_tup_fetch,
       case when coalesce(s.seq_scan, 0) + coalesce(s.idx_scan, 0) = 0 then null
            else pg_catalog.round(100.0 * coalesce(s.idx_scan, 0) / (coalesce(s.seq_scan, 0) + coalesce(s.idx_scan, 0)), 1)
       end as idx_scan_pct,
       s.n_tup_ins,
       s.n_tup_upd,
       s.n_tup_del,
       s.n_tup_hot_upd,
       s.n_live_tup,
       s.n_dead_tup,
       case when s.n_live_tup + s.n_dead_tup = 0 then 0
            else pg_catalog.round(100.0 * s.n_dead_tup / (s.n_live_tup + s.n_dead_tup), 1)
       end as dead_tup_pct,
       s.last_vacuum,
       s.last_autovacuum,
       s.last_analyze,
       s.last_autoanalyze,
       s.vacuum_count + s.autovacuum_count as vacuums,
       s.analyze_count + s.autoanalyze_count as analyzes,
       pg_catalog.pg_relation_size(s.relid) as table_bytes,
       pg_catalog.pg_indexes_size(s.relid) as index_bytes,
       pg_catalog.pg_total_relation_size(s.relid) as total_bytes,
       pg_catalog.pg_size_pretty(pg_catalog.pg_total_relation_size(s.relid)) as total_size
  from pg_catalog.pg_stat_user_tables s
 where s.schemaname in ('beamline', 'beamline_internal', 'beamline_admin', 'devstate');

comment on view beamline.table_stats is
    'pg_stat_user_tables for beamline-store''s schemas: seq vs index scans (idx_scan_pct), dead tuples (dead_tup_pct), last vacuum/analyze, sizes.';
