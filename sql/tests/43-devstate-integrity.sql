-- DevState integrity (issue 11, "History and audit integrity"): attacks a superuser or a caller
-- with history:append could make, each of which must now be detected or refused.
-- Cases:
--   metadata readers see vs metadata signed: with triggers off a superuser makes the generated
--   metadata_canonical a plain column (or replaces the serializer) and edits metadata; the
--   signed text stays, search_history shows the forgery; verify_hmac_chain must report the
--   entry ("metadata mismatch"), for the whole chain and for a range.
begin;
select plan(5);
alter sequence devstate.history_entries_id_seq restart with 1;

select lives_ok($$select beamline_admin.bootstrap_admin('devstate', 'alice')$$, 'bootstrap devstate admin');
select set_config('beamline.hmac_secret', 'pgtap-integrity-key', true);
select lives_ok($$select devstate.append_history(jsonb_build_object('action', 'a' || g, 'metadata', jsonb_build_object('n', g, 'x', 1.50)), 'alice') from generate_series(1, 4) g$$,
                'four appends');
select is(devstate.verify_hmac_chain() ->> 'ok', 'true', 'the chain verifies before the attack');

-- attack: as superuser, triggers off, the signed column frozen, metadata rewritten -------------
set local session_replication_role = replica;
alter table devstate.history_entries alter column metadata_canonical drop expression;
update devstate.history_entries set metadata = '{"n": 99, "x": 1.50}' where id = 3;
select is(devstate.verify_hmac_chain() - 'head' - 'checked' - 'first_id' - 'last_id',
          '{"ok": false, "id": 3, "reason": "metadata mismatch"}',
          'metadata edited behind a frozen signed column: verify names entry 3');
-- the same number written differently (1.50 -> 1.5) is equal as jsonb but not what was signed
update devstate.history_entries set metadata = '{"n": 2, "x": 1.5}' where id = 2;
select is(devstate.verify_hmac_chain(2, 2) - 'head' - 'checked' - 'first_id' - 'last_id',
          '{"ok": false, "id": 2, "reason": "metadata mismatch"}',
          'a number rewritten in another notation is found too (range 2..2)');

select * from finish();
rollback;
