-- audit_set_intent: optional hint from a policy API function to the policies audit trigger,
-- naming what an is_active true -> false flip of one policy means in this transaction
-- (transaction-local setting beamline.audit_intent = '<ACTION> <tenant> <policy_id>'):
--   DELETE     the flip is a delete (delete_policy): logged as DELETE instead of DEACTIVATE
--   SUPERSEDE  the flip is part of writing a new version (put_policy) or a rollback
--              (activate_policy): not logged separately, the UPDATE / ACTIVATE row says it
-- Without a hint the trigger logs every flip generically as DEACTIVATE.
--   BL007  unknown action or bad ids
create or replace function beamline_internal.audit_set_intent(p_tenant text, p_policy_id text, p_action text)
    returns void
    volatile
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
begin
    perform beamline_internal.check_identifier('tenant', p_tenant, 64);
    perform beamline_internal.check_identifier('policy_id', p_policy_id, 128);
    if p_action is null or p_action not in ('DELETE', 'SUPERSEDE') then
        raise exception using
            errcode = 'BL007',
            message = 'invalid audit intent: must be DELETE or SUPERSEDE',
            detail = pg_catalog.json_build_object('argument', 'action', 'reason', 'must be DELETE or SUPERSEDE')::text;
    end if;
    perform pg_catalog.set_config('beamline.audit_intent', p_action || ' ' || p_tenant || ' ' || p_policy_id, true);
end;
$$;

comment on function beamline_internal.audit_set_intent(text, text, text) is
    'Tell the policies audit trigger that the next deactivation of (p_tenant, p_policy_id) in this transaction is a DELETE or is SUPERSEDEd by a new/rolled-back version.';
