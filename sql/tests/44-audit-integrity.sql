-- Audit integrity (issue 11, "History and audit integrity").
-- Cases:
--   every change is audited: register_schema (a tenant's policy schema replaced) writes a
--   'schema' REGISTER row with the old and new version (re-registering the same schema writes
--   nothing); update_state without a history entry writes a 'state' UPDATE row (tenant
--   devstate) with the old and new checksum; a refused update_state writes no audit row.
begin;
select plan(10);

select tests.bootstrap('t1', 'alice');
select tests.bootstrap('devstate', 'dana');

-- register_schema is audited -----------------------------------------------------------------
set local role beamline_app;
select is(beamline.register_schema('t1', 'policy/default', '{"type": "object"}', 'alice'), 1, 'alice registers an override');
select is(beamline.register_schema('t1', 'policy/default', '{"type": "object", "required": ["providers"]}', 'alice'), 2, 'and replaces it');
select is(beamline.register_schema('t1', 'policy/default', '{"type": "object", "required": ["providers"]}', 'alice'), 2, 'the same schema again is a no-op');
reset role;
select results_eq(
    $$ select action::text, actor::text, target_id::text, (old_data ->> 'version')::int, (new_data ->> 'version')::int, new_data -> 'schema'
         from beamline.policy_audit_log where tenant_id = 't1' and target_type = 'schema' order by "timestamp", id $$,
    $$ values ('REGISTER', 'alice', 'policy/default', null::int, 1, '{"type": "object"}'::jsonb),
              ('REGISTER', 'alice', 'policy/default', 1, 2, '{"type": "object", "required": ["providers"]}'::jsonb) $$,
    'each schema change has a REGISTER audit row with old and new version; the no-op has none');

-- update_state is audited, with or without a history entry --------------------------------------
set local role beamline_app;
select lives_ok($$ select devstate.update_state('{"project": "p"}', 'dana') $$, 'update_state without a history entry');
reset role;
select is((select count(*)::int from beamline.policy_audit_log where tenant_id = 'devstate' and target_type = 'state'), 1,
          'it wrote one state audit row');
select results_eq(
    $$ select action::text, actor::text, target_id::text, new_data ->> 'checksum', (new_data -> 'json') ->> 'project'
         from beamline.policy_audit_log where tenant_id = 'devstate' and target_type = 'state' $$,
    $$ select 'UPDATE', 'dana', 'state', checksum, 'p' from devstate.state_current $$,
    'the state row names the actor, the new checksum and the new document');
select is((select old_data ->> 'checksum' from beamline.policy_audit_log where tenant_id = 'devstate' and target_type = 'state'),
          beamline_internal.devstate_state_checksum(beamline_internal.devstate_initial_state()), 'and the old checksum');
set local role beamline_app;
select tests.row_counts() as before \gset
select throws_ok($$ select devstate.update_state('{"version": "x"}', 'dana') $$, 'BL004', null, 'an invalid state is refused');
select is(tests.row_counts(), :'before'::jsonb, 'and wrote nothing, no audit row either');
reset role;

select * from finish();
rollback;
