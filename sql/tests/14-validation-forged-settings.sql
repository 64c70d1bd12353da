-- Forged session settings cannot change a validation verdict (issue 11, issue 15).
-- Until migration 0070 beamline.validate cached "this schema was checked" in the session
-- setting beamline.jsonschema_checked and the compiled fast path in beamline.jsonschema_fast_<md5>;
-- a caller who preset them got [] for an invalid document. Cases, all as the application role:
-- preset checked + fast settings (always-true predicate) for an ad-hoc schema: the document is
-- still invalid with the exact error; the same for a registered schema (policy/default) through
-- validate and through put_policy (BL004, nothing written); preset "checked" for a malformed
-- schema: still BL010; the settings validate reads are none (catalog: no current_setting
-- call in the engine's functions).
begin;
select plan(7);

select tests.bootstrap('forge', 'alice');

set local role beamline_app;
-- ===== as the application role ==========================================================
select set_config('beamline.jsonschema_checked',
    md5('{"type": "string"}'::jsonb::text) || ',' || md5('{"typo": 1}'::jsonb::text) || ',', true);
select set_config('beamline.jsonschema_fast_' || md5('{"type": "string"}'::jsonb::text),
    '{"predicate": "strict exists($ ? (@.type() != \"none\"))", "checks": []}', true);
select set_config('beamline.jsonschema_registered', repeat('0', 64) || ',', true);
select is(beamline.validate('{"type": "string"}', '1'),
    '[{"path": "", "keyword": "type", "message": "expected string, got number"}]',
    'forged checked/fast settings: an ad-hoc schema still finds the error');
select throws_ok($$ select beamline.validate('{"typo": 1}', '1') $$, 'BL010', null,
    'forged checked setting: a malformed schema is still BL010');

reset role;
create temporary table forge_schema as select beamline_internal.schema_for('policy/default') as s;
grant select on forge_schema to public;
-- (as the superuser: the embedded database gives the application role no TEMP, SECURITY.md)
create temporary table forge_before as select tests.row_counts() as c;
grant select on forge_before to public;
set local role beamline_app;
select set_config('beamline.jsonschema_fast_' || md5((select s from forge_schema)::text),
    '{"predicate": "strict exists($ ? (@.type() != \"none\"))", "checks": []}', true);
select set_config('beamline.jsonschema_checked', md5((select s from forge_schema)::text) || ',', true);
select set_config('beamline.jsonschema_registered',
    encode(sha256(convert_to((select s from forge_schema)::text, 'UTF8')), 'hex') || ',', true);
select is(pg_catalog.jsonb_path_query_array(beamline.validate((select s from forge_schema), '{"providers": 5}'), '$[*].path'),
    '["", "/providers"]', 'forged settings: the registered policy schema still finds every error');

select throws_ok($$ select beamline.put_policy('forge', 'p1', '{"providers": 5}', 'alice') $$, 'BL004', null,
    'forged settings: put_policy still rejects an invalid policy');
select is(tests.row_counts(), (select c from forge_before), 'the rejected put_policy wrote nothing');
reset role;
-- ===== back to the test's own role ======================================================

select is((select count(*)::integer from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
            where n.nspname in ('beamline', 'beamline_internal')
              and (p.proname like 'jsonschema%' or p.proname in ('validate', 'assert_valid'))
              and p.prosrc like '%current_setting%'), 0,
    'no engine function reads a session setting');
select is((select count(*)::integer from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
            where n.nspname in ('beamline', 'beamline_internal')
              and (p.proname like 'jsonschema%' or p.proname in ('validate', 'assert_valid'))
              and p.prosrc like '%set_config%'), 0,
    'no engine function writes a session setting');

select * from finish();
rollback;
