-- devstate_check_keys: refuse (BL025) to sign or import with a key that is not the registered
-- one. For each id in p_key_ids, p_keys (the session's keys, devstate_keys) must hold a key whose
-- fingerprint is the one registered for that id in beamline_internal.devstate_hmac_keys; with
-- p_signing, the id must also not be retired (new entries only go under live keys; an import
-- of old entries may use retired ones). Detail {"key_id", "reason"}: reason is "not registered",
-- "retired" or "does not match" (never the key or the fingerprint). An id the session holds no
-- key for is left to the caller (verification reports it as "unknown key").
create or replace function beamline_internal.devstate_check_keys(p_keys jsonb, p_key_ids text[], p_signing boolean)
    returns void
    stable
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
declare
    v_bad record;
begin
    select i.key_id,
           case when k.key_id is null then 'not registered'
                when p_signing and k.retired_at is not null then 'retired'
                else 'does not match' end as reason
      into v_bad
      from pg_catalog.unnest(p_key_ids) i(key_id)
      left join beamline_internal.devstate_hmac_keys k on k.key_id = i.key_id
     where p_keys ? i.key_id
       and (k.key_id is null
            or (p_signing and k.retired_at is not null)
            or k.fingerprint <> beamline_internal.devstate_key_fingerprint(
                   pg_catalog.decode(p_keys ->> i.key_id, 'hex'), i.key_id, k.salt))
     order by i.key_id
     limit 1;
    if found then
        raise exception using
            errcode = 'BL025',
            message = pg_catalog.format('the HMAC key %s of this session is refused: %s', v_bad.key_id, v_bad.reason),
            detail = pg_catalog.json_build_object('key_id', v_bad.key_id, 'reason', v_bad.reason)::text,
            hint = case v_bad.reason
                when 'not registered' then 'The owner registers a key id once with beamline_admin.register_hmac_key() (beamline devstate register-key); see docs/DEVSTATE_MCP.md.'
                when 'retired' then 'This key id was retired: sign with the current key (BEAMLINE_HMAC_KEY_ID / BEAMLINE_HMAC_SECRET).'
                else 'BEAMLINE_HMAC_SECRET is not the secret registered for this key id.' end;
    end if;
end;
$$;

comment on function beamline_internal.devstate_check_keys(jsonb, text[], boolean) is
    'BL025 {"key_id", "reason"} unless the session''s key for each id matches its registered fingerprint (and, when signing, is not retired).';
