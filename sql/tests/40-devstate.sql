-- DevState (issue 5, SPEC §6): the SQL API, its errors and the chain's guards.
-- Cases: catalog (SECURITY DEFINER, search_path, no PUBLIC execute, triggers); BL012 without a
-- key; append + verify; RBAC (BL001) and bad input (BL007); update_state (merge, checksum,
-- CAS BL005, schema BL004 before writing, history entry in the same transaction); leases
-- (BL006, renewal, BL002 on unlock); append-only (BL011 for UPDATE / DELETE / TRUNCATE, owner
-- included); inserts not at the head (BL008); import into a non-empty DevState (BL013);
-- tampering with triggers disabled (another key, edit, delete, drop tail, swap) found at the
-- first bad id.
-- The HMAC key is a test value set with set_config: real keys travel in startup options only.
begin;
select plan(55);
-- Ids below are literal: start the (non-transactional) sequence afresh whatever earlier test
-- files consumed; the ALTER rolls back with the rest of this file.
alter sequence devstate.history_entries_id_seq restart with 1;

-- catalog ---------------------------------------------------------------------------------
select is_definer('devstate', f, 'devstate.' || f || ' is SECURITY DEFINER')
  from unnest(array['get_state', 'update_state', 'append_history', 'verify_hmac_chain',
                    'search_history', 'lock_state', 'unlock_state']) f;
select is((select count(*)::int from pg_proc p
            where p.pronamespace = 'devstate'::regnamespace
              and not coalesce(p.proconfig @> array['search_path=pg_catalog, pg_temp'], false)),
          0, 'every devstate function runs with search_path = pg_catalog, pg_temp');
select is((select count(*)::int from pg_proc p
            where p.pronamespace = 'devstate'::regnamespace
              and has_function_privilege('public', p.oid, 'execute')),
          0, 'PUBLIC cannot execute devstate functions');
select trigger_is('devstate', 'history_entries', 'append_only', 'beamline_internal', 'devstate_history_guard', 'append-only trigger');
select trigger_is('devstate', 'history_entries', 'chain_link', 'beamline_internal', 'devstate_history_link', 'chain-link trigger');
select col_type_is('devstate', 'history_entries', 'metadata_canonical', 'text', 'generated canonical metadata column');

-- setup: alice admin, bob viewer of tenant devstate -----------------------------------------
select lives_ok($$select beamline_admin.bootstrap_admin('devstate', 'alice')$$, 'bootstrap devstate admin');
select lives_ok($$select beamline.assign_role('devstate', 'bob', 'viewer', 'alice')$$, 'bob is a viewer');

-- no key ----------------------------------------------------------------------------------
select throws_ok($$select devstate.append_history('{"action": "x"}', 'alice')$$, 'BL012', null,
                 'append without a key is BL012');
select throws_ok($$select devstate.verify_hmac_chain()$$, 'BL012', null, 'verify without a key is BL012');
select set_config('beamline.hmac_secret', 'pgtap-test-key-0123456789abcdef0123', true);
select lives_ok($$select beamline_admin.register_hmac_key()$$, 'the owner registers the test key as k1');

-- append and verify -----------------------------------------------------------------------
select matches(devstate.append_history('{"action": "a1", "metadata": {"n": 1}}', 'alice'), '^[0-9a-f]{64}$', 'append returns an hmac');
select lives_ok($$select devstate.append_history(jsonb_build_object('action', 'a' || g, 'metadata', jsonb_build_object('n', g)), 'alice') from generate_series(2, 6) g$$, 'five more appends');
select is((select hmac_prev from devstate.history_entries order by id limit 1), repeat('0', 64), 'the first entry links to genesis');
select is(devstate.verify_hmac_chain() ->> 'ok', 'true', 'the chain verifies');
select is((devstate.verify_hmac_chain() ->> 'checked')::int, 6, 'six entries checked');
select is((select count(*)::int from devstate.history_entries e
            where e.hmac_prev <> coalesce((select p.hmac from devstate.history_entries p where p.id < e.id order by p.id desc limit 1), repeat('0', 64))),
          0, 'each entry links to the one before');

-- RBAC and bad input ----------------------------------------------------------------------
select throws_ok($$select devstate.append_history('{"action": "x"}', 'bob')$$, 'BL001', null, 'viewer cannot append');
select throws_ok($$select devstate.update_state('{"project": "x"}', 'bob')$$, 'BL001', null, 'viewer cannot update');
select throws_ok($$select devstate.get_state('mallory')$$, 'BL001', null, 'stranger cannot read');
select lives_ok($$select devstate.get_state('bob')$$, 'viewer reads the state');
select throws_ok($$select devstate.append_history('{"action": "x", "extra": 1}', 'alice')$$, 'BL007', null, 'unknown entry key is BL007');
select throws_ok($$select devstate.append_history('{"metadata": {}}', 'alice')$$, 'BL007', null, 'missing action is BL007');
select throws_ok($$select devstate.search_history('{"nope": 1}', 'alice')$$, 'BL007', null, 'unknown filter is BL007');
select throws_ok($$select devstate.update_state('[1]', 'alice')$$, 'BL007', null, 'a non-object patch is BL007');

