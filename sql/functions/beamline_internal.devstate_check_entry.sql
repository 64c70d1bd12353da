-- devstate_check_entry: validate a history entry given to append_history / update_state and
-- return it normalised to {action, cp_from, cp_to, state_checksum, metadata}.
--   action          required string, 1-128 characters
--   cp_from, cp_to  optional strings (checkpoint names), at most 256 characters
--   state_checksum  optional 64 lowercase hex digits
--   metadata        optional object (default {}), within the document limits (BL009)
-- Anything else (unknown keys, wrong JSON types) is BL007.
create or replace function beamline_internal.devstate_check_entry(p_entry jsonb)
    returns jsonb
    stable
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
declare
    v_key text;
    v_field text;
begin
    if p_entry is null or pg_catalog.jsonb_typeof(p_entry) <> 'object' then
        perform beamline_internal.devstate_bad_input('entry', 'must be a JSON object');
    end if;
    for v_key in select pg_catalog.jsonb_object_keys(p_entry) loop
        if v_key not in ('action', 'cp_from', 'cp_to', 'state_checksum', 'metadata') then
            perform beamline_internal.devstate_bad_input('entry', pg_catalog.format('unknown key %s', v_key),
                'An entry has action, and optionally cp_from, cp_to, state_checksum, metadata; the actor and time are set by the database.');
        end if;
    end loop;
    if pg_catalog.jsonb_typeof(p_entry -> 'action') is distinct from 'string'
       or pg_catalog.length(p_entry ->> 'action') not between 1 and 128 then
        perform beamline_internal.devstate_bad_input('entry.action', 'must be a string of 1-128 characters');
    end if;
    foreach v_field in array array['cp_from', 'cp_to'] loop
        if coalesce(pg_catalog.jsonb_typeof(p_entry -> v_field), 'null') not in ('null', 'string')
           or pg_catalog.length(p_entry ->> v_field) > 256 then
            perform beamline_internal.devstate_bad_input('entry.' || v_field, 'must be null or a string of at most 256 characters');
        end if;
    end loop;
    if coalesce(pg_catalog.jsonb_typeof(p_entry -> 'state_checksum'), 'null') not in ('null', 'string')
       or (p_entry ->> 'state_checksum') !~ '^[0-9a-f]{64}$' then
        perform beamline_internal.devstate_bad_input('entry.state_checksum', 'must be null or 64 lowercase hex digits');
    end if;
    if coalesce(pg_catalog.jsonb_typeof(p_entry -> 'metadata'), 'null') not in ('null', 'object') then
        perform beamline_internal.devstate_bad_input('entry.metadata', 'must be a JSON object');
    end if;
    perform beamline_internal.check_document_limits(p_entry -> 'metadata');
    return pg_catalog.jsonb_build_object(
        'action', p_entry -> 'action',
        'cp_from', coalesce(p_entry -> 'cp_from', 'null'),
        'cp_to', coalesce(p_entry -> 'cp_to', 'null'),
        'state_checksum', coalesce(p_entry -> 'state_checksum', 'null'),
        'metadata', coalesce(nullif(p_entry -> 'metadata', 'null'), '{}'));
end;
$$;

comment on function beamline_internal.devstate_check_entry(jsonb) is
    'Validate a DevState history entry argument (BL007 / BL009) and return it normalised to {action, cp_from, cp_to, state_checksum, metadata}.';
