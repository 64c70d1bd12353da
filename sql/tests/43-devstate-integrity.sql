-- DevState integrity (issue 11, "History and audit integrity"): attacks a superuser or a caller
-- with history:append could make, each of which must now be detected or refused.
-- Cases:
--   metadata readers see vs metadata signed: with triggers off a superuser makes the generated
--   metadata_canonical a plain column (or replaces the serializer) and edits metadata; the
--   signed text stays, search_history shows the forgery; verify_hmac_chain must report the
--   entry ("metadata mismatch"), for the whole chain and for a range.
--   import batches are bounded (10,000 entries, 32 MiB: BL009), like log_action's;
--   registered keys: the application role cannot register a key; an import whose entries are
--   signed under an unregistered key id, or under a registered id with another secret, is
--   BL025 and writes nothing; an append under an unregistered id, or under the registered id k1
--   with a secret of the caller's choosing, is BL025 and writes nothing; the owner registers
--   k1 (idempotent; another secret for k1 is BL025); rotation: the owner registers k2, appends
--   go under k2, the chain spanning k1 and k2 verifies with k1 as a previous key; a retired id
--   takes no new entries but still verifies; the fingerprint is not the key and is not logged;
--   a new key id needs a secret of at least 32 bytes (UTF-8 bytes, not characters: BL007, nothing
--   registered or audited), while a short key registered before that rule stays usable.
begin;
select plan(33);
alter sequence devstate.history_entries_id_seq restart with 1;

select lives_ok($$select beamline_admin.bootstrap_admin('devstate', 'alice')$$, 'bootstrap devstate admin');
select lives_ok($$select beamline.assign_role('devstate', 'mallory', 'operator', 'alice')$$, 'mallory may append (operator)');
select set_config('beamline.hmac_secret', 'pgtap-integrity-key-0123456789abcdef', true);
select beamline_internal.devstate_initial_state() as init_state,
       beamline_internal.devstate_state_checksum(beamline_internal.devstate_initial_state()) as init_sum \gset

-- the application role cannot register ------------------------------------------------------
set local role beamline_app;
select throws_ok($$select beamline_admin.register_hmac_key()$$, '42501', null, 'the application role cannot register a key');

-- import under unregistered / mismatching keys (DevState is empty here) ------------------------
select lives_ok(format($$select devstate.import_begin(%L, %L, 'mallory')$$, :'init_state', :'init_sum'),
                'mallory starts an import into the empty DevState');
reset role;
-- one entry signed by mallory's own secret "evil", under key id kx
select jsonb_build_array(jsonb_build_object('id', 1, 'ts', '2026-01-01T00:00:00.000000Z', 'actor', 'mallory', 'action', 'x',
         'key_id', 'kx', 'hmac_prev', repeat('0', 64), 'metadata', '{}'::jsonb,
         'hmac', encode(beamline_ext.hmac(beamline_internal.devstate_entry_message(1, '2026-01-01T00:00:00Z', 'mallory', 'x', null, null, null,
                                          'kx', repeat('0', 64), '{}'), convert_to('evil', 'UTF8'), 'sha256'), 'hex'))) as forged_kx \gset
select jsonb_build_array(jsonb_build_object('id', 1, 'ts', '2026-01-01T00:00:00.000000Z', 'actor', 'mallory', 'action', 'x',
         'key_id', 'k1', 'hmac_prev', repeat('0', 64), 'metadata', '{}'::jsonb,
         'hmac', encode(beamline_ext.hmac(beamline_internal.devstate_entry_message(1, '2026-01-01T00:00:00Z', 'mallory', 'x', null, null, null,
                                          'k1', repeat('0', 64), '{}'), convert_to('evil', 'UTF8'), 'sha256'), 'hex'))) as forged_k1 \gset
set local role beamline_app;
select set_config('beamline.hmac_previous_keys', 'kx:evil', true);
select throws_ok(format($$select devstate.import_entries(%L, 'mallory')$$, :'forged_kx'), 'BL025', null,
                 'import of entries under an unregistered key id: BL025');
select throws_ok($$select devstate.import_entries((select jsonb_agg(jsonb_build_object('id', g)) from generate_series(1, 10001) g), 'mallory')$$,
                 'BL009', null, 'an import batch of more than 10,000 entries: BL009');
select throws_ok($$select devstate.import_entries(jsonb_build_array(jsonb_build_object('id', 1, 'metadata', jsonb_build_object('pad', repeat('x', 33554432)))), 'mallory')$$,
                 'BL009', null, 'an import batch over 32 MiB: BL009');
reset role;
select is(beamline_admin.register_hmac_key() - 'registered', '{"key_id": "k1"}', 'the owner registers k1 (the session''s key)');
set local role beamline_app;
select set_config('beamline.hmac_secret', 'evil', true);
select throws_ok(format($$select devstate.import_entries(%L, 'mallory')$$, :'forged_k1'), 'BL025', null,
                 'import of entries under k1 signed with another secret: BL025');
select throws_ok($$select devstate.append_history('{"action": "forged"}', 'mallory')$$, 'BL025', null,
                 'append under the registered id k1 with a secret of the caller''s choosing: BL025');
select set_config('beamline.hmac_key_id', 'k9', true);
select throws_ok($$select devstate.append_history('{"action": "forged"}', 'mallory')$$, 'BL025', null,
                 'append under an unregistered key id: BL025');
