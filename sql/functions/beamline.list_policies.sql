-- list_policies: a page of a tenant's policies in a stable order (policy_id, version), with an
-- opaque keyset cursor. p_filters (JSON object, every key optional, anything else is BL007):
--   contains       JSON object; rows whose data @> it (served by GIN index policies_data_gin)
--   active         true (default: the active versions, one per policy), false (inactive
--                  versions only), null (every version)
--   updated_since  timestamp (ISO 8601 string); rows with updated_at >= it
-- p_limit 1..1000 (default 50). p_cursor: next_cursor of the last row of the previous page.
-- Every row carries next_cursor (its own position); a page shorter than p_limit is the last.
--   BL007 bad ids / filters / limit / cursor;  BL001 actor lacks policy:read
create or replace function beamline.list_policies(
    p_tenant text,
    p_actor text,
    p_filters jsonb default '{}',
    p_limit integer default 50,
    p_cursor text default null)
    returns table (tenant_id varchar, policy_id varchar, version integer, is_active boolean, data jsonb,
                   created_at timestamptz, updated_at timestamptz, created_by varchar, updated_by varchar,
                   next_cursor text)
    stable
    security definer
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
declare
    v_filters  jsonb := coalesce(p_filters, '{}');
    v_key      text;
    v_active   boolean := true;
    v_contains jsonb;
    v_since    timestamptz;
    v_after_id text;
    v_after_version integer;
begin
    if pg_catalog.jsonb_typeof(v_filters) <> 'object' then
        perform beamline_internal.policy_bad_input('filters', 'must be a JSON object');
    end if;
    for v_key in select pg_catalog.jsonb_object_keys(v_filters) loop
        if v_key not in ('contains', 'active', 'updated_since') then
            perform beamline_internal.policy_bad_input('filters', pg_catalog.format('unknown filter %s (known: contains, active, updated_since)', pg_catalog.left(v_key, 64)));
        end if;
    end loop;
    if v_filters ? 'contains' then
        v_contains := v_filters -> 'contains';
        if pg_catalog.jsonb_typeof(v_contains) <> 'object' then
            perform beamline_internal.policy_bad_input('filters.contains', 'must be a JSON object');
        end if;
    end if;
    if v_filters ? 'active' then
        case pg_catalog.jsonb_typeof(v_filters -> 'active')
            when 'boolean' then v_active := (v_filters ->> 'active')::boolean;
            when 'null' then v_active := null;
            else perform beamline_internal.policy_bad_input('filters.active', 'must be true, false or null (all versions)');
        end case;
    end if;
    if v_filters ? 'updated_since' then
        if pg_catalog.jsonb_typeof(v_filters -> 'updated_since') <> 'string' then
            perform beamline_internal.policy_bad_input('filters.updated_since', 'must be an ISO 8601 timestamp string');
        end if;
        begin
            v_since := (v_filters ->> 'updated_since')::timestamptz;
        exception when data_exception then  -- any bad timestamp text (format, range, zone)
            perform beamline_internal.policy_bad_input('filters.updated_since', 'must be an ISO 8601 timestamp string');
        end;
    end if;
    if p_limit is null or p_limit < 1 or p_limit > 1000 then
        perform beamline_internal.policy_bad_input('limit', 'must be between 1 and 1000');
    end if;
    if p_cursor is not null then
        select c.policy_id, c.version into v_after_id, v_after_version
          from beamline_internal.policy_cursor_decode(p_cursor) c;
    end if;
    perform beamline_internal.require_permission(p_tenant, p_actor, 'policy:read');

    return query execute beamline_internal.policy_list_sql(v_active, v_contains is not null, v_since is not null, p_cursor is not null)
        using p_tenant, v_contains, v_since, v_after_id, v_after_version, p_limit;
end;
$$;

comment on function beamline.list_policies(text, text, jsonb, integer, text) is
    'A page of policies (policy:read) ordered by (policy_id, version); filters contains (GIN), active (true|false|null=all), updated_since; keyset cursor via next_cursor.';
