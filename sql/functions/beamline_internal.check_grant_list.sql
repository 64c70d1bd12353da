-- check_grant_list: validate the extra permissions of a grant (user_roles.permissions).
-- A JSON array of at most 64 distinct strings, each a known permission, a namespace wildcard
-- of a known namespace ('policy:*') or '*'. Returns the list sorted and de-duplicated.
--   BL007  detail {"argument": "permissions", "reason"}
create or replace function beamline_internal.check_grant_list(p_permissions jsonb)
    returns jsonb
    stable
    set search_path = pg_catalog, pg_temp
    language plpgsql
as $$
declare
    v_bad text;
    v_reason text;
begin
    if p_permissions is null then
        v_reason := 'is null';
    elsif pg_catalog.jsonb_typeof(p_permissions) <> 'array' then
        v_reason := 'must be a JSON array of permission strings';
    elsif pg_catalog.jsonb_array_length(p_permissions) > 64 then
        v_reason := 'has more than 64 entries';
    elsif exists (select 1 from pg_catalog.jsonb_array_elements(p_permissions) e
                   where pg_catalog.jsonb_typeof(e) <> 'string') then
        v_reason := 'must contain only strings';
    else
        select e into v_bad
          from pg_catalog.jsonb_array_elements_text(p_permissions) e
         where e <> '*'
           and not exists (select 1 from beamline.permissions p
                            where p.permission = e
                               or (e ~ '^[a-z]+:\*$' and pg_catalog.split_part(p.permission, ':', 1) = pg_catalog.split_part(e, ':', 1)))
         limit 1;
        if not found then
            return coalesce((select pg_catalog.jsonb_agg(d order by d)
                               from (select distinct e as d from pg_catalog.jsonb_array_elements_text(p_permissions) e) s),
                            '[]'::jsonb);
        end if;
        v_reason := pg_catalog.format('unknown permission %s', pg_catalog.to_jsonb(v_bad)::text);
    end if;
    raise exception using
        errcode = 'BL007',
        message = 'invalid permissions: ' || v_reason,
        detail = pg_catalog.json_build_object('argument', 'permissions', 'reason', v_reason)::text,
        hint = 'Use known permissions (beamline.permissions), namespace wildcards such as policy:*, or *.';
end;
$$;

comment on function beamline_internal.check_grant_list(jsonb) is
    'Validate a grant''s extra permissions (array of known permissions, ns:* wildcards or *; at most 64); BL007 otherwise. Returns them sorted and distinct.';