select set_config('beamline.hmac_key_id', '', true);
select set_config('beamline.hmac_previous_keys', '', true);
select set_config('beamline.hmac_secret', 'pgtap-integrity-key-0123456789abcdef', true);
reset role;
select is((select count(*)::int from devstate.history_entries), 0, 'no entry was written');
select is(beamline_admin.register_hmac_key() ->> 'registered', 'false', 'registering the same key again is a no-op');
select set_config('beamline.hmac_secret', 'evil', true);
select throws_ok($$select beamline_admin.register_hmac_key()$$, 'BL025', null, 'k1 cannot be re-registered with another secret');
select set_config('beamline.hmac_secret', 'pgtap-integrity-key-0123456789abcdef', true);
select is((select count(*)::int from beamline_internal.devstate_hmac_keys
            where fingerprint = encode(convert_to('pgtap-integrity-key-0123456789abcdef', 'UTF8'), 'hex') or fingerprint ~ 'pgtap'), 0,
          'the registry holds a fingerprint, not the key');
select is((select count(*)::int from beamline.policy_audit_log where target_type = 'key' and action = 'REGISTER' and actor = 'owner'
              and new_data = '{"key_id": "k1"}'), 1, 'the registration is audited once, without the fingerprint');

-- a new key id needs a secret of at least 32 bytes ------------------------------------------------
select set_config('beamline.hmac_key_id', 'k3', true);
select set_config('beamline.hmac_secret', repeat('s', 31), true);
select throws_ok($$select beamline_admin.register_hmac_key()$$, 'BL007', null, 'a new key id with a 31-byte secret: BL007');
select set_config('beamline.hmac_secret', repeat('é', 15) || 's', true);
select throws_ok($$select beamline_admin.register_hmac_key()$$, 'BL007', null, 'and with 16 characters of 31 UTF-8 bytes: BL007');
select is((select count(*)::int from beamline_internal.devstate_hmac_keys where key_id = 'k3')
          + (select count(*)::int from beamline.policy_audit_log where target_type = 'key' and target_id = 'k3'), 0,
          'nothing was registered or audited for k3');
select set_config('beamline.hmac_secret', repeat('é', 16), true);
select is(beamline_admin.register_hmac_key() ->> 'registered', 'true', 'a secret of 32 UTF-8 bytes (16 characters) is registered');
-- a short key registered before the rule (as an older release would have) stays usable
select set_config('beamline.hmac_key_id', 'k4', true);
select set_config('beamline.hmac_secret', 'short-legacy-key', true);
insert into beamline_internal.devstate_hmac_keys (key_id, salt, fingerprint)
select 'k4', s, beamline_internal.devstate_key_fingerprint(convert_to('short-legacy-key', 'UTF8'), 'k4', s)
  from (select decode(repeat('ab', 16), 'hex') as s) x;
select is(beamline_admin.register_hmac_key() ->> 'registered', 'false', 'registering a short key of an older release again is a no-op');
select lives_ok($$select beamline_internal.devstate_check_keys(beamline_internal.devstate_keys(), array['k4'], true)$$,
                'and appends may still sign with it');
select set_config('beamline.hmac_key_id', '', true);
select set_config('beamline.hmac_secret', 'pgtap-integrity-key-0123456789abcdef', true);

select lives_ok($$select devstate.append_history(jsonb_build_object('action', 'a' || g, 'metadata', jsonb_build_object('n', g, 'x', 1.50)), 'alice') from generate_series(1, 4) g$$,
                'four appends');
select is(devstate.verify_hmac_chain() ->> 'ok', 'true', 'the chain verifies before the attack');

-- rotation: k2 registered by the owner, k1 retired ------------------------------------------------
select set_config('beamline.hmac_key_id', 'k2', true);
select set_config('beamline.hmac_secret', 'pgtap-second-key-0123456789abcdef0123', true);
select set_config('beamline.hmac_previous_keys', 'k1:pgtap-integrity-key-0123456789abcdef', true);
set local role beamline_app;
select throws_ok($$select devstate.append_history('{"action": "early"}', 'alice')$$, 'BL025', null, 'k2 before its registration: BL025');
reset role;
select is(beamline_admin.register_hmac_key() ->> 'registered', 'true', 'the owner registers k2');
select is(beamline_admin.retire_hmac_key('k1'), true, 'and retires k1');
set local role beamline_app;
select lives_ok($$select devstate.append_history('{"action": "a5", "metadata": {"n": 5, "x": 1.50}}', 'alice')$$, 'appends go under k2');
select is(devstate.verify_hmac_chain() ->> 'ok', 'true', 'the chain spanning k1 and k2 verifies (k1 as a previous key)');
select set_config('beamline.hmac_key_id', 'k1', true);
select set_config('beamline.hmac_secret', 'pgtap-integrity-key-0123456789abcdef', true);
select throws_ok($$select devstate.append_history('{"action": "late"}', 'alice')$$, 'BL025', null, 'no new entry under the retired k1');
select set_config('beamline.hmac_key_id', 'k2', true);
select set_config('beamline.hmac_secret', 'pgtap-second-key-0123456789abcdef0123', true);
reset role;
select is((select array_agg(key_id order by id) from devstate.history_entries), array['k1', 'k1', 'k1', 'k1', 'k2'], 'entries carry k1 then k2');

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
