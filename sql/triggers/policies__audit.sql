-- Audit of beamline.policies (SPEC §4 Audit). Row by row, generically, from what happened to
-- the rows (the policy API inserts one row per version and flips is_active):
--   INSERT version 1                  CREATE      new_data = the row
--   INSERT version > 1                UPDATE      old_data = the previous version's row
--   UPDATE is_active false -> true    ACTIVATE    old_data / new_data = the row before / after
--   UPDATE is_active true -> false    DEACTIVATE
--   UPDATE of anything else           UPDATE      (versions are meant to be immutable)
--   DELETE                            DELETE      old_data = the row
-- The policy API may name the meaning of a deactivation with beamline_internal.audit_set_intent
-- (setting beamline.audit_intent = '<ACTION> <tenant> <policy_id>'): DELETE logs the flip as
-- DELETE (delete_policy deactivates); SUPERSEDE logs nothing for it, because the UPDATE (new
-- version) or ACTIVATE (rollback) row that follows records it. Without a hint, a put_policy
-- that supersedes the active version logs DEACTIVATE then UPDATE. Rows carry the whole row.
create or replace function beamline_internal.audit_policies_trigger()
    returns trigger
    volatile
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
declare
    v_prev jsonb;
    v_intent text;
    v_action text;
begin
    if tg_op = 'INSERT' then
        if new.version = 1 then
            perform beamline_internal.audit_write(new.tenant_id, 'policy', new.policy_id, new.policy_id,
                                                  'CREATE', null, pg_catalog.to_jsonb(new));
        else
            select pg_catalog.to_jsonb(p) into v_prev from beamline.policies p
             where p.tenant_id = new.tenant_id and p.policy_id = new.policy_id and p.version = new.version - 1;
            perform beamline_internal.audit_write(new.tenant_id, 'policy', new.policy_id, new.policy_id,
                                                  'UPDATE', v_prev, pg_catalog.to_jsonb(new));
        end if;
        return null;
    elsif tg_op = 'UPDATE' then
        if old is not distinct from new then
            return null;
        end if;
        v_action := case when old.is_active and not new.is_active then 'DEACTIVATE'
                         when not old.is_active and new.is_active then 'ACTIVATE'
                         else 'UPDATE' end;
        if v_action = 'DEACTIVATE' then
            -- set by the API function right before its flip and cleared right after it (so it
            -- covers that one flip; policies__change_log reads it too)
            v_intent := pg_catalog.current_setting('beamline.audit_intent', true);
            if v_intent = 'SUPERSEDE ' || new.tenant_id || ' ' || new.policy_id then
                return null;
            elsif v_intent = 'DELETE ' || new.tenant_id || ' ' || new.policy_id then
                v_action := 'DELETE';
            end if;
        end if;
        perform beamline_internal.audit_write(new.tenant_id, 'policy', new.policy_id, new.policy_id,
                                              v_action, pg_catalog.to_jsonb(old), pg_catalog.to_jsonb(new));
        return null;
    else
        perform beamline_internal.audit_write(old.tenant_id, 'policy', old.policy_id, old.policy_id,
                                              'DELETE', pg_catalog.to_jsonb(old), null);
        return null;
    end if;
end;
$$;

comment on function beamline_internal.audit_policies_trigger() is
    'AFTER row trigger of beamline.policies: CREATE / UPDATE / ACTIVATE / DEACTIVATE / DELETE audit rows.';

drop trigger if exists audit on beamline.policies;
create trigger audit
    after insert or update or delete on beamline.policies
    for each row execute function beamline_internal.audit_policies_trigger();
comment on trigger audit on beamline.policies is 'Writes the audit log for every policy row change (actor from beamline.actor).';
