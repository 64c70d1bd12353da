-- Draft 2020-12 keywords added in issue 15, per keyword (the official suite runs through
-- bench/jsonschema_suite.py; these are CI's own cases). Cases: $anchor; embedded resources
-- ($id) with pointers and anchors; $ref siblings apply; percent-encoded pointers; $dynamicRef
-- (extendible recursive schema, static fallback); dependentSchemas; unevaluatedProperties
-- (allOf, anyOf, if/then annotations, nested); unevaluatedItems (prefixItems, contains);
-- remote $ref against a registered schema only (BL010 otherwise); $vocabulary of a registered
-- meta-schema (validation keywords ignored, format assertion on, unknown required vocabulary
-- BL010); content* annotations; lone minContains ignored; \p{Letter}.
begin;
select plan(33);

select tests.bootstrap('t16', 'alice16');

-- $anchor, $id ----------------------------------------------------------------------------
select is(beamline.validate('{"$defs": {"a": {"$anchor": "x", "type": "integer"}}, "properties": {"p": {"$ref": "#x"}}}', '{"p": "s"}'),
    '[{"path": "/p", "keyword": "type", "message": "expected integer, got string"}]', '$anchor: #x resolves');
select is(beamline.validate('{"$id": "https://ex.test/root", "$defs": {"b": {"$id": "b.json", "$defs": {"i": {"type": "integer"}}}}, "$ref": "b.json#/$defs/i"}', '1'),
    '[]', 'embedded resource: b.json#/$defs/i, valid');
select is(beamline.validate('{"$id": "https://ex.test/root", "$defs": {"b": {"$id": "b.json", "$defs": {"i": {"type": "integer"}}}}, "$ref": "b.json#/$defs/i"}', '"x"') -> 0 ->> 'keyword',
    'type', 'embedded resource: b.json#/$defs/i, invalid');
select is(beamline.validate('{"$id": "https://ex.test/dir/root", "$defs": {"b": {"$id": "../other/b", "$anchor": "n", "type": "null"}}, "$ref": "https://ex.test/other/b#n"}', 'null'),
    '[]', 'relative $id with ".." and an absolute reference to its anchor');
select is(beamline.validate('{"$ref": "#/$defs/a", "maximum": 5, "$defs": {"a": {"minimum": 1}}}', '7') -> 0 ->> 'keyword',
    'maximum', 'keywords beside $ref apply too');
select is(beamline.validate('{"$defs": {"a%b": {"type": "string"}}, "$ref": "#/$defs/a%25b"}', '1') -> 0 ->> 'keyword',
    'type', 'percent-encoded JSON pointer');
select throws_ok($$ select beamline.validate('{"$ref": "#nope"}', '1') $$, 'BL010', null, 'an anchor that does not exist is BL010');

-- $dynamicRef -----------------------------------------------------------------------------
-- (the failing $ref also evaluates nothing, so the outer unevaluatedProperties reports
-- "/children" too: annotations of failing subschemas are dropped, as the specification says)
select ok(beamline.validate('{"$id": "https://ex.test/strict", "$dynamicAnchor": "node", "$ref": "tree", "unevaluatedProperties": false,
        "$defs": {"tree": {"$id": "tree", "$dynamicAnchor": "node", "type": "object",
                           "properties": {"data": true, "children": {"type": "array", "items": {"$dynamicRef": "#node"}}}}}}',
        '{"children": [{"daat": 1}]}') @> '[{"path": "/children/0/daat", "keyword": "unevaluatedProperties"}]',
    '$dynamicRef: the outermost dynamic anchor (the strict tree) applies to the children');
select is(beamline.validate('{"$id": "https://ex.test/strict", "$dynamicAnchor": "node", "$ref": "tree", "unevaluatedProperties": false,
        "$defs": {"tree": {"$id": "tree", "$dynamicAnchor": "node", "type": "object",
                           "properties": {"data": true, "children": {"type": "array", "items": {"$dynamicRef": "#node"}}}}}}',
        '{"children": [{"data": 1}]}'), '[]', '$dynamicRef: a valid strict tree');
select is(beamline.validate('{"$id": "https://ex.test/loose", "$ref": "tree",
        "$defs": {"tree": {"$id": "tree", "$dynamicAnchor": "node", "type": "object",
                           "properties": {"data": true, "children": {"type": "array", "items": {"$dynamicRef": "#node"}}}}}}',
        '{"children": [{"daat": 1}]}'), '[]', '$dynamicRef: without an outer anchor the tree itself applies');
select is(beamline.validate('{"$defs": {"a": {"type": "integer"}}, "$dynamicRef": "#/$defs/a"}', '"x"') -> 0 ->> 'keyword',
    'type', '$dynamicRef to a pointer behaves as $ref');

-- dependentSchemas ------------------------------------------------------------------------
select is(beamline.validate('{"dependentSchemas": {"a": {"required": ["b"]}}}', '{"a": 1}'),
    '[{"path": "", "keyword": "required", "message": "missing required property \"b\""}]', 'dependentSchemas applies when the member is present');
select is(beamline.validate('{"dependentSchemas": {"a": {"required": ["b"]}}}', '{"c": 1}'), '[]', 'dependentSchemas: absent member, nothing applies');

-- unevaluatedProperties / unevaluatedItems ------------------------------------------------
select is(beamline.validate('{"allOf": [{"properties": {"a": true}}], "unevaluatedProperties": false}', '{"a": 1}'), '[]',
    'unevaluatedProperties: evaluated through allOf');
