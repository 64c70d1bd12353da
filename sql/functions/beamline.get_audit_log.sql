-- get_audit_log: a tenant's audit rows, newest first, in the stable order ("timestamp" desc,
-- id desc), one page at a time (keyset pagination). Needs audit:read.
--   p_policy_id  only rows of that policy (index policy_audit_log_tenant_policy_time_idx)
--   p_filters    {"actor": id, "action": "UPDATE", "target_type": "policy|role|quota|app|schema|state|key",
--                 "from": timestamptz (inclusive), "to": timestamptz (exclusive)}
--   p_limit      1..1000 rows
--   p_cursor     the `cursor` column of the last row of the previous page; null = first page
-- Every row carries its cursor ('<microseconds since epoch>.<uuid>', opaque to callers).
--   BL007  bad ids, unknown filter keys, wrong filter types, bad limit or cursor
--   BL001  actor lacks audit:read
create or replace function beamline.get_audit_log(
    p_tenant text,
    p_actor text,
    p_policy_id text default null,
    p_filters jsonb default '{}',
    p_limit integer default 100,
    p_cursor text default null)
    returns table (
        id uuid,
        tenant_id text,
        target_type text,
        policy_id text,
        target_id text,
        action text,
        actor text,
        old_data jsonb,
        new_data jsonb,
        metadata jsonb,
        "timestamp" timestamptz,
        cursor text)
    stable
    security definer
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
declare
    v_key text;
    v_actor text;
    v_action text;
    v_type text;
    v_from timestamptz;
    v_to timestamptz;
    v_cursor_ts timestamptz;
    v_cursor_id uuid;
    v_arg text;
    v_reason text;
begin
    if p_policy_id is not null then
        perform beamline_internal.check_identifier('policy_id', p_policy_id, 128);
    end if;
    if p_filters is null or pg_catalog.jsonb_typeof(p_filters) <> 'object' then
        v_arg := 'filters'; v_reason := 'must be a JSON object';
    elsif p_limit is null or p_limit < 1 or p_limit > 1000 then
        v_arg := 'limit'; v_reason := 'must be between 1 and 1000';
    elsif p_cursor is not null and p_cursor !~ '^-?[0-9]{1,19}\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
        v_arg := 'cursor'; v_reason := 'is not a cursor returned by get_audit_log';
    else
        select k into v_key from pg_catalog.jsonb_object_keys(p_filters) k
         where k not in ('actor', 'action', 'target_type', 'from', 'to') limit 1;
        if found then
            v_arg := 'filters.' || v_key; v_reason := 'is not a known filter (actor, action, target_type, from, to)';
        else
            foreach v_key in array array['actor', 'action', 'target_type', 'from', 'to'] loop
                if p_filters ? v_key and pg_catalog.jsonb_typeof(p_filters -> v_key) <> 'string' then
                    v_arg := 'filters.' || v_key; v_reason := 'must be a string';
                    exit;
                end if;
            end loop;
        end if;
    end if;
    if v_arg is null then
        v_actor := p_filters ->> 'actor';
        v_action := p_filters ->> 'action';
        v_type := p_filters ->> 'target_type';
        if v_actor is not null then
            perform beamline_internal.check_identifier('filters.actor', v_actor, 128);
        end if;
        if v_action is not null and (pg_catalog.length(v_action) > 32 or v_action !~ '^[A-Z][A-Z0-9_]*$') then
            v_arg := 'filters.action'; v_reason := 'must be an upper-case token of at most 32 characters';
        elsif v_type is not null and v_type not in ('policy', 'role', 'quota', 'app', 'schema', 'state', 'key') then
            v_arg := 'filters.target_type'; v_reason := 'must be policy, role, quota, app, schema, state or key';
        else
            begin
                v_from := (p_filters ->> 'from')::timestamptz;
                v_to := (p_filters ->> 'to')::timestamptz;
            exception when data_exception then
                v_arg := 'filters.from/to'; v_reason := 'must be an ISO 8601 timestamp';
            end;
        end if;
    end if;
    if v_arg is not null then
        raise exception using
            errcode = 'BL007',
            message = pg_catalog.format('invalid %s: %s', v_arg, v_reason),
            detail = pg_catalog.json_build_object('argument', v_arg, 'reason', v_reason)::text,
            hint = 'Filters: {"actor", "action", "target_type", "from", "to"}; limit 1..1000; cursor from the previous page.';
    end if;
    perform beamline_internal.require_permission(p_tenant, p_actor, 'audit:read');
    if p_cursor is not null then
        begin
            v_cursor_ts := 'epoch'::timestamptz + pg_catalog.split_part(p_cursor, '.', 1)::bigint * interval '1 microsecond';
            v_cursor_id := pg_catalog.split_part(p_cursor, '.', 2)::uuid;
        exception when data_exception then  -- out-of-range numbers, bad uuid text
            raise exception using
                errcode = 'BL007',
                message = 'invalid cursor: not a cursor returned by get_audit_log',
                detail = pg_catalog.json_build_object('argument', 'cursor', 'reason', 'malformed')::text,
                hint = 'Pass the cursor column of the last row of the previous page.';
        end;
    end if;
    return query
        select a.id, a.tenant_id::text, a.target_type::text, a.policy_id::text, a.target_id::text,
               a.action::text, a.actor::text, a.old_data, a.new_data, a.metadata, a."timestamp",
               ((extract(epoch from a."timestamp") * 1000000)::bigint)::text || '.' || a.id::text
          from beamline.policy_audit_log a
         where a.tenant_id = p_tenant
           and (p_policy_id is null or a.policy_id = p_policy_id)
           and (v_actor is null or a.actor = v_actor)
           and (v_action is null or a.action = v_action)
           and (v_type is null or a.target_type = v_type)
           and (v_from is null or a."timestamp" >= v_from)
           and (v_to is null or a."timestamp" < v_to)
           and (v_cursor_ts is null or (a."timestamp", a.id) < (v_cursor_ts, v_cursor_id))
         order by a."timestamp" desc, a.id desc
         limit p_limit;
end;
$$;

comment on function beamline.get_audit_log(text, text, text, jsonb, integer, text) is
    'A tenant''s audit rows newest first ("timestamp" desc, id desc), filtered by policy and {"actor","action","target_type","from","to"}, keyset-paginated by the cursor column; needs audit:read.';
