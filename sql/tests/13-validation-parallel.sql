-- beamline.validate in a query the planner could run in parallel.
-- Cases: validate and assert_valid are PARALLEL SAFE (since migration 0070 they keep nothing in
-- session settings; before, set_config made them fail inside a parallel query); a scan the
-- planner may run in parallel validates every row without error.
begin;
select plan(3);

select is((select proparallel from pg_proc where oid = 'beamline.validate(jsonb, jsonb)'::regprocedure),
          's', 'beamline.validate is PARALLEL SAFE');
select is((select proparallel from pg_proc where oid = 'beamline_internal.assert_valid(jsonb, jsonb)'::regprocedure),
          's', 'beamline_internal.assert_valid is PARALLEL SAFE');

create table tap.parallel_docs as  -- not temporary: temp tables are never scanned in parallel
    select pg_catalog.jsonb_build_object('n', i) as doc from pg_catalog.generate_series(1, 20000) i;
analyze tap.parallel_docs;
set local parallel_setup_cost = 0;
set local parallel_tuple_cost = 0;
set local min_parallel_table_scan_size = 0;
set local max_parallel_workers_per_gather = 2;
set local parallel_leader_participation = off;  -- workers do the rows, if the plan is parallel
-- The count runs on its own (CREATE TABLE AS may be parallel); inside is() it never would be,
-- because pgTAP's functions are parallel unsafe.
create temporary table parallel_result as
    select pg_catalog.count(*)::int as invalid from tap.parallel_docs
     where beamline.validate('{"type": "object", "properties": {"n": {"type": "integer", "maximum": 10000}}}', doc) <> '[]';
select is((select invalid from parallel_result), 10000,
          'a scan the planner could parallelise validates every row');

select * from finish();
rollback;
