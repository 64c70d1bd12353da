-- delete_policy: delete a policy from routing. Semantics (docs/POLICIES.md): versions are
-- immutable history, so nothing is removed; the active version is deactivated and the audit
-- trigger records action DELETE (beamline_internal.audit_set_intent). Afterwards get_policy without a
-- version raises BL002, list_policies (active) omits it, history and old versions stay
-- readable, it no longer counts against max_policies, and put_policy re-creates it with the
-- next version number. Differs from deactivate_policy in permission (policy:delete) and audit.
--   BL007 bad ids;  BL001 actor lacks policy:delete;  BL002 no active version (never existed
--   or already deleted/deactivated)
create or replace function beamline.delete_policy(p_tenant text, p_policy_id text, p_actor text)
    returns beamline.policies
    volatile
    security definer
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
begin
    perform beamline_internal.check_identifier('tenant', p_tenant, 64);
    perform beamline_internal.check_identifier('policy_id', p_policy_id, 128);
    perform beamline_internal.check_identifier('actor', p_actor, 128);
    perform beamline_internal.require_permission(p_tenant, p_actor, 'policy:delete');
    return beamline_internal.policy_deactivate(p_tenant, p_policy_id, p_actor, 'DELETE');
end;
$$;

comment on function beamline.delete_policy(text, text, text) is
    'Delete a policy from routing (policy:delete): deactivates it, audited as DELETE; versions stay as history. BL002 if none is active.';
