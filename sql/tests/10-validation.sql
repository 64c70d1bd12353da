-- JSON Schema engine (issue 3): beamline.validate / beamline_internal.assert_valid.
-- Cases, each valid and invalid with the exact error list (path = JSON pointer into the doc):
-- type (single, list, integer vs number, 1.0 is an integer), enum, const (deep equality),
-- required, properties, additionalProperties (false and schema), patternProperties,
-- propertyNames, min/maxProperties, dependentRequired, items, prefixItems, min/maxItems,
-- uniqueItems (1 = 1.0), contains/minContains/maxContains, min/maxLength in characters,
-- pattern, minimum, maximum, exclusiveMinimum/Maximum, multipleOf (exact: 0.3 of 0.1),
-- allOf, anyOf, oneOf, not, if/then/else, $ref (recursive, "~1" escapes), boolean schemas,
-- format (an annotation unless the schema opts in with "x-beamline-format-assertion": true;
-- then date-time, date, uuid, email asserted, others annotations), escaped error paths,
-- nested errors all reported; assert_valid raises BL004 with the list in DETAIL; NULL BL007.
begin;
select plan(80);

-- type ------------------------------------------------------------------------------------
select is(beamline.validate('{"type": "string"}', '"x"'), '[]', 'type: string ok');
select is(beamline.validate('{"type": "string"}', '1'),
    '[{"path": "", "keyword": "type", "message": "expected string, got number"}]', 'type: number is not a string');
select is(beamline.validate('{"type": ["string", "null"]}', 'null'), '[]', 'type list: null ok');
select is(beamline.validate('{"type": ["string", "null"]}', 'true') -> 0 ->> 'keyword', 'type', 'type list: boolean rejected');
select is(beamline.validate('{"type": "integer"}', '3'), '[]', 'integer: 3');
select is(beamline.validate('{"type": "integer"}', '3.0'), '[]', 'integer: 3.0 has no fraction');
select is(beamline.validate('{"type": "integer"}', '3.5') -> 0 ->> 'keyword', 'type', 'integer: 3.5 rejected');
select is(beamline.validate('{"type": "number"}', '3'), '[]', 'number: an integer is a number');
select is(beamline.validate('{"type": "object"}', '[]') -> 0 ->> 'keyword', 'type', 'object: array rejected');
select is(beamline.validate('{"type": "array"}', '{}') -> 0 ->> 'keyword', 'type', 'array: object rejected');
select is(beamline.validate('{"type": "boolean"}', '0') -> 0 ->> 'keyword', 'type', 'boolean: 0 rejected');

-- enum / const ----------------------------------------------------------------------------
select is(beamline.validate('{"enum": ["a", 1, null, {"k": [1]}]}', '1.0'), '[]', 'enum: 1.0 equals 1');
select is(beamline.validate('{"enum": ["a", 1, null, {"k": [1]}]}', '{"k": [1]}'), '[]', 'enum: deep object equal');
select is(beamline.validate('{"enum": [[1, 2]]}', '[1]') -> 0 ->> 'keyword', 'enum', 'enum: [1] is not [1, 2] (no containment)');
select is(beamline.validate('{"enum": [1]}', 'true') -> 0 ->> 'keyword', 'enum', 'enum: true is not 1');
select is(beamline.validate('{"const": {"a": [1, {"b": null}]}}', '{"a": [1, {"b": null}]}'), '[]', 'const: deep equal');
select is(beamline.validate('{"const": {"a": 1}}', '{"a": 1, "b": 2}'),
    '[{"path": "", "keyword": "const", "message": "expected {\"a\": 1}"}]', 'const: extra member rejected');

-- objects ---------------------------------------------------------------------------------
select is(beamline.validate('{"required": ["a", "b"]}', '{"a": 1}'),
    '[{"path": "", "keyword": "required", "message": "missing required property \"b\""}]', 'required: missing b');
