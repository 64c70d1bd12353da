-- The PL/pgSQL canonical forms against the shared vectors of tests/vectors/devstate_hmac.json
-- (pytest checks the Python side against the same file): canonical JSON, state checksum, the
-- entry message (v1) and its HMAC-SHA256, and that the vector chain links.
-- Run from the repository root (scripts/run_pgtap.sh does), so the file is found.
\set vectors `cat tests/vectors/devstate_hmac.json`
begin;
select plan(4);
create temporary table v as select :'vectors'::jsonb as doc;

select is((select count(*)::int from v, jsonb_array_elements(v.doc -> 'canonical_json') c
            where beamline_internal.devstate_canonical_json((c ->> 'input')::jsonb) is distinct from c ->> 'canonical'),
          0, 'canonical JSON matches every vector');
select is((select beamline_internal.devstate_state_checksum((c ->> 'input')::jsonb)
             from v, jsonb_array_elements(v.doc -> 'canonical_json') c where c ? 'state_checksum'),
          (select c ->> 'state_checksum' from v, jsonb_array_elements(v.doc -> 'canonical_json') c where c ? 'state_checksum'),
          'state checksum matches the vector');
select is((select count(*)::int from v, jsonb_array_elements(v.doc -> 'entries') e,
                lateral beamline_internal.devstate_entry_message((e ->> 'id')::bigint, (e ->> 'ts')::timestamptz,
                    e ->> 'actor', e ->> 'action', e ->> 'cp_from', e ->> 'cp_to', e ->> 'state_checksum',
                    e ->> 'key_id', e ->> 'hmac_prev', beamline_internal.devstate_canonical_json((e ->> 'metadata_json')::jsonb)) m
            where convert_from(m, 'UTF8') is distinct from e ->> 'message'
               or encode(beamline_ext.hmac(m, convert_to(v.doc ->> 'key', 'UTF8'), 'sha256'), 'hex') is distinct from e ->> 'hmac'),
          0, 'entry messages and hmacs match every vector');
select is((select count(*)::int from v, jsonb_array_elements(v.doc -> 'entries') with ordinality e(x, n)
            where e.x ->> 'hmac_prev' is distinct from coalesce(
                (select p ->> 'hmac' from jsonb_array_elements(v.doc -> 'entries') with ordinality q(p, m) where q.m = e.n - 1), repeat('0', 64))),
          0, 'the vector chain links from genesis');

select * from finish();
rollback;
