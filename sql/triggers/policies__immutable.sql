-- policies__immutable: policy versions are immutable (SPEC §4). An UPDATE may change only
-- is_active, updated_at and updated_by; DELETE and TRUNCATE are rejected for everyone,
-- the owner included (history stays; delete_policy deactivates). BL011, detail = the table.
-- The row trigger fires only for an UPDATE that assigns one of the immutable columns (UPDATE
-- OF), so the API's flips of is_active never call it; it then rejects any value that changed.
-- A new column of beamline.policies that must stay immutable goes into both lists.
create or replace function beamline_internal.policy_reject_change()
    returns trigger
    volatile
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
begin
    if tg_op = 'UPDATE'
       and (new.id, new.tenant_id, new.policy_id, new.version, new.data, new.created_at, new.created_by)
           is not distinct from
           (old.id, old.tenant_id, old.policy_id, old.version, old.data, old.created_at, old.created_by) then
        return new;
    end if;
    raise exception using
        errcode = 'BL011',
        message = pg_catalog.format('policy versions are immutable: %s rejected', tg_op),
        detail = 'beamline.policies',
        hint = case when tg_op = 'UPDATE'
                    then 'Only is_active, updated_at and updated_by may change; write a new version with beamline.put_policy.'
                    else 'History stays: use beamline.delete_policy or beamline.deactivate_policy.' end;
end;
$$;

comment on function beamline_internal.policy_reject_change() is
    'Trigger function: BL011 for UPDATE of anything but is_active/updated_at/updated_by, and for DELETE/TRUNCATE of beamline.policies.';

drop trigger if exists policies__immutable on beamline.policies;
create trigger policies__immutable
    before update of id, tenant_id, policy_id, version, data, created_at, created_by or delete
    on beamline.policies
    for each row execute function beamline_internal.policy_reject_change();

comment on trigger policies__immutable on beamline.policies is
    'Versions are immutable: only is_active / updated_at / updated_by may change; no DELETE.';

drop trigger if exists policies__immutable_truncate on beamline.policies;
create trigger policies__immutable_truncate
    before truncate on beamline.policies
    for each statement execute function beamline_internal.policy_reject_change();

comment on trigger policies__immutable_truncate on beamline.policies is
    'Versions are immutable: TRUNCATE is rejected (BL011).';
