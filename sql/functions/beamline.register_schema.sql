-- Register a tenant's override of a named JSON Schema (e.g. its own "policy/default"), checked
-- first: an unsupported keyword or malformed schema is BL010 (DETAIL = list of problems).
-- Needs permission schema:manage in p_tenant (BL001). Returns the version now current;
-- registering the current schema again returns its version and writes nothing.
-- Global defaults are loaded by `beamline migrate` (beamline_admin.register_default_schema).
create or replace function beamline.register_schema(
    p_tenant text, p_name text, p_schema jsonb, p_actor text)
returns integer
volatile
security definer
set search_path = pg_catalog, pg_temp
language plpgsql
as $function$
begin
    if p_tenant is null or pg_catalog.char_length(p_tenant) > 64
       or not (p_tenant operator(pg_catalog.~) '^[A-Za-z0-9][A-Za-z0-9._:@+-]*$') then
        raise exception using errcode = 'BL007',
            message = 'register_schema: bad tenant id',
            detail = '{"argument": "p_tenant", "reason": "1-64 characters: a letter or digit, then letters, digits and . _ : @ + -"}',
            hint = 'Pass the tenant whose override this is.';
    end if;
    if p_actor is null or pg_catalog.char_length(p_actor) > 128
       or not (p_actor operator(pg_catalog.~) '^[A-Za-z0-9][A-Za-z0-9._:@+-]*$') then
        raise exception using errcode = 'BL007',
            message = 'register_schema: bad actor',
            detail = '{"argument": "p_actor", "reason": "1-128 characters: a letter or digit, then letters, digits and . _ : @ + -"}',
            hint = 'Pass the user on whose behalf the schema is registered.';
    end if;
    if p_schema is null then
        raise exception using errcode = 'BL007',
            message = 'register_schema: the schema must not be null',
            detail = '{"argument": "p_schema", "reason": "null"}',
            hint = 'Pass a JSON Schema (an object or a boolean).';
    end if;
    perform beamline_internal.require_permission(p_tenant, p_actor, 'schema:manage');
    return beamline_internal.jsonschema_register(p_name, p_tenant, p_schema, p_actor);
end
$function$;

comment on function beamline.register_schema(text, text, jsonb, text) is
    'Register a tenant override of a named JSON Schema (permission schema:manage); BL010 when the schema is unsupported or malformed. Returns the current version.';
