-- index_stats: the DBA's pg_stat_user_indexes query for beamline-store's schemas: how often
-- each index is used, tuples read / fetched through it, its size, and whether it is unused
-- (never scanned and not backing a unique / primary key constraint).
create or replace view beamline.index_stats as
select s.schemaname::text as schema_name,
       s.relname::text as table_name,
       s.indexrelname::text as index_name,
       s.idx_scan,
       s.idx_tup_read,
       s.idx_tup_fetch,
       pg_catalog.pg_relation_size(s.indexrelid) as index_bytes,
       pg_catalog.pg_size_pretty(pg_catalog.pg_relation_size(s.indexrelid)) as index_size,
       i.indisunique as is_unique,
       i.indisprimary as is_primary,
       (s.idx_scan = 0 and not i.indisunique) as is_unused
  from pg_catalog.pg_stat_user_indexes s
  join pg_catalog.pg_index i on i.indexrelid = s.indexrelid
 where s.schemaname in ('beamline', 'beamline_internal', 'beamline_admin', 'devstate');

comment on view beamline.index_stats is
    'pg_stat_user_indexes for beamline-store''s schemas: scans, tuples read/fetched, size, and is_unused (never scanned, not unique).';