select is(beamline.validate('{"required": ["a"]}', '[1]'), '[]', 'required: ignores non-objects');
select is(beamline.validate('{"properties": {"a": {"properties": {"b": {"type": "string"}}}}}', '{"a": {"b": 1}}'),
    '[{"path": "/a/b", "keyword": "type", "message": "expected string, got number"}]', 'properties: nested path');
select is(beamline.validate('{"properties": {"a/b": {"type": "string"}, "m~n": {"type": "string"}}}', '{"a/b": 1, "m~n": 2}'),
    '[{"path": "/a~1b", "keyword": "type", "message": "expected string, got number"}, {"path": "/m~0n", "keyword": "type", "message": "expected string, got number"}]',
    'paths escape / and ~ (RFC 6901)');
select is(beamline.validate('{"properties": {"a": true}, "additionalProperties": false}', '{"a": 1, "z": 2}'),
    '[{"path": "/z", "keyword": "additionalProperties", "message": "additional property \"z\" is not allowed"}]',
    'additionalProperties false: the extra member''s path');
select is(beamline.validate('{"additionalProperties": {"type": "integer"}}', '{"a": 1, "b": "x"}'),
    '[{"path": "/b", "keyword": "type", "message": "expected integer, got string"}]', 'additionalProperties schema');
select is(beamline.validate('{"patternProperties": {"^x": {"type": "integer"}}, "additionalProperties": false}', '{"x1": 1, "x2": "s"}'),
    '[{"path": "/x2", "keyword": "type", "message": "expected integer, got string"}]', 'patternProperties apply, not additional');
select is(beamline.validate('{"patternProperties": {"^x": true}, "additionalProperties": false}', '{"y": 1}') -> 0 ->> 'path', '/y',
    'patternProperties: a non-matching member is additional');
select is((beamline.validate('{"propertyNames": {"maxLength": 2}}', '{"ab": 1, "abc": 2}') -> 0) - 'message',
    '{"path": "/abc", "keyword": "propertyNames"}', 'propertyNames: the bad name''s path');
select is(beamline.validate('{"minProperties": 2}', '{"a": 1}') -> 0 ->> 'keyword', 'minProperties', 'minProperties');
select is(beamline.validate('{"maxProperties": 1}', '{"a": 1}'), '[]', 'maxProperties ok');
select is(beamline.validate('{"maxProperties": 1}', '{"a": 1, "b": 2}') -> 0 ->> 'keyword', 'maxProperties', 'maxProperties');
select is(beamline.validate('{"dependentRequired": {"a": ["b"]}}', '{"a": 1}') -> 0 ->> 'keyword', 'dependentRequired', 'dependentRequired');
select is(beamline.validate('{"dependentRequired": {"a": ["b"]}}', '{"c": 1}'), '[]', 'dependentRequired: trigger absent');

-- arrays ----------------------------------------------------------------------------------
select is(beamline.validate('{"items": {"type": "string"}}', '["a", 1, "b", 2]'),
    '[{"path": "/1", "keyword": "type", "message": "expected string, got number"}, {"path": "/3", "keyword": "type", "message": "expected string, got number"}]',
    'items: every bad item, with its index');
select is(beamline.validate('{"prefixItems": [{"type": "integer"}], "items": false}', '[1]'), '[]', 'prefixItems ok');
select is(beamline.validate('{"prefixItems": [{"type": "integer"}], "items": false}', '[1, 2]'),
    '[{"path": "/1", "keyword": "false", "message": "no value is allowed here (false schema)"}]', 'items after prefixItems');
select is(beamline.validate('{"prefixItems": [{"type": "integer"}, {"type": "string"}]}', '["x"]') -> 0 ->> 'path', '/0', 'prefixItems: index 0');
select is(beamline.validate('{"minItems": 2}', '[1]') -> 0 ->> 'keyword', 'minItems', 'minItems');
select is(beamline.validate('{"maxItems": 1}', '[1, 2]') -> 0 ->> 'keyword', 'maxItems', 'maxItems');
select is(beamline.validate('{"uniqueItems": true}', '[1, {"a": 1}, [1]]'), '[]', 'uniqueItems ok');
select is(beamline.validate('{"uniqueItems": true}', '[1, 2, 1.0]'),
    '[{"path": "/2", "keyword": "uniqueItems", "message": "duplicate of an earlier item"}]', 'uniqueItems: 1.0 repeats 1');
