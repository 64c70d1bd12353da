-- Bounded validation cost (issue 15). Cases: the $ref/anyOf chain of the issue (N = 40, 2^40
-- paths without the reference memo) validates ad hoc and registered well inside a generous
-- bound (1 s; the figure is in docs/VALIDATION.md) with the exact error; a schema whose static
-- per-node cost is over the registration limit is refused with BL010 and nothing is written;
-- a registered schema and a document that together need more than the per-call budget make
-- put_policy fail with BL040 and write nothing; the budget is a constant (no setting changes it).
begin;
select plan(10);

select tests.bootstrap('budget', 'alice');

create temporary table chain40 as
select pg_catalog.jsonb_build_object(
    '$defs', (select pg_catalog.jsonb_object_agg('a' || i, case when i = 40 then '{"type": "string"}'::jsonb
                 else pg_catalog.jsonb_build_object('anyOf', pg_catalog.jsonb_build_array(
                     pg_catalog.jsonb_build_object('$ref', '#/$defs/a' || (i + 1)),
                     pg_catalog.jsonb_build_object('$ref', '#/$defs/a' || (i + 1)))) end)
                from pg_catalog.generate_series(0, 40) as i),
    '$ref', '#/$defs/a0') as s;

create temporary table timing (label text, ms numeric);
create function pg_temp.timed(p_label text, p_schema jsonb, p_doc jsonb) returns jsonb language plpgsql as $$
declare v_t timestamptz := pg_catalog.clock_timestamp(); v_r jsonb;
begin
    v_r := beamline.validate(p_schema, p_doc);
    insert into pg_temp.timing values (p_label, extract(epoch from pg_catalog.clock_timestamp() - v_t) * 1000);
    return v_r;
end $$;

select is(pg_temp.timed('adhoc invalid', (select s from chain40), '1'),
    '[{"path": "", "keyword": "anyOf", "message": "matches none of the 2 schemas in anyOf"}]',
    'N=40 chain, ad hoc: the document 1 is invalid (one error at the root)');
select is(pg_temp.timed('adhoc valid', (select s from chain40), '"x"'), '[]', 'N=40 chain, ad hoc: a string is valid');
select cmp_ok((select max(ms) from timing), '<', 1000::numeric, 'N=40 chain validates ad hoc in under 1 s (generous bound)');

select is(beamline.register_schema('budget', 'chain/forty', (select s from chain40), 'alice'), 1,
    'the N=40 chain registers (its memoised cost per node is small)');
select is(pg_temp.timed('registered', (select s from chain40), '1') -> 0 ->> 'keyword', 'anyOf', 'N=40 chain, registered: invalid');
select cmp_ok((select ms from timing where label = 'registered'), '<', 1000::numeric, 'N=40 chain validates registered in under 1 s');

-- a schema over the per-node cost limit: 3,000 subschemas that all apply to one node
create temporary table before_counts as select tests.row_counts() as c;
select throws_ok($$ select beamline.register_schema('budget', 'wide/x', pg_catalog.jsonb_build_object('allOf',
        (select pg_catalog.jsonb_agg('{"type": "integer"}'::jsonb) from pg_catalog.generate_series(1, 3000))), 'alice') $$,
    'BL010', null, 'a schema whose cost per document node is over the limit is refused at registration');
select is(tests.row_counts(), (select c from before_counts), 'the refused registration wrote nothing');

-- a registered schema (100 subschemas per item) and an invalid document of 1,000 items need
-- ~101,000 subschema applications: over the per-call budget of 100,000
select beamline.register_schema('budget', 'policy/default', pg_catalog.jsonb_build_object('type', 'object',
    'properties', pg_catalog.jsonb_build_object('xs', pg_catalog.jsonb_build_object('items', pg_catalog.jsonb_build_object(
        'allOf', (select pg_catalog.jsonb_agg('{"type": "integer"}'::jsonb) from pg_catalog.generate_series(1, 100)))))), 'alice');
create temporary table before_put as select tests.row_counts() as c;
set local role beamline_app;
select throws_ok(pg_catalog.format($$ select beamline.put_policy('budget', 'p1', %L, 'alice') $$,
        pg_catalog.jsonb_build_object('xs', (select pg_catalog.jsonb_agg(case when g = 1000 then '"x"'::jsonb else '0'::jsonb end)
                                               from pg_catalog.generate_series(1, 1000) as g))),
    'BL040', null, 'put_policy over the work budget raises BL040');
reset role;
select is(tests.row_counts(), (select c from before_put), 'the put_policy over budget wrote nothing');

select * from finish();
rollback;
