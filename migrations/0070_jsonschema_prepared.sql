-- The JSON Schema engine of issue 15: prepared schemas (references resolved) stored with the
-- fast path, and no cache in session settings.
-- depends: 0011_schema_fast_path
--
-- Until now beamline.validate cached "this schema is checked" and its compiled fast path in
-- session settings (beamline.jsonschema_checked, beamline.jsonschema_fast_<md5>), which any
-- caller could preset (issue 11: a forged fast path made validate return [] for an invalid
-- document). Compiled forms now live only in these owner-only tables, keyed by the schema's
-- checksum and written only by registration; an unregistered schema is checked and prepared on
-- every call. The rows are derived data: they are deleted here and rebuilt by `beamline migrate`
-- (beamline_admin.rebuild_schema_cache) and at each registration.

delete from beamline.json_schema_fast;

alter table beamline.json_schema_fast
    add column root jsonb,
    add column ctx  jsonb,
    add column cost integer;

comment on column beamline.json_schema_fast.root is
    'The prepared schema (beamline_internal.jsonschema_prepare): {"0": schema, "1": a registered schema it references, ...} with every $ref resolved to a pointer.';
comment on column beamline.json_schema_fast.ctx is
    'Engine flags of the prepared schema: {"u": uses unevaluated*, "f": format asserted, "dyn": dynamic anchors per resource}.';
comment on column beamline.json_schema_fast.cost is
    'Static bound on the engine''s work per document node (subschemas that can apply to one node, memoised), checked against the per-node limit at registration.';

-- The obsolete per-session path (and the engine core it called).
drop function if exists beamline_internal.jsonschema_fast_valid(jsonb, jsonb, jsonb);
drop function if exists beamline_internal.jsonschema_compile(jsonb);
drop function if exists beamline_internal.jsonschema_compile_node(jsonb, jsonb, text, text[], jsonb);
drop function if exists beamline_internal.jsonschema_node(jsonb, jsonb, jsonb, text, boolean, integer);
-- Changed parameter names or result shapes (re-created from sql/functions).
drop function if exists beamline_internal.jsonschema_fast_store(text, jsonb);
drop function if exists beamline_internal.jsonschema_check_schema(jsonb);
