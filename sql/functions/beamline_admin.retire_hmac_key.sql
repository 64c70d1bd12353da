-- retire_hmac_key: owner-only. No new entries under p_key_id (BL025 "retired"); its entries
-- still verify and import. Returns true when it was live, false when already retired.
-- BL002 for an unknown id. Audited (action RETIRE).
create or replace function beamline_admin.retire_hmac_key(p_key_id text)
    returns boolean
    volatile
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
declare
    v_retired timestamptz;
begin
    select k.retired_at into v_retired from beamline_internal.devstate_hmac_keys k
     where k.key_id = p_key_id for update;
    if not found then
        raise exception using
            errcode = 'BL002',
            message = pg_catalog.format('HMAC key id %s is not registered', p_key_id),
            detail = pg_catalog.json_build_object('key_id', p_key_id)::text;
    end if;
    if v_retired is not null then
        return false;
    end if;
    update beamline_internal.devstate_hmac_keys k set retired_at = pg_catalog.now() where k.key_id = p_key_id;
    perform pg_catalog.set_config('beamline.actor', 'owner', true);
    perform beamline_internal.audit_write('devstate', 'key', null, p_key_id, 'RETIRE', null,
                                          pg_catalog.jsonb_build_object('key_id', p_key_id));
    return true;
end;
$$;

comment on function beamline_admin.retire_hmac_key(text) is
    'Owner only: stop new DevState entries under a key id (BL025 retired); its entries still verify. BL002 if unknown. Audited.';
