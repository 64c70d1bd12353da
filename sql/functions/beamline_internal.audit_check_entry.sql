-- audit_check_entry: validate one log_action event {"action", "target_id"?, "policy_id"?, "data"?}
-- and raise the precise BL007 / BL009 for it. p_where prefixes the argument names ('' for the
-- single form, 'entries[3]' for the batched one). Returns normally when the entry is valid.
create or replace function beamline_internal.audit_check_entry(p_where text, p_entry jsonb)
    returns void
    stable  -- reads the owner's limits (beamline_internal.settings)
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
declare
    v_prefix text := case when p_where = '' then '' else p_where || '.' end;
    v_key text;
    v_reason text;
    v_arg text;
begin
    if p_entry is null or pg_catalog.jsonb_typeof(p_entry) <> 'object' then
        v_arg := coalesce(nullif(p_where, ''), 'entry');
        v_reason := 'must be a JSON object';
    else
        select k into v_key from pg_catalog.jsonb_object_keys(p_entry) k
         where k not in ('action', 'target_id', 'policy_id', 'data') limit 1;
        if found then
            v_arg := v_prefix || v_key;
            v_reason := 'is not a known field (action, target_id, policy_id, data)';
        elsif pg_catalog.jsonb_typeof(p_entry -> 'action') is distinct from 'string' then
            v_arg := v_prefix || 'action';
            v_reason := 'is missing or not a string';
        elsif pg_catalog.length(p_entry ->> 'action') > 32 or (p_entry ->> 'action') !~ '^[A-Z][A-Z0-9_]*$' then
            v_arg := v_prefix || 'action';
            v_reason := 'must be an upper-case token ^[A-Z][A-Z0-9_]*$ of at most 32 characters';
        elsif pg_catalog.jsonb_typeof(p_entry -> 'data') is not null
              and pg_catalog.jsonb_typeof(p_entry -> 'data') <> 'object' then
            v_arg := v_prefix || 'data';
            v_reason := 'must be a JSON object';
        elsif pg_catalog.octet_length((p_entry -> 'data')::text) > 65536 then
            raise exception using
                errcode = 'BL009',
                message = 'audit event data is over 64 KiB',
                detail = pg_catalog.json_build_object('limit', 65536, 'value', pg_catalog.octet_length((p_entry -> 'data')::text))::text,
                hint = 'Log a reference to large payloads, not the payloads.';
        else
            foreach v_key in array array['target_id', 'policy_id'] loop
                if coalesce(pg_catalog.jsonb_typeof(p_entry -> v_key), 'null') not in ('null', 'string') then
                    raise exception using
                        errcode = 'BL007',
                        message = pg_catalog.format('invalid %s%s: must be a string or null', v_prefix, v_key),
                        detail = pg_catalog.json_build_object('argument', v_prefix || v_key, 'reason', 'must be a string or null')::text;
                elsif pg_catalog.jsonb_typeof(p_entry -> v_key) = 'string' then
                    perform beamline_internal.check_identifier(v_prefix || v_key, p_entry ->> v_key, 128);
                end if;
            end loop;
            -- the owner's document limits too (depth: a 5,000-deep event broke every reader)
            perform beamline_internal.check_document_limits(p_entry -> 'data');
            return;
        end if;
    end if;
    raise exception using
        errcode = 'BL007',
        message = pg_catalog.format('invalid %s: %s', v_arg, v_reason),
        detail = pg_catalog.json_build_object('argument', v_arg, 'reason', v_reason)::text,
        hint = 'An event is {"action": "UPPER_CASE", "target_id": id?, "policy_id": id?, "data": {...}?}.';
end;
$$;

comment on function beamline_internal.audit_check_entry(text, jsonb) is
    'Validate one log_action event object; BL007 (detail argument e.g. entries[3].action) or BL009 (data over 64 KiB).';
