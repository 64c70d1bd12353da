-- Bounded validation cost (issue 15). Cases: the $ref/anyOf chain of the issue (N = 40, 2^40
-- paths without the reference memo) validates ad hoc and registered well inside a generous
-- bound (1 s; the figure is in docs/VALIDATION.md) with the exact error; a schema whose static
-- per-node cost is over the registration limit is refused with BL010 and nothing is written;
-- a registered schema and a document that together need more than the per-call budget make
-- put_policy fail with BL040 and write nothing; siblings of the blow-up: a reference applied to
-- 8,000 items (the memo must not grow with the document: linear, fast), a shared reference
-- failing on 8,000 items (the error list and memo are copied on every append: the budget
-- counts that work, so it ends with BL040 within seconds instead of running for minutes), a
-- non-cyclic reference chain 80 deep (not mistaken for a cycle); a 250 KB schema with 11,000
-- references is checked and prepared in linear time (it took minutes: quadratic maps);
-- 3,000 patternProperties against 3,000 members (9 million regex matches, most recompiled)
-- end with BL040 instead of running for minutes; a schema nested 500 deep is BL010 (it overflowed
-- the server's stack: SQLSTATE 54001).
begin;
select plan(18);

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

-- siblings: work that grows with the document
select is(pg_temp.timed('8000 refs', '{"items": {"$ref": "#/$defs/x"}, "$defs": {"x": {"type": "integer"}}}',
        (select pg_catalog.jsonb_agg(g) from pg_catalog.generate_series(1, 8000) as g)), '[]',
    'a reference applied to 8,000 items: valid');
select cmp_ok((select ms from timing where label = '8000 refs'), '<', 5000::numeric, '... in linear time (generous bound: 5 s)');
create function pg_temp.timed_error(p_schema jsonb, p_doc jsonb) returns text language plpgsql as $$
declare v_t timestamptz := pg_catalog.clock_timestamp();
begin
    perform beamline.validate(p_schema, p_doc);
    return 'no error';
exception when sqlstate 'BL040' then
    return 'BL040' || case when pg_catalog.clock_timestamp() - v_t < interval '10 s' then ' in under 10 s' else ' too late' end;
end $$;
select is(pg_temp.timed_error('{"items": {"anyOf": [{"$ref": "#/$defs/x"}, {"$ref": "#/$defs/x"}]}, "$defs": {"x": {"type": "string"}}}',
        (select pg_catalog.jsonb_agg(g) from pg_catalog.generate_series(1, 8000) as g)),
    'BL040 in under 10 s', '8,000 failing items through a shared reference: BL040, not minutes of copying');
select is(beamline.validate(pg_catalog.jsonb_build_object(
    '$defs', (select pg_catalog.jsonb_object_agg('a' || i, case when i = 80 then '{"type": "string"}'::jsonb
                 else pg_catalog.jsonb_build_object('$ref', '#/$defs/a' || (i + 1)) end)
                from pg_catalog.generate_series(0, 80) as i), '$ref', '#/$defs/a0'), '"x"'), '[]',
    'a non-cyclic $ref chain 80 deep validates');

select is(pg_temp.timed('11000 refs', pg_catalog.jsonb_build_object('$defs', '{"x": {}}'::jsonb, 'allOf',
        (select pg_catalog.jsonb_agg('{"$ref": "#/$defs/x"}'::jsonb) from pg_catalog.generate_series(1, 11000))), '1'),
    '[]', 'a schema with 11,000 references validates');
select cmp_ok((select ms from timing where label = '11000 refs'), '<', 5000::numeric, '... checked and prepared in linear time (generous bound: 5 s)');
select is(pg_temp.timed_error(pg_catalog.jsonb_build_object('patternProperties', (select pg_catalog.jsonb_object_agg(
            '^(a|b)*k' || g || '[0-9]{1,20}$', '{"type": "integer"}'::jsonb) from pg_catalog.generate_series(1, 3000) as g)),
        (select pg_catalog.jsonb_object_agg('k' || g, g) from pg_catalog.generate_series(1, 3000) as g)),
    'BL040 in under 10 s', '3,000 patterns x 3,000 members: BL040 within seconds');

select throws_ok($$ select beamline.validate((select pg_catalog.repeat('{"not": ', 500) || '{}' || pg_catalog.repeat('}', 500))::jsonb, '1') $$,
    'BL010', null, 'a schema nested 500 deep is refused (BL010), not a stack overflow');

select * from finish();
rollback;
