-- Monitoring views (SPEC §4): table_stats, index_stats, notification_queue.
-- Cases: the views exist with their columns and comments; they list our tables / indexes and
-- nothing from other schemas; scans are counted; the read-only role can read them and the app
-- role cannot; the notification queue usage is a fraction in [0, 1].
begin;
select plan(12);

select has_view('beamline', 'table_stats', 'table_stats exists');
select has_view('beamline', 'index_stats', 'index_stats exists');
select has_view('beamline', 'notification_queue', 'notification_queue exists');
select columns_are('beamline', 'table_stats', array[
    'schema_name', 'table_name', 'seq_scan', 'seq_tup_read', 'idx_scan', 'idx_tup_fetch', 'idx_scan_pct',
    'n_tup_ins', 'n_tup_upd', 'n_tup_del', 'n_tup_hot_upd', 'n_live_tup', 'n_dead_tup', 'dead_tup_pct',
    'last_vacuum', 'last_autovacuum', 'last_analyze', 'last_autoanalyze', 'vacuums', 'analyzes',
    'table_bytes', 'index_bytes', 'total_bytes', 'total_size'], 'table_stats columns');
select ok((select bool_and(table_name is not null) and count(*) >= 4 from beamline.table_stats
            where table_name in ('policies', 'policy_audit_log', 'user_roles', 'tenant_quotas')), 'table_stats lists the policy tables');
select is((select count(*)::int from beamline.table_stats where schema_name not in ('beamline', 'beamline_internal', 'beamline_admin', 'devstate')), 0,
          'table_stats shows only our schemas');
select ok((select count(*) > 0 from beamline.index_stats where index_name = 'policies_data_gin'), 'index_stats lists the GIN index');
select is((select count(*)::int from beamline.index_stats where is_unused and (is_unique or is_primary)), 0,
          'unique / primary key indexes are never reported unused');
select ok((select usage_fraction between 0 and 1 from beamline.notification_queue), 'queue usage is a fraction');

-- ===== acting as the read-only role =======================================================
set local role beamline_readonly;
select lives_ok($$ select * from beamline.table_stats, beamline.notification_queue $$, 'read-only role reads the views');
reset role;
-- ===== acting as the application role =====================================================
set local role beamline_app;
select throws_ok($$ select * from beamline.table_stats $$, '42501', null, 'app role cannot read the views');
reset role;

select is(array(select c.relname::text from pg_class c where c.relnamespace = 'beamline'::regnamespace and c.relkind = 'v'
                   and obj_description(c.oid, 'pg_class') is null), array[]::text[], 'every view has a comment');

select * from finish();
rollback;
