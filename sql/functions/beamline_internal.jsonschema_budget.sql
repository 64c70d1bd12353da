-- The engine's work budgets (docs/VALIDATION.md, "Work budget"; issue 15):
--   'call'  subschema applications allowed in one validation (jsonschema_run): past it, BL040;
--   'node'  the largest static cost per document node (jsonschema_cost) a schema may have to be
--           registered, so that any document of up to call / node schema-covered nodes
--           validates within the call budget.
-- Constants, not settings: no caller can raise them.
create or replace function beamline_internal.jsonschema_budget(p_kind text default 'call')
returns integer
immutable
parallel safe
set search_path = pg_catalog, pg_temp
language sql
as $function$
    select case p_kind when 'call' then 100000 when 'node' then 5000 end
$function$;

comment on function beamline_internal.jsonschema_budget(text) is
    'JSON Schema engine work budgets: ''call'' = subschema applications per validation (BL040 beyond), ''node'' = largest per-node cost a registered schema may have.';
