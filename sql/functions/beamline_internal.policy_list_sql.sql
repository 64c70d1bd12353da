-- policy_list_sql: the one query text list_policies executes (dynamic, so the planner sees only
-- the filters in use and a containment filter can use the GIN index policies_data_gin instead of
-- a generic "($2 is null or data @> $2)" plan). pgTAP EXPLAINs exactly this text.
-- Parameters: $1 tenant, $2 contains (jsonb), $3 updated_since (timestamptz),
--             $4 cursor policy_id, $5 cursor version, $6 limit.
-- p_active: true = active versions only, false = inactive versions only, null = all versions.
create or replace function beamline_internal.policy_list_sql(
    p_active boolean, p_contains boolean, p_since boolean, p_cursor boolean)
    returns text
    immutable
    parallel safe
    set search_path = pg_catalog, pg_temp
    language sql
as $$
    select 'select p.tenant_id, p.policy_id, p.version, p.is_active, p.data, p.created_at, p.updated_at,'
        || ' p.created_by, p.updated_by, beamline_internal.policy_cursor_encode(p.policy_id, p.version)'
        || ' from beamline.policies p where p.tenant_id = $1'
        || case when p_active is null then '' when p_active then ' and p.is_active' else ' and not p.is_active' end
        || case when p_contains then ' and p.data @> $2' else '' end
        || case when p_since then ' and p.updated_at >= $3' else '' end
        || case when p_cursor then ' and (p.policy_id, p.version) > ($4, $5)' else '' end
        || ' order by p.policy_id, p.version limit $6'
$$;

comment on function beamline_internal.policy_list_sql(boolean, boolean, boolean, boolean) is
    'The SQL text list_policies runs for a given combination of filters (parameters $1..$6).';
