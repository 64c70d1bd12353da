-- log_action: record application events in the audit log (target_type 'app'); audit:write.
-- Two forms (different arity, so calls are never ambiguous):
--   log_action(tenant, actor, action, target_id, data default '{}', policy_id default null) -> uuid
--   log_action(tenant, actor, entries jsonb) -> bigint   batched: a JSON array of up to 1,000
--       objects {"action", "target_id"?, "policy_id"?, "data"?} and at most 1 MiB in total (the
--       array's JSON text), all validated before any row is written, then inserted in one
--       statement (one transaction, all or nothing). The total bound keeps one call from
--       writing hundreds of MiB (1,000 x 64 KiB of data would be 64 MiB).
-- action: upper-case token ^[A-Z][A-Z0-9_]*$ of at most 32 characters; target_id / policy_id:
-- ids (<= 128) or null; data: a JSON object of at most 64 KiB, stored as new_data.
--   BL007  bad ids / action / data / entry (detail argument names the entry: entries[3].action)
--   BL009  data over 64 KiB or over the document limits (depth), more than 1,000 entries, or a
--          batch over 1 MiB (detail {"limit", "value"})
--   BL001  actor lacks audit:write
create or replace function beamline.log_action(
    p_tenant text,
    p_actor text,
    p_action text,
    p_target_id text,
    p_data jsonb default '{}',
    p_policy_id text default null)
    returns uuid
    volatile
    security definer
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
declare
    v_id uuid;
begin
    perform beamline_internal.audit_check_entry('', pg_catalog.jsonb_build_object(
        'action', p_action, 'target_id', p_target_id, 'policy_id', p_policy_id, 'data', coalesce(p_data, 'null'::jsonb)));
    perform beamline_internal.require_permission(p_tenant, p_actor, 'audit:write');
    insert into beamline.policy_audit_log
        (tenant_id, target_type, policy_id, target_id, action, actor, new_data, metadata)
    values (p_tenant, 'app', p_policy_id, p_target_id, p_action, p_actor, p_data, beamline_internal.audit_metadata())
    returning id into v_id;
    return v_id;
end;
$$;

comment on function beamline.log_action(text, text, text, text, jsonb, text) is
    'Record one application event (action, target id, data object, optional policy id) in the audit log; needs audit:write. Returns the audit row id.';

create or replace function beamline.log_action(p_tenant text, p_actor text, p_entries jsonb)
    returns bigint
    volatile
    security definer
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
declare
    v_count integer;
    v_bytes integer;
    v_meta jsonb;
begin
    if p_entries is null or pg_catalog.jsonb_typeof(p_entries) <> 'array' then
        raise exception using
            errcode = 'BL007',
            message = 'invalid entries: must be a JSON array of event objects',
            detail = pg_catalog.json_build_object('argument', 'entries', 'reason', 'must be a JSON array')::text,
            hint = 'Each entry is {"action": "...", "target_id": "...", "policy_id": "...", "data": {...}}.';
    end if;
    v_count := pg_catalog.jsonb_array_length(p_entries);
    if v_count > 1000 then
        raise exception using
            errcode = 'BL009',
            message = 'too many entries in one log_action batch',
            detail = pg_catalog.json_build_object('limit', 1000, 'value', v_count)::text,
            hint = 'Split the events into batches of at most 1,000 entries and 1 MiB.';
    end if;
    -- after the count bound, so at most 1,000 entries are ever serialised here
    v_bytes := pg_catalog.octet_length(p_entries::text);
    if v_bytes > 1048576 then
        raise exception using
            errcode = 'BL009',
            message = 'log_action batch is over 1 MiB',
            detail = pg_catalog.json_build_object('limit', 1048576, 'value', v_bytes)::text,
            hint = 'Split the events into batches of at most 1,000 entries and 1 MiB.';
    end if;
    perform beamline_internal.audit_check_entry(pg_catalog.format('entries[%s]', e.ord - 1), e.value)
       from pg_catalog.jsonb_array_elements(p_entries) with ordinality e(value, ord)
      where not (pg_catalog.jsonb_typeof(e.value) = 'object'
                 and e.value ?& array['action']
                 and (e.value - array['action', 'target_id', 'policy_id', 'data']) = '{}'::jsonb
                 and pg_catalog.jsonb_typeof(e.value -> 'action') = 'string'
                 and pg_catalog.length(e.value ->> 'action') <= 32
                 and (e.value ->> 'action') ~ '^[A-Z][A-Z0-9_]*$'
                 and (pg_catalog.jsonb_typeof(e.value -> 'target_id') is null
                      or pg_catalog.jsonb_typeof(e.value -> 'target_id') = 'null'
                      or (pg_catalog.jsonb_typeof(e.value -> 'target_id') = 'string'
                          and pg_catalog.length(e.value ->> 'target_id') <= 128
                          and (e.value ->> 'target_id') ~ '^[A-Za-z0-9][A-Za-z0-9._:@+-]*$'))
                 and (pg_catalog.jsonb_typeof(e.value -> 'policy_id') is null
                      or pg_catalog.jsonb_typeof(e.value -> 'policy_id') = 'null'
                      or (pg_catalog.jsonb_typeof(e.value -> 'policy_id') = 'string'
                          and pg_catalog.length(e.value ->> 'policy_id') <= 128
                          and (e.value ->> 'policy_id') ~ '^[A-Za-z0-9][A-Za-z0-9._:@+-]*$'))
                 and (pg_catalog.jsonb_typeof(e.value -> 'data') is null
                      or (pg_catalog.jsonb_typeof(e.value -> 'data') = 'object'
                          and pg_catalog.octet_length((e.value -> 'data')::text) <= 65536)));
    -- the owner's document limits (nesting depth) for the entries that passed the filter above
    perform beamline_internal.check_document_limits(e.value -> 'data')
       from pg_catalog.jsonb_array_elements(p_entries) e
      where pg_catalog.jsonb_typeof(e.value -> 'data') = 'object';
    perform beamline_internal.require_permission(p_tenant, p_actor, 'audit:write');
    if v_count = 0 then
        return 0;
    end if;
    v_meta := beamline_internal.audit_metadata();
    -- One statement, in entry order: the chain trigger links each row after the one before.
    insert into beamline.policy_audit_log
        (tenant_id, target_type, policy_id, target_id, action, actor, new_data, metadata, "timestamp")
    select p_tenant, 'app', e.value ->> 'policy_id', e.value ->> 'target_id', e.value ->> 'action', p_actor,
           coalesce(e.value -> 'data', '{}'::jsonb), v_meta, pg_catalog.clock_timestamp()
      from pg_catalog.jsonb_array_elements(p_entries) with ordinality e(value, ord)
     order by e.ord;
    return v_count;
end;
$$;

comment on function beamline.log_action(text, text, jsonb) is
    'Record a batch (JSON array, <= 1,000 entries and <= 1 MiB) of application events {"action", "target_id"?, "policy_id"?, "data"?} in one statement; all validated first; needs audit:write. Returns the count.';