select is(beamline.validate('{"uniqueItems": true}', '[{"a": [1]}, {"a": [1]}]') -> 0 ->> 'path', '/1', 'uniqueItems: deep duplicate');
select is(beamline.validate('{"contains": {"type": "string"}}', '[1, "a"]'), '[]', 'contains ok');
select is(beamline.validate('{"contains": {"type": "string"}}', '[1, 2]') -> 0 ->> 'keyword', 'contains', 'contains: none');
select is(beamline.validate('{"contains": {"type": "string"}, "minContains": 2, "maxContains": 2}', '["a", 1]') -> 0 ->> 'keyword', 'minContains', 'minContains');
select is(beamline.validate('{"contains": {"type": "string"}, "maxContains": 1}', '["a", "b"]') -> 0 ->> 'keyword', 'maxContains', 'maxContains');
select is(beamline.validate('{"contains": {"type": "string"}, "minContains": 0}', '[]'), '[]', 'minContains 0 allows none');

-- strings ---------------------------------------------------------------------------------
select is(beamline.validate('{"minLength": 2, "maxLength": 2}', '"é😀"'), '[]', 'lengths count characters, not bytes');
select is(beamline.validate('{"maxLength": 1}', '"ab"') -> 0 ->> 'keyword', 'maxLength', 'maxLength');
select is(beamline.validate('{"minLength": 3}', '"ab"') -> 0 ->> 'keyword', 'minLength', 'minLength');
select is(beamline.validate('{"pattern": "b+"}', '"abbc"'), '[]', 'pattern is unanchored (search)');
select is(beamline.validate('{"pattern": "^b"}', '"ab"') -> 0 ->> 'keyword', 'pattern', 'pattern mismatch');
select is(beamline.validate('{"minLength": 5}', '5'), '[]', 'string keywords ignore numbers');

-- numbers ---------------------------------------------------------------------------------
select is(beamline.validate('{"minimum": 1, "maximum": 3}', '3'), '[]', 'minimum/maximum inclusive');
select is(beamline.validate('{"minimum": 1}', '0.5') -> 0 ->> 'keyword', 'minimum', 'minimum');
select is(beamline.validate('{"maximum": 3}', '3.01') -> 0 ->> 'keyword', 'maximum', 'maximum');
select is(beamline.validate('{"exclusiveMinimum": 1}', '1') -> 0 ->> 'keyword', 'exclusiveMinimum', 'exclusiveMinimum');
select is(beamline.validate('{"exclusiveMaximum": 3}', '3') -> 0 ->> 'keyword', 'exclusiveMaximum', 'exclusiveMaximum');
select is(beamline.validate('{"multipleOf": 0.1}', '0.3'), '[]', 'multipleOf is exact: 0.3 is a multiple of 0.1');
select is(beamline.validate('{"multipleOf": 0.1}', '0.35') -> 0 ->> 'keyword', 'multipleOf', 'multipleOf: 0.35 of 0.1');
select is(beamline.validate('{"minimum": 1}', '"0"'), '[]', 'number keywords ignore strings');

-- applicators -----------------------------------------------------------------------------
select is(beamline.validate('{"allOf": [{"minimum": 1}, {"maximum": 0}]}', '5'),
    '[{"path": "", "keyword": "maximum", "message": "5 is greater than the maximum 0"}]', 'allOf: the failing branch''s errors');
select is(beamline.validate('{"anyOf": [{"type": "string"}, {"minimum": 3}]}', '4'), '[]', 'anyOf ok');
select is(beamline.validate('{"anyOf": [{"type": "string"}, {"minimum": 3}]}', '1'),
    '[{"path": "", "keyword": "anyOf", "message": "matches none of the 2 schemas in anyOf"}]', 'anyOf: none');
