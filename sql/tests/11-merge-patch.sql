-- JSON Merge Patch (RFC 7396) as beamline.merge_patch: the example of section 3 and every row
-- of Appendix A, then: SQL NULL target = absent, SQL NULL patch = BL007, deep merge creates
-- missing objects, arrays never merge.
begin;
select plan(20);

-- RFC 7396 section 3
select is(beamline.merge_patch(
    '{"title": "Goodbye!", "author": {"givenName": "John", "familyName": "Doe"}, "tags": ["example", "sample"], "content": "This will be unchanged"}',
    '{"title": "Hello!", "phoneNumber": "+01-123-456-7890", "author": {"familyName": null}, "tags": ["example"]}'),
    '{"title": "Hello!", "author": {"givenName": "John"}, "tags": ["example"], "content": "This will be unchanged", "phoneNumber": "+01-123-456-7890"}',
    'RFC 7396 section 3 example');

-- RFC 7396 Appendix A, in order
select is(beamline.merge_patch('{"a": "b"}', '{"a": "c"}'), '{"a": "c"}', 'A.1 replace a member');
select is(beamline.merge_patch('{"a": "b"}', '{"b": "c"}'), '{"a": "b", "b": "c"}', 'A.2 add a member');
select is(beamline.merge_patch('{"a": "b"}', '{"a": null}'), '{}', 'A.3 null deletes');
select is(beamline.merge_patch('{"a": "b", "b": "c"}', '{"a": null}'), '{"b": "c"}', 'A.4 delete one of two');
select is(beamline.merge_patch('{"a": ["b"]}', '{"a": "c"}'), '{"a": "c"}', 'A.5 array replaced by string');
select is(beamline.merge_patch('{"a": "c"}', '{"a": ["b"]}'), '{"a": ["b"]}', 'A.6 string replaced by array');
select is(beamline.merge_patch('{"a": {"b": "c"}}', '{"a": {"b": "d", "c": null}}'), '{"a": {"b": "d"}}', 'A.7 nested merge and delete');
select is(beamline.merge_patch('{"a": [{"b": "c"}]}', '{"a": [1]}'), '{"a": [1]}', 'A.8 arrays replace, never merge');
select is(beamline.merge_patch('["a", "b"]', '["c", "d"]'), '["c", "d"]', 'A.9 array target and patch');
select is(beamline.merge_patch('{"a": "b"}', '["c"]'), '["c"]', 'A.10 array patch replaces object');
select is(beamline.merge_patch('{"a": "foo"}', 'null'), 'null', 'A.11 null patch replaces everything');
select is(beamline.merge_patch('{"a": "foo"}', '"bar"'), '"bar"', 'A.12 string patch');
select is(beamline.merge_patch('{"e": null}', '{"a": 1}'), '{"e": null, "a": 1}', 'A.13 existing null members stay');
select is(beamline.merge_patch('[1, 2]', '{"a": "b", "c": null}'), '{"a": "b"}', 'A.14 object patch on array target');
select is(beamline.merge_patch('{}', '{"a": {"bb": {"ccc": null}}}'), '{"a": {"bb": {}}}', 'A.15 nulls inside new objects vanish');

-- beyond the RFC's table
select is(beamline.merge_patch(null, '{"a": {"b": null, "c": 1}}'), '{"a": {"c": 1}}', 'SQL NULL target is absent');
select throws_ok($$ select beamline.merge_patch('{}', null) $$, 'BL007', null, 'SQL NULL patch: BL007');
select is(beamline.merge_patch('{"a": {"x": 1, "y": {"z": 2}}}', '{"a": {"y": {"w": 3}}}'), '{"a": {"x": 1, "y": {"z": 2, "w": 3}}}', 'deep merge keeps siblings');
select is(beamline.merge_patch('{"a": 1}', '{}'), '{"a": 1}', 'empty patch changes nothing');

select * from finish();
rollback;