-- update_state ----------------------------------------------------------------------------
select is(devstate.get_state('alice') -> 'json', '{"version": 1, "current_checkpoint": null, "checkpoints": {}}'::jsonb, 'initial state');
select is(devstate.update_state('{"project": "demo"}', 'alice', devstate.get_state('alice') ->> 'checksum', '{"action": "rename"}'),
          beamline_internal.devstate_state_checksum('{"version": 1, "current_checkpoint": null, "checkpoints": {}, "project": "demo"}'),
          'update returns the checksum of the merged document');
select is((select state_checksum from devstate.history_entries order by id desc limit 1),
          devstate.get_state('alice') ->> 'checksum', 'the history entry carries the new checksum');
select throws_ok($$select devstate.update_state('{"project": "x"}', 'alice', repeat('a', 64))$$, 'BL005', null, 'stale checksum is BL005');
select throws_ok($$select devstate.update_state('{"version": 2}', 'alice')$$, 'BL004', null, 'invalid state is BL004');
select is(devstate.get_state('alice') -> 'json' ->> 'version', '1', 'nothing written by a rejected update');

-- leases ----------------------------------------------------------------------------------
select lives_ok($$select beamline.assign_role('devstate', 'carol', 'operator', 'alice')$$, 'carol is an operator');
create temporary table lease as select devstate.lock_state('state', interval '1 minute', 'alice') as lock_id;
select is(devstate.lock_state('state', interval '2 minutes', 'alice'), (select lock_id from lease), 'renewal keeps the lock id');
select throws_ok($$select devstate.lock_state('state', interval '1 minute', 'carol')$$, 'BL006', null, 'held lease is BL006');
select throws_ok($$select devstate.update_state('{"project": "c"}', 'carol')$$, 'BL006', null, 'the state lease guards updates');
select throws_ok($$select devstate.unlock_state(gen_random_uuid(), 'alice')$$, 'BL002', null, 'unknown lease is BL002');
select lives_ok($$select devstate.unlock_state((select lock_id from lease), 'alice')$$, 'owner unlocks');

-- append-only and chain guards ------------------------------------------------------------
select throws_ok($$update devstate.history_entries set actor = 'x'$$, 'BL011', null, 'UPDATE is BL011');
select throws_ok($$delete from devstate.history_entries$$, 'BL011', null, 'DELETE is BL011');
select throws_ok($$truncate devstate.history_entries$$, 'BL011', null, 'TRUNCATE is BL011');
set local role beamline_owner;
select throws_ok($$delete from devstate.history_entries$$, 'BL011', null, 'DELETE is BL011 for the owner too');
reset role;
select throws_ok($$insert into devstate.history_entries (id, actor, action, hmac_prev, hmac, key_id) values (1000, 'x', 'y', repeat('e', 64), repeat('f', 64), 'k1')$$,
                 'BL008', null, 'an insert not at the head is BL008');
select throws_ok($$select devstate.import_begin('{"version": 1, "current_checkpoint": null, "checkpoints": {}}', repeat('0', 64), 'alice')$$,
                 'BL013', null, 'import into a non-empty DevState is BL013');

-- tampering (triggers disabled, as a superuser can) ---------------------------------------
select set_config('beamline.hmac_secret', 'another-key', true);
select is(devstate.verify_hmac_chain() - 'head' - 'checked' - 'first_id' - 'last_id', '{"ok": false, "id": 1, "reason": "bad hmac"}', 'another key: the first entry fails');
select set_config('beamline.hmac_secret', 'pgtap-test-key-0123456789abcdef0123', true);
set local session_replication_role = replica;
update devstate.history_entries set metadata = '{"n": 99}' where id = 3;
select is(devstate.verify_hmac_chain() - 'head' - 'checked' - 'first_id' - 'last_id', '{"ok": false, "id": 3, "reason": "bad hmac"}', 'edited metadata: first bad id 3');
delete from devstate.history_entries where id = 2;
select is(devstate.verify_hmac_chain() - 'head' - 'checked' - 'first_id' - 'last_id', '{"ok": false, "id": 3, "reason": "missing predecessor"}', 'deleted entry: its successor has no predecessor');
select is(devstate.verify_hmac_chain(4) ->> 'ok', 'true', 'the range after the damage verifies');
delete from devstate.history_entries where id >= 6;
select is(devstate.verify_hmac_chain(4) - 'head' - 'checked' - 'first_id' - 'last_id', '{"ok": false, "id": 7, "reason": "truncated"}', 'dropped tail: the recorded head is missing');
alter table devstate.history_entries drop constraint history_entries_hmac_prev_key, drop constraint history_entries_hmac_key;
create temporary table swap as select * from devstate.history_entries where id in (4, 5);
update devstate.history_entries e
   set ts = s.ts, actor = s.actor, action = s.action, hmac_prev = s.hmac_prev, hmac = s.hmac, metadata = s.metadata
  from swap s where s.id = 9 - e.id;
select is(devstate.verify_hmac_chain(4, 5) - 'head' - 'checked' - 'first_id' - 'last_id', '{"ok": false, "id": 4, "reason": "bad link"}', 'swapped entries: the first is out of place');

select * from finish();
rollback;
