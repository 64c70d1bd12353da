-- Store a checked JSON Schema as the next version of (p_name, p_tenant); shared by
-- beamline.register_schema (tenant overrides) and beamline_admin.register_default_schema
-- (global defaults). The schema is checked and prepared first (BL010 with the list of problems,
-- also when its static cost per document node is over jsonschema_budget('node')). Idempotent:
-- when the schema equals the current version of (name, tenant), that version is returned
-- and nothing is written (so a second `beamline migrate` changes nothing).
create or replace function beamline_internal.jsonschema_register(
    p_name text, p_tenant text, p_schema jsonb, p_actor text)
returns integer
volatile
security definer
set search_path = pg_catalog, pg_temp
language plpgsql
as $function$
declare
    v_problems jsonb;
    v_checksum text;
    v_prep     jsonb;
    v_current  record;
begin
    if p_name is null or not (p_name operator(pg_catalog.~) '^[a-z0-9][a-z0-9._-]*(/[a-z0-9][a-z0-9._-]*)*$')
       or pg_catalog.char_length(p_name) > 128 then
        raise exception using errcode = 'BL007',
            message = 'register_schema: bad schema name',
            detail = pg_catalog.jsonb_build_object('argument', 'p_name', 'reason', 'lower-case segments [a-z0-9._-] separated by "/", at most 128 characters')::text,
            hint = 'For example policy/default or state/default.';
    end if;
    v_prep := beamline_internal.jsonschema_check_schema(p_schema);
    v_problems := v_prep -> 'problems';
    if v_problems = '[]'::jsonb
       and beamline_internal.jsonschema_cost(v_prep -> 'root', v_prep -> 'ctx') > beamline_internal.jsonschema_budget('node') then
        -- the work budget (docs/VALIDATION.md): a schema that could exceed it is refused here
        v_problems := pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object('path', '', 'keyword', '',
            'message', pg_catalog.format('the schema could apply up to %s subschemas to one document node, more than the limit %s',
                beamline_internal.jsonschema_cost(v_prep -> 'root', v_prep -> 'ctx'), beamline_internal.jsonschema_budget('node'))));
    end if;
    if v_problems <> '[]'::jsonb then
        raise exception using errcode = 'BL010',
            message = pg_catalog.format('invalid JSON Schema %s: %s at "%s"', pg_catalog.quote_literal(p_name),
                v_problems -> 0 ->> 'message', v_problems -> 0 ->> 'path'),
            detail = v_problems::text,
            hint = 'See docs/VALIDATION.md for the supported keywords.';
    end if;
    -- One registration per (name, tenant) at a time: versions stay gap-free and unique.
    perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('beamline.json_schemas'),
        pg_catalog.hashtext(p_name || '|' || coalesce(p_tenant, '')));
    v_checksum := pg_catalog.encode(beamline_ext.digest(p_schema::text, 'sha256'), 'hex');
    select s.version, s.checksum into v_current
      from beamline.json_schemas as s
     where s.name = p_name and s.tenant_id is not distinct from p_tenant
     order by s.version desc
     limit 1;
    -- the parsed fast path, stored once per checksum (also for a schema registered before it existed)
    if found and v_current.checksum = v_checksum then
        perform beamline_internal.jsonschema_fast_store(v_checksum, v_prep);
        return v_current.version;
    end if;
    perform beamline_internal.jsonschema_fast_store(v_checksum, v_prep);
    insert into beamline.json_schemas (name, tenant_id, version, schema, checksum, created_by)
    values (p_name, p_tenant, coalesce(v_current.version, 0) + 1, p_schema, v_checksum, p_actor);
    return coalesce(v_current.version, 0) + 1;
end
$function$;

comment on function beamline_internal.jsonschema_register(text, text, jsonb, text) is
    'Check a JSON Schema (BL010) and store it as the next version of (name, tenant); returns the current version, unchanged when identical.';