select is(beamline.validate('{"oneOf": [{"type": "integer"}, {"minimum": 3}]}', '1'), '[]', 'oneOf: exactly one');
select is(beamline.validate('{"oneOf": [{"type": "integer"}, {"minimum": 3}]}', '4'),
    '[{"path": "", "keyword": "oneOf", "message": "matches more than one schema in oneOf (indexes 0, 1)"}]', 'oneOf: two');
select is(beamline.validate('{"not": {"type": "string"}}', '"x"') -> 0 ->> 'keyword', 'not', 'not');
select is(beamline.validate('{"if": {"type": "string"}, "then": {"minLength": 2}, "else": {"minimum": 0}}', '"a"') -> 0 ->> 'keyword', 'minLength', 'if/then');
select is(beamline.validate('{"if": {"type": "string"}, "then": {"minLength": 2}, "else": {"minimum": 0}}', '-1') -> 0 ->> 'keyword', 'minimum', 'if/else');
select is(beamline.validate('false', '1') -> 0 ->> 'keyword', 'false', 'false schema');
select is(beamline.validate('true', '{"any": [1]}'), '[]', 'true schema');

-- $ref ------------------------------------------------------------------------------------
select is(beamline.validate(
    '{"$defs": {"node": {"type": "object", "properties": {"v": {"type": "integer"}, "next": {"$ref": "#/$defs/node"}}}}, "$ref": "#/$defs/node"}',
    '{"v": 1, "next": {"v": 2, "next": {"v": "x"}}}'),
    '[{"path": "/next/next/v", "keyword": "type", "message": "expected integer, got string"}]', '$ref: recursive schema, deep path');
select is(beamline.validate('{"$defs": {"a/b": {"type": "null"}}, "properties": {"x": {"$ref": "#/$defs/a~1b"}}}', '{"x": 1}') -> 0 ->> 'path',
    '/x', '$ref with an escaped pointer');
select is(beamline.validate('{"$ref": "#/$defs/p", "$defs": {"p": {"minimum": 0}}, "maximum": 5}', '9') -> 0 ->> 'keyword', 'maximum', '$ref with sibling keywords');

-- format ----------------------------------------------------------------------------------
select is(beamline.validate('{"format": "date-time"}', '"no date"'), '[]', 'format is an annotation by default');
select is(beamline.validate('{"x-beamline-format-assertion": true, "format": "date-time"}', '"2024-02-29T23:59:60.5+01:00"'), '[]', 'date-time ok (leap year, leap second)');
select is(beamline.validate(
    '{"x-beamline-format-assertion": true, "items": {"format": "date-time"}}', '["2023-02-29T00:00:00Z", "2024-01-01 00:00:00Z", "2024-01-01T24:00:00Z"]'),
    '[{"path": "/0", "keyword": "format", "message": "is not a valid date-time"}, {"path": "/1", "keyword": "format", "message": "is not a valid date-time"}, {"path": "/2", "keyword": "format", "message": "is not a valid date-time"}]',
    'date-time: bad day, space separator, hour 24');
select is(beamline.validate('{"x-beamline-format-assertion": true, "items": {"format": "uuid"}}', '["123e4567-e89b-12d3-a456-426614174000", "123e4567"]') -> 0 ->> 'path', '/1', 'uuid');
select is(pg_catalog.jsonb_path_query_array(beamline.validate('{"x-beamline-format-assertion": true, "items": {"format": "email"}}', '["a@b.example", "no-at", "a b@c"]'), '$[*].path'),
    '["/1", "/2"]', 'email (shape): no @, whitespace');
select is(pg_catalog.jsonb_array_length(beamline.validate('{"x-beamline-format-assertion": true, "items": {"format": "hostname"}}', '["!!!"]')), 0, 'unknown formats are annotations');

-- assert_valid ----------------------------------------------------------------------------
select throws_ok($$ select beamline_internal.assert_valid('{"required": ["a"]}', '{}') $$, 'BL004', null, 'assert_valid: BL004');
select throws_ok($$ select beamline.validate(null, '{}') $$, 'BL007', null, 'NULL schema: BL007');

select * from finish();
rollback;
