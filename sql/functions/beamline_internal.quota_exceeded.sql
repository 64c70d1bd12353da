-- quota_exceeded: raise BL003 with the detail {"quota", "limit", "requested"} of docs/ERRORS.md.
create or replace function beamline_internal.quota_exceeded(p_tenant text, p_quota text, p_limit integer, p_requested integer)
    returns void
    immutable
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
begin
    raise exception using
        errcode = 'BL003',
        message = pg_catalog.format('quota %s of tenant %s exceeded: limit %s, requested %s', p_quota, p_tenant, p_limit, p_requested),
        detail = pg_catalog.json_build_object('quota', p_quota, 'limit', p_limit, 'requested', p_requested)::text,
        hint = 'A user with quota:manage can raise it with beamline.set_quota.';
end;
$$;

comment on function beamline_internal.quota_exceeded(text, text, integer, integer) is
    'Raise BL003 with detail {"quota", "limit", "requested"}; never returns.';
