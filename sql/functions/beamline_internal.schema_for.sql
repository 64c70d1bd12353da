-- The registered schema in force for p_name: the tenant's newest override when p_tenant has
-- one, else the newest global version. BL002 when neither exists.
create or replace function beamline_internal.schema_for(p_name text, p_tenant text default null)
returns jsonb
stable
security definer
set search_path = pg_catalog, pg_temp
language plpgsql
as $function$
declare
    v_schema jsonb;
begin
    select s.schema into v_schema
      from beamline.json_schemas as s
     where s.name = p_name
       and (s.tenant_id = p_tenant or s.tenant_id is null)
     order by s.tenant_id nulls last, s.version desc
     limit 1;
    if v_schema is null then
        raise exception using errcode = 'BL002',
            message = pg_catalog.format('no JSON Schema is registered under the name %s', pg_catalog.quote_literal(p_name)),
            detail = pg_catalog.jsonb_build_object('schema', p_name, 'tenant', p_tenant)::text,
            hint = 'Run beamline migrate (loads policy/default and state/default), or register it with beamline.register_schema.';
    end if;
    return v_schema;
end
$function$;

comment on function beamline_internal.schema_for(text, text) is
    'The JSON Schema in force for a name: the tenant''s newest override, else the newest global version; BL002 when none.';
