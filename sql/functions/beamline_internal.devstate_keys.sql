-- devstate_keys: the HMAC keys this session holds, as {key_id: key (hex of the UTF-8 bytes)}.
-- The secrets come from settings the client puts in the connection's startup options
-- (options=-c beamline.hmac_secret=...; PGOPTIONS for psql), which the server never logs:
--   beamline.hmac_secret         the current key (required to append; BL012 when missing)
--   beamline.hmac_key_id         its id, recorded on every new entry (default k1)
--   beamline.hmac_previous_keys  optional retired keys for verification after a rotation,
--                                "key_id:secret;key_id:secret" (ids without : ; secrets without ;)
-- Never SET these with a statement: statements are logged.
create or replace function beamline_internal.devstate_keys()
    returns jsonb
    stable
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
declare
    v_secret text := pg_catalog.current_setting('beamline.hmac_secret', true);
    v_key_id text := coalesce(nullif(pg_catalog.current_setting('beamline.hmac_key_id', true), ''), 'k1');
    v_previous text := pg_catalog.current_setting('beamline.hmac_previous_keys', true);
    v_keys jsonb := '{}';
    v_pair text;
begin
    if v_secret is null or v_secret = '' then
        raise exception using
            errcode = 'BL012',
            message = 'the HMAC secret was not provided to this session',
            hint = 'Set BEAMLINE_HMAC_SECRET in the client''s environment (beamline passes it in the connection''s startup options; psql users: PGOPTIONS=''-c beamline.hmac_secret=...''). Never SET it in SQL: statements are logged.';
    end if;
    if v_previous is not null and v_previous <> '' then
        foreach v_pair in array pg_catalog.string_to_array(v_previous, ';') loop
            if pg_catalog.strpos(v_pair, ':') > 1 then
                v_keys := v_keys || pg_catalog.jsonb_build_object(
                    pg_catalog.split_part(v_pair, ':', 1),
                    pg_catalog.encode(pg_catalog.convert_to(pg_catalog.substr(v_pair, pg_catalog.strpos(v_pair, ':') + 1), 'UTF8'), 'hex'));
            end if;
        end loop;
    end if;
    -- the current key wins over a retired key of the same id
    return v_keys || pg_catalog.jsonb_build_object(
        v_key_id, pg_catalog.encode(pg_catalog.convert_to(v_secret, 'UTF8'), 'hex'),
        '', v_key_id);
end;
$$;

comment on function beamline_internal.devstate_keys() is
    'The session''s HMAC keys {key_id: hex key} from beamline.hmac_secret / hmac_key_id / hmac_previous_keys, with the current key id under the empty key ""; BL012 when no secret.';
