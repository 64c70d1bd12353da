-- Audit log partitioning (issue 16, migration 0085; docs/AUDIT.md "Partitions and retention").
-- Cases: after migrate the log is partitioned by range on "timestamp" with the legacy partition
-- (from MINVALUE), a default partition and the monthly partitions three months ahead, all in
-- beamline_internal and none readable by the app role; rows land in the partition of their
-- timestamp; UPDATE / DELETE / TRUNCATE are BL011 on the parent and on every kind of partition,
-- and an INSERT naming a partition with made-up chain values is BL008; maintain re-creates a
-- missing month ahead (idempotent: a second run creates nothing) and reports a month whose rows
-- sit in the default partition as blocked; retention (cleanup_old_logs, global) drops the
-- partitions wholly older than the cutoff, deletes the older rows of the boundary month, keeps a
-- partition holding a row the chain order keeps (deleting its other rows), counts every removed
-- row, and every tenant's chain verifies afterwards; a multi-row insert spanning months chains
-- correctly (each row after its lane's head), and a tail hint preset by a caller (the running
-- tail of an earlier design) is ignored.
-- Dates are built from the current UTC month (M0), so the shifted-clock runs cover month and
-- year ends. After the checks of the migrated layout, the test re-shapes the (still empty)
-- partitions as a database partitioned six months ago would have them: legacy up to M0 - 6
-- months, then one partition per month (the same DDL as audit_partitions_ensure).
begin;
select plan(32);
set local client_min_messages = warning;

create temp table m as
select pg_catalog.date_trunc('month', pg_catalog.timezone('UTC', now())) as m0;
grant select on m to public;
create function pg_temp.month_start(k int) returns timestamptz language sql stable
    as $$ select pg_catalog.timezone('UTC', (select m0 from m) + pg_catalog.make_interval(months => k)) $$;
create function pg_temp.part_of(k int) returns text language sql stable
    as $$ select 'beamline_internal.policy_audit_log_p' || pg_catalog.to_char((select m0 from m) + pg_catalog.make_interval(months => k), 'YYYY_MM') $$;

-- after migrate ----------------------------------------------------------------------------------
select is((select c.relkind::text from pg_class c where c.oid = 'beamline.policy_audit_log'::regclass), 'p',
          'beamline.policy_audit_log is a partitioned table');
select is((select pg_catalog.pg_get_partkeydef('beamline.policy_audit_log'::regclass)), 'RANGE ("timestamp")',
          'partitioned by range on "timestamp"');
-- (after the rows migrate wrote, not after now(): the shifted-clock run at a year's last
-- seconds may cross midnight between migrate and this test)
select ok((select lower_bound is null
                  and upper_bound > coalesce((select max("timestamp") from beamline_internal.policy_audit_log_legacy), '-infinity')
                  and upper_bound = pg_catalog.timezone('UTC', pg_catalog.date_trunc('month', pg_catalog.timezone('UTC', upper_bound)))
             from beamline_internal.audit_partitions()
            where partition = 'beamline_internal.policy_audit_log_legacy'::regclass),
          'the legacy partition covers everything from MINVALUE up to a month boundary after the rows migrate wrote');
select ok((select is_default from beamline_internal.audit_partitions()
            where partition = 'beamline_internal.policy_audit_log_default'::regclass), 'a default partition exists');
select is(array(select k from generate_series(0, 2) k
                 where not exists (select 1 from beamline_internal.audit_partitions() p
                                    where not p.is_default and coalesce(p.lower_bound <= pg_temp.month_start(k), true)
                                      and p.upper_bound >= pg_temp.month_start(k + 1))), '{}'::int[],
          'every month from this one through two ahead has a partition (migrate made three months ahead of its own month)');
select ok((select count(*) from beamline_internal.audit_partitions() p where p.partition::text ~ '^beamline_internal\.policy_audit_log_p\d{4}_\d{2}$') >= 3,
          'monthly partitions are named policy_audit_log_pYYYY_MM');
select is((select count(*)::int from beamline_internal.audit_partitions() p
            where has_table_privilege('beamline_app', p.partition, 'SELECT')
               or has_table_privilege('beamline_readonly', p.partition, 'SELECT')), 0,
          'no partition is readable by the app or read-only role (reads go through the parent)');

-- a database partitioned six months ago ----------------------------------------------------------
-- The legacy partition holds the rows migrate wrote (schemas registered in tenant global); it is
-- detached and attached again for just the months of those rows, the rest is re-built. (It is
-- empty when midnight at a month's end fell between migrate's partitioning and those rows: it is
-- dropped then, and lo = hi = 1 below.)
set local role beamline_owner;
alter table beamline.policy_audit_log detach partition beamline_internal.policy_audit_log_legacy;
reset role;
create temp table legacy_months as
select coalesce((extract(year from age(date_trunc('month', timezone('UTC', min("timestamp"))), (select m0 from m))) * 12
        + extract(month from age(date_trunc('month', timezone('UTC', min("timestamp"))), (select m0 from m))))::int, 1) as lo,
       coalesce((extract(year from age(date_trunc('month', timezone('UTC', max("timestamp"))), (select m0 from m))) * 12
        + extract(month from age(date_trunc('month', timezone('UTC', max("timestamp"))), (select m0 from m))))::int + 1, 1) as hi
  from beamline_internal.policy_audit_log_legacy;