select is(beamline.validate('{"allOf": [{"properties": {"a": true}}], "unevaluatedProperties": false}', '{"a": 1, "b": 2}'),
    '[{"path": "/b", "keyword": "unevaluatedProperties", "message": "unevaluated property \"b\" is not allowed"}]',
    'unevaluatedProperties: the unevaluated member''s path');
select is(beamline.validate('{"anyOf": [{"properties": {"a": true}, "required": ["a"]}, {"properties": {"b": true}, "required": ["b"]}], "unevaluatedProperties": false}', '{"a": 1, "b": 2}'),
    '[]', 'unevaluatedProperties: every valid anyOf branch counts');
select is(beamline.validate('{"anyOf": [{"properties": {"a": true}, "required": ["a"]}, {"properties": {"b": true}, "required": ["b", "x"]}], "unevaluatedProperties": false}', '{"a": 1, "b": 2}') -> 0 ->> 'path',
    '/b', 'unevaluatedProperties: a failing branch evaluates nothing');
select is(beamline.validate('{"if": {"properties": {"a": {"const": 1}}}, "then": {"properties": {"b": true}}, "unevaluatedProperties": false}', '{"a": 1, "b": 2}'),
    '[]', 'unevaluatedProperties: if (when it holds) and then count');
select is(beamline.validate('{"properties": {"n": {"properties": {"a": true}, "unevaluatedProperties": false}}, "unevaluatedProperties": false}', '{"n": {"a": 1, "z": 1}}') -> 0 ->> 'path',
    '/n/z', 'unevaluatedProperties: nested, the inner one reports');
select is(beamline.validate('{"prefixItems": [true], "unevaluatedItems": false}', '[1, 2]'),
    '[{"path": "/1", "keyword": "unevaluatedItems", "message": "unevaluated item is not allowed"}]', 'unevaluatedItems after prefixItems');
select is(beamline.validate('{"contains": {"type": "string"}, "unevaluatedItems": {"type": "integer"}}', '["a", 1]'), '[]',
    'unevaluatedItems: contains matches count as evaluated');
select is(beamline.validate('{"contains": {"type": "string"}, "unevaluatedItems": {"type": "integer"}}', '["a", true]') -> 0 ->> 'path',
    '/1', 'unevaluatedItems: the rest must match');

-- registered remote schemas and meta-schemas -----------------------------------------------
select throws_ok($$ select beamline.validate('{"$ref": "https://ex.test/remote/int"}', '1') $$, 'BL010', null,
    'a remote $ref nobody registered is BL010 (never fetched)');
select beamline_admin.register_default_schema('test/remote-int', '{"$id": "https://ex.test/remote/int", "$defs": {"pos": {"minimum": 0}}, "type": "integer"}');
select is(beamline.validate('{"$ref": "https://ex.test/remote/int"}', '"x"') -> 0 ->> 'keyword', 'type', 'remote $ref resolves against a registered schema');
select is(beamline.validate('{"$ref": "https://ex.test/remote/int#/$defs/pos"}', '-1') -> 0 ->> 'keyword', 'minimum', 'remote $ref with a pointer fragment');
select is(beamline.register_schema('t16', 'p/remote', '{"properties": {"n": {"$ref": "https://ex.test/remote/int"}}}', 'alice16'), 1,
    'a tenant schema may reference a registered global schema');
select beamline_admin.register_default_schema('test/meta-noval', '{"$id": "https://ex.test/meta/noval",
    "$vocabulary": {"https://json-schema.org/draft/2020-12/vocab/core": true, "https://json-schema.org/draft/2020-12/vocab/applicator": true}}');
select is(beamline.validate('{"$schema": "https://ex.test/meta/noval", "properties": {"a": {"minimum": 5}}}', '{"a": 1}'), '[]',
    '$vocabulary without validation: minimum is an annotation');
select beamline_admin.register_default_schema('test/meta-fmt', '{"$id": "https://ex.test/meta/fmt",
    "$vocabulary": {"https://json-schema.org/draft/2020-12/vocab/core": true, "https://json-schema.org/draft/2020-12/vocab/format-assertion": true}}');
select is(beamline.validate('{"$schema": "https://ex.test/meta/fmt", "format": "date"}', '"2023-02-29"') -> 0 ->> 'keyword', 'format',
    '$vocabulary with format-assertion: format is asserted');
select beamline_admin.register_default_schema('test/meta-unknown', '{"$id": "https://ex.test/meta/unknown",
    "$vocabulary": {"https://json-schema.org/draft/2020-12/vocab/core": true, "https://ex.test/vocab/magic": true}}');
select throws_ok($$ select beamline.validate('{"$schema": "https://ex.test/meta/unknown"}', '1') $$, 'BL010', null,
    'a meta-schema requiring an unknown vocabulary is BL010');
select throws_ok($$ select beamline.validate('{"$schema": "https://ex.test/meta/none"}', '1') $$, 'BL010', null,
    'an unknown meta-schema is BL010');

-- annotations, quirks -----------------------------------------------------------------------
select is(beamline.validate('{"contentMediaType": "application/json", "contentEncoding": "base64", "contentSchema": {"type": "object"}}', '"not base64"'),
    '[]', 'content keywords are annotations');
select is(beamline.validate('{"minContains": 2, "maxContains": 0}', '[1]'), '[]', 'minContains/maxContains without contains are ignored');
select is(beamline.validate('{"pattern": "^\\p{Letter}+$"}', '"πx"'), '[]', '\p{Letter} matches non-ASCII letters');

select * from finish();
rollback;
