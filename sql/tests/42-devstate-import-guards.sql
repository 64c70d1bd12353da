-- Import and audit guards that must not trust anything a caller can set.
-- Cases: import_entries refuses without import_begin even when the caller sets the old session
-- setting itself (no forged entries on a live chain); a caller's own pg_temp table named like
-- an internal one is never used by import_entries; a caller-set audit intent cannot hide a
-- deactivation; the application role can call beamline.validate and beamline.merge_patch;
-- bad timestamps and cursors are BL007; a cleanup interval pointing into the future is BL007.
begin;
select plan(11);

select lives_ok($$select beamline_admin.bootstrap_admin('devstate', 'dave')$$, 'devstate admin');
select lives_ok($$select beamline_admin.bootstrap_admin('t1', 'alice')$$, 't1 admin');
select pg_catalog.set_config('beamline.hmac_secret', 'test-key-not-a-real-secret', true);

select beamline_internal.devstate_state_checksum('{"version": 1, "current_checkpoint": null, "checkpoints": {}}') as state_sum \gset
-- The toolkit's database gives nobody TEMP; an existing one may (PUBLIC's default): act that out.
select pg_catalog.format('grant temporary on database %I to beamline_app', pg_catalog.current_database()) \gexec

-- ===== as the application role =====
set local role beamline_app;
select pg_catalog.set_config('beamline.devstate_import', pg_catalog.txid_current()::text, true);
select throws_ok($$select devstate.import_entries('[]', 'dave')$$, 'BL007', null,
                 'a self-set setting does not open an import');
create temporary table devstate_import_batch (ord bigint);
create function pg_temp.trap() returns trigger language plpgsql as
    $f$ begin raise exception 'the caller''s temporary table was used'; end $f$;
create trigger trap before insert or truncate on pg_temp.devstate_import_batch
    for each statement execute function pg_temp.trap();
select lives_ok(format($$select devstate.import_begin('{"version": 1, "current_checkpoint": null, "checkpoints": {}}', %L, 'dave');
                         select devstate.import_entries('[]', 'dave')$$, :'state_sum'),
                'a real import never touches a temporary table the caller made');


select put.version from beamline.put_policy('t1', 'p1',
    '{"providers":[{"id":"openai","weight":70}],"rules":[],"fallback":{"provider":"openai"}}', 'alice') put;
select pg_catalog.set_config('beamline.audit_intent', 'SUPERSEDE t1 p1', true);
select d.version from beamline.deactivate_policy('t1', 'p1', 'alice') d;
select is((select pg_catalog.count(*)::int from beamline.get_audit_log('t1', 'alice') a where a.action = 'DEACTIVATE'),
          1, 'a caller-set audit intent does not hide a deactivation');

select is(beamline.validate('{"type": "object"}', '[]') -> 0 ->> 'keyword', 'type',
          'the application role can call beamline.validate');
select is(beamline.merge_patch('{"a": 1}', '{"a": null, "b": 2}'), '{"b": 2}'::jsonb,
          'the application role can call beamline.merge_patch');
select throws_ok($$select * from beamline.list_policies('t1', 'alice', '{"updated_since": "2020-01-01 00:00 Mars/Olympus"}')$$,
                 'BL007', null, 'an unknown time zone in updated_since is BL007');
select throws_ok($$select * from devstate.search_history('{"since": "2020-01-01 00:00 Mars/Olympus"}', 'dave')$$,
                 'BL007', null, 'an unknown time zone in since is BL007');
select throws_ok($$select * from beamline.get_audit_log('t1', 'alice', null, '{}', 10, '9999999999999999999.00000000-0000-0000-0000-000000000000')$$,
                 'BL007', null, 'an out-of-range audit cursor is BL007');
-- '-12 months 361 days' is positive as an interval (a month counts 30 days there: +1 day) yet
-- puts the cutoff in the future on every date: twelve calendar months always hold 365 or 366
-- days, so now() - interval is now() + at least 4 days whatever the date, zone or DST.
select throws_ok($$select beamline.cleanup_old_logs(interval '-12 months 361 days', 'alice', 't1')$$,
                 'BL007', null, 'an interval that puts the cleanup cutoff in the future is BL007');
reset role;

select * from finish();
rollback;