grant select on legacy_months to public;
select ok((select lo >= -1 and hi <= 1 from legacy_months), 'the rows written by migrate are from this month or the last');
set local role beamline_owner;
select case when lo < hi
            then format('alter table beamline.policy_audit_log attach partition beamline_internal.policy_audit_log_legacy for values from (%L) to (%L)',
                        pg_temp.month_start(lo), pg_temp.month_start(hi))
            else 'drop table beamline_internal.policy_audit_log_legacy' end
  from legacy_months \gexec
select format('create table beamline_internal.policy_audit_log_before partition of beamline.policy_audit_log for values from (minvalue) to (%L)',
              pg_temp.month_start(-6)) \gexec
-- (this month's exists already when migrate ran last month: a run crossing midnight at a year end)
select format('create table %s partition of beamline.policy_audit_log for values from (%L) to (%L)',
              pg_temp.part_of(k), pg_temp.month_start(k), pg_temp.month_start(k + 1))
  from generate_series(-6, 0) k, legacy_months l
 where (k < l.lo or k >= l.hi)
   and to_regclass(pg_temp.part_of(k)) is null \gexec
select beamline_internal.audit_partition_guard(p.partition) from beamline_internal.audit_partitions() p;
-- the months ahead of this test's month, as maintain keeps them (migrate made them for its own
-- month, which is the previous one when a run crosses midnight at a month's end)
select beamline_internal.audit_partitions_ensure(3);
reset role;
create function pg_temp.holder(ts timestamptz) returns text language sql stable
    as $$ select p.partition::text from beamline_internal.audit_partitions() p
           where coalesce(p.lower_bound <= ts, true) and p.upper_bound > ts $$;

-- rows land in their partition ------------------------------------------------------------------
select tests.bootstrap('global', 'root');
select tests.bootstrap('t1', 'alice');
set local role beamline_owner;
select beamline_internal.set_actor('ops');
insert into beamline.policy_audit_log (tenant_id, target_type, action, actor, "timestamp") values
    ('t1', 'app', 'NEXT_MONTH', 'ops', pg_temp.month_start(1) + interval '3 days'),
    ('t1', 'app', 'FAR_FUTURE', 'ops', pg_temp.month_start(120));
reset role;
select is((select tableoid::regclass::text from beamline.policy_audit_log where action = 'NEXT_MONTH'), pg_temp.part_of(1),
          'a row of next month lands in next month''s partition');
select is((select tableoid::regclass::text from beamline.policy_audit_log where action = 'FAR_FUTURE'),
          'beamline_internal.policy_audit_log_default', 'a row outside every month lands in the default partition');
-- (the row's own time, not now(): "timestamp" is clock_timestamp(), and the year-end run may
-- start this transaction before midnight and write the row after it)
select is((select tableoid::regclass::text || ' ' || ("timestamp" >= now())::text
             from beamline.policy_audit_log where action = 'ASSIGN' and tenant_id = 't1'),
          (select pg_temp.holder("timestamp") || ' true' from beamline.policy_audit_log where action = 'ASSIGN' and tenant_id = 't1'),
          'a row written now lands in the (non-default) partition of its month');

-- append-only on the parent and on partitions ---------------------------------------------------
set local role beamline_owner;
select throws_ok($$ update beamline.policy_audit_log set actor = 'x' $$, 'BL011', null, 'UPDATE on the parent: BL011');
select throws_ok($$ delete from beamline.policy_audit_log $$, 'BL011', null, 'DELETE on the parent: BL011');
select throws_ok($$ truncate beamline.policy_audit_log $$, 'BL011', null, 'TRUNCATE on the parent: BL011');
select throws_ok(format('update %s set actor = %L', pg_temp.holder(now()), 'x'), 'BL011', null, 'UPDATE naming the partition of this month: BL011');
select throws_ok(format('delete from %s', pg_temp.part_of(1)), 'BL011', null, 'DELETE naming a monthly partition: BL011');
select throws_ok($$ truncate beamline_internal.policy_audit_log_default $$, 'BL011', null, 'TRUNCATE naming the default partition: BL011');
select throws_ok(format($i$ insert into %s (tenant_id, target_type, action, actor, "timestamp", seq, prev_hash, row_hash)
                            values ('t1', 'app', 'FORGED', 'ops', %L, 99, repeat('0', 64), repeat('a', 64)) $i$,
                        pg_temp.part_of(1), pg_temp.month_start(1) + interval '1 day'),
                 'BL008', null, 'an INSERT naming a partition with made-up chain values: BL008 (the chain trigger runs there too)');
reset role;
select is((select count(*)::int from beamline.policy_audit_log where actor = 'x' or action = 'FORGED'), 0, 'nothing was changed or forged');

-- maintain creates the months ahead -------------------------------------------------------------
set local role beamline_owner;
select format('drop table %s', pg_temp.part_of(3)) \gexec
reset role;
select is(beamline_admin.maintain() -> 'audit_partitions', jsonb_build_object('created', jsonb_build_array(split_part(pg_temp.part_of(3), '.', 2)), 'blocked', '[]'::jsonb),
          'maintain re-creates the missing month three months ahead');
select isnt(to_regclass(pg_temp.part_of(3)), null, 'and it is a partition again');
select is(beamline_admin.maintain() -> 'audit_partitions', '{"created": [], "blocked": []}'::jsonb, 'a second maintain creates nothing');
set local role beamline_owner;
select format('drop table %s', pg_temp.part_of(3)) \gexec
reset role;
set local role beamline_owner;
insert into beamline.policy_audit_log (tenant_id, target_type, action, actor, "timestamp")
values ('t1', 'app', 'EARLY', 'ops', pg_temp.month_start(3) + interval '1 hour');
reset role;
select is(beamline_admin.maintain() -> 'audit_partitions', jsonb_build_object('created', '[]'::jsonb, 'blocked', jsonb_build_array(split_part(pg_temp.part_of(3), '.', 2))),
          'a month whose rows sit in the default partition is reported as blocked, not created');

-- the running-tail hint of the chain trigger cannot be preset ------------------------------------
select max(seq) as t1_last from beamline.policy_audit_log where tenant_id = 't1' \gset
set local role beamline_app;
select set_config('beamline.audit_tail_' || md5('t1'), (:t1_last + 5)::text || '|' || repeat('a', 64) || '|2026-01-01T00:00:00.000000', true);
reset role;
set local role beamline_owner;
insert into beamline.policy_audit_log (tenant_id, target_type, action, actor) values ('t1', 'app', 'AFTER_HINT', 'ops');
reset role;
select is((select seq from beamline.policy_audit_log where action = 'AFTER_HINT'), :t1_last + 1::bigint,
          'a preset tail hint is ignored: the next row follows the real head');

-- retention drops whole partitions --------------------------------------------------------------
-- t4, t5 (new tenants): one row in months -5, -4, -3, two in the boundary month -2 (day 5, older than the
-- cutoff; day 25, newer). t3: a row now, then a backdated row in month -4 (its chain order keeps
-- it: it follows a newer row), so month -4 cannot be dropped.
set local role beamline_owner;
insert into beamline.policy_audit_log (tenant_id, target_type, action, actor, "timestamp")
select t, 'app', 'AGED', 'ops', ts
  from unnest(array[pg_temp.month_start(-5) + interval '9 days', pg_temp.month_start(-4) + interval '9 days',
                    pg_temp.month_start(-3) + interval '9 days', pg_temp.month_start(-2) + interval '4 days',
                    pg_temp.month_start(-2) + interval '24 days']) ts,
       unnest(array['t4', 't5']) t
 order by ts, t;
insert into beamline.policy_audit_log (tenant_id, target_type, action, actor) values ('t3', 'app', 'NOW', 'ops');
insert into beamline.policy_audit_log (tenant_id, target_type, action, actor, "timestamp")
values ('t3', 'app', 'BACKDATED', 'ops', pg_temp.month_start(-4) + interval '1 day');
reset role;
select is(beamline.cleanup_old_logs(now() - (pg_temp.month_start(-2) + interval '15 days'), 'root'), 8::bigint,
          'retention removes the 8 rows older than the cutoff (mid month -2) that start their chains');
select is(array(select k from generate_series(-6, -2) k where to_regclass(pg_temp.part_of(k)) is not null), array[-4, -2],
          'the partitions of months -6, -5, -3 (wholly older, wholly removed) are dropped; -4 and the boundary month -2 stay');
select is(to_regclass('beamline_internal.policy_audit_log_before'), null, 'the (empty) partition from MINVALUE, wholly older, is dropped');
select is(array(select tenant_id || ':' || action from beamline.policy_audit_log where tableoid = to_regclass(pg_temp.part_of(-4)) order by 1),
          array['t3:BACKDATED'], 'month -4 keeps only the row the chain order holds back (its other rows are deleted)');
select is(array(select tenant_id || ':' || to_char(timezone('UTC', "timestamp"), 'DD') from beamline.policy_audit_log
                 where tableoid = to_regclass(pg_temp.part_of(-2)) order by 1),
          array['t4:25', 't5:25'], 'the boundary month keeps its rows newer than the cutoff; the older ones are deleted');
select is((select jsonb_agg(v ->> 'tenant' order by v ->> 'tenant') from beamline_admin.verify_audit_chains() v where (v ->> 'ok')::boolean),
          (select jsonb_agg(v ->> 'tenant' order by v ->> 'tenant') from beamline_admin.verify_audit_chains() v),
          'every tenant''s chain verifies after the retention');
select is((select jsonb_agg(v ->> 'tenant' order by v ->> 'tenant') from beamline_admin.verify_audit_chains() v), '["global", "t1", "t3", "t4", "t5"]',
          'the chains checked: global, t1, t3, t4, t5');
select is((select jsonb_array_length(new_data -> 'dropped_partitions') from beamline.policy_audit_log where action = 'CLEANUP'), 4,
          'the CLEANUP audit row names the four dropped partitions');

select * from finish();
rollback;
