-- Schema registry and limits (issue 3): the shipped defaults loaded by migrate (policy/default
-- accepts SPEC §4's example and rejects a bad one with exact paths; state/default), schema_for
-- (default, tenant override, BL002), register_schema (BL001 without schema:manage, BL007 bad
-- arguments, BL010 unsupported keyword / malformed value / bad pattern / unresolvable and
-- cycling $ref / draft other than 2020-12, versions, idempotent re-registration, tenant
-- isolation), validate rejects unsupported schemas (BL010), document limits (BL009 over
-- max_document_bytes / max_document_depth of beamline_admin.set_setting, BL007 for a bad
-- setting; sql/tests/28-caller-settings.sql: session settings cannot raise them), catalog
-- checks (comments, privileges).
begin;
select plan(33);

select tests.bootstrap('t1', 'alice');
select tests.grant('t1', 'vera', 'viewer');
select tests.bootstrap('t2', 'bob');

-- shipped defaults ------------------------------------------------------------------------
select is((select pg_catalog.count(*)::integer from beamline.json_schemas where tenant_id is null), 2, 'migrate loaded two defaults');
select is(beamline.validate(beamline_internal.schema_for('policy/default'),
    '{"providers":[{"id":"openai","weight":70},{"id":"anthropic","weight":30}],"rules":[{"id":"r1","match":{"model":"gpt-4*"},"route":["openai"],"priority":10}],"fallback":{"provider":"anthropic"}}'),
    '[]', 'SPEC §4 example policy is valid');
select is(pg_catalog.jsonb_path_query_array(beamline.validate(beamline_internal.schema_for('policy/default'),
    '{"providers":[{"id":"openai","weight":170}],"rules":[{"id":"r1","match":{"model":5},"route":[]}],"extra":1}'), '$[*].path'),
    '["/extra", "/rules/0/route", "/providers/0/weight", "/rules/0/match/model"]', 'bad policy: every error path (breadth-first)');
select is(beamline.validate(beamline_internal.schema_for('state/default'),
    '{"version":1,"current_checkpoint":"c1","checkpoints":{"c1":{"title":"start","status":"done","created_at":"2024-05-01T10:00:00Z","files":["a.py"]}}}'),
    '[]', 'a DevState document is valid');
select is(beamline.validate(beamline_internal.schema_for('state/default'),
    '{"version":1,"current_checkpoint":null,"checkpoints":{"c1":{"title":"x","status":"lost"}}}') -> 0 ->> 'path',
    '/checkpoints/c1/status', 'DevState: bad status');
select throws_ok($$ select beamline_internal.schema_for('nope/none') $$, 'BL002', null, 'schema_for: unknown name is BL002');

-- register_schema -------------------------------------------------------------------------
select throws_ok($$ select beamline.register_schema('t1', 'policy/default', '{"type": "object"}', 'vera') $$, 'BL001', null,
    'a viewer may not register schemas');
select throws_ok($$ select beamline.register_schema('t1', 'policy/default', '{"type": "object"}', 'nobody') $$, 'BL001', null,
    'an unknown actor may not register schemas');
select throws_ok($$ select beamline.register_schema('t 1', 'policy/default', '{}', 'alice') $$, 'BL007', null, 'bad tenant: BL007');
select throws_ok($$ select beamline.register_schema('t1', 'Policy Default', '{}', 'alice') $$, 'BL007', null, 'bad name: BL007');
select throws_ok($$ select beamline.register_schema('t1', 'policy/default', null, 'alice') $$, 'BL007', null, 'null schema: BL007');
select throws_ok($$ select beamline.register_schema('t1', 'policy/default', '{"definitions": {}}', 'alice') $$, 'BL010', null,
    'definitions (an older draft''s keyword) is rejected');
select throws_ok($$ select beamline.register_schema('t1', 'p/x', '{"properties": {"a": {"$dynamicRef": "#x"}}}', 'alice') $$, 'BL010', null,
    '$dynamicRef (nested) to an anchor that does not exist is rejected');
select throws_ok($$ select beamline.register_schema('t1', 'p/x', '{"$recursiveRef": "#"}', 'alice') $$, 'BL010', null,
    '$recursiveRef (draft 2019-09) is rejected');
select throws_ok($$ select beamline.register_schema('t1', 'p/x', '{"minLength": -1}', 'alice') $$, 'BL010', null, 'negative minLength');
select throws_ok($$ select beamline.register_schema('t1', 'p/x', '{"pattern": "(unclosed"}', 'alice') $$, 'BL010', null, 'invalid pattern');
select throws_ok($$ select beamline.register_schema('t1', 'p/x', pg_catalog.jsonb_build_object('pattern', pg_catalog.repeat('a', 1001)), 'alice') $$,
    'BL010', null, 'pattern over 1000 characters');
select throws_ok($$ select beamline.register_schema('t1', 'p/x', '{"$ref": "#/$defs/missing"}', 'alice') $$, 'BL010', null, 'unresolvable $ref');
select throws_ok($$ select beamline.register_schema('t1', 'p/x', '{"$ref": "other.json#/a"}', 'alice') $$, 'BL010', null, 'remote $ref to a schema nobody registered');
select throws_ok($$ select beamline.register_schema('t1', 'p/x', '{"$defs": {"a": {"allOf": [{"$ref": "#/$defs/b"}]}, "b": {"not": {"$ref": "#/$defs/a"}}}, "$ref": "#/$defs/a"}', 'alice') $$,
    'BL010', null, '$ref cycle that never descends');
select throws_ok($$ select beamline.register_schema('t1', 'p/x', '{"$schema": "http://json-schema.org/draft-07/schema#"}', 'alice') $$, 'BL010', null, 'draft-07');
select is(beamline.register_schema('t1', 'p/x', '{"$defs": {"n": {"properties": {"c": {"$ref": "#/$defs/n"}}}}, "$ref": "#/$defs/n"}', 'alice'), 1,
    'a $ref cycle through properties is fine');
select is(beamline.register_schema('t1', 'policy/default', '{"type": "object", "required": ["providers"]}', 'alice'), 1, 'first override: version 1');
select is(beamline.register_schema('t1', 'policy/default', '{"type": "object", "required": ["providers"]}', 'alice'), 1, 'same schema again: still 1');
select is(beamline.register_schema('t1', 'policy/default', '{"type": "object", "required": ["rules"]}', 'alice'), 2, 'changed: version 2');
select is(beamline_internal.schema_for('policy/default', 't1'), '{"type": "object", "required": ["rules"]}', 'schema_for: the tenant''s newest override');
select is(beamline_internal.schema_for('policy/default', 't2') ->> 'title', 'beamline-store routing policy (policy/default)', 'other tenants keep the default');

-- validate checks ad-hoc schemas too ------------------------------------------------------
select throws_ok($$ select beamline.validate('{"$dynamicRef": "#x"}', '{}') $$, 'BL010', null, 'validate: unsupported keyword is BL010');

-- limits ----------------------------------------------------------------------------------
select beamline_admin.set_setting('max_document_depth', '3') is not null as limit_set \gset
select lives_ok($$ select beamline.validate('true', '{"a": [{"b": 1}]}') $$, 'depth 3 at limit 3');
select throws_ok($$ select beamline.validate('true', '{"a": [{"b": []}]}') $$, 'BL009', null, 'depth 4 over limit 3: BL009');
select beamline_admin.set_setting('max_document_depth', '32') is not null as limit_set \gset
select beamline_admin.set_setting('max_document_bytes', '100') is not null as limit_set \gset
select throws_ok($$ select beamline.validate('true', pg_catalog.to_jsonb(pg_catalog.repeat('x', 200))) $$, 'BL009', null, 'over 100 bytes: BL009');
select throws_ok($$ select beamline_admin.set_setting('max_document_bytes', 'lots') $$, 'BL007', null, 'malformed limit setting: BL007');
select beamline_admin.set_setting('max_document_bytes', '1048576') is not null as limit_set \gset
select throws_ok(pg_catalog.format($$ select beamline.validate('true', %L::jsonb) $$, pg_catalog.repeat('[', 40) || pg_catalog.repeat(']', 40)),
    'BL009', null, 'default depth limit (32) applies');

select * from finish();
rollback;
