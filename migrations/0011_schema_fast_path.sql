-- Stored fast paths of registered JSON Schemas (docs/VALIDATION.md, "Performance").
-- depends: 0010_schema_registry
--
-- beamline_internal.jsonschema_compile turns a checked schema into a jsonpath predicate plus a
-- few checks. Until now the predicate was cached per session as text and parsed again on every
-- validation (~80 µs for the policy schema). Registration (beamline_internal.jsonschema_register)
-- now stores it once, already parsed (type jsonpath), keyed by the schema's checksum (SHA-256 of
-- schema::text, as beamline.json_schemas.checksum), so put_policy and beamline.validate look it
-- up by checksum and parse nothing. A row exists only for schemas that passed the schema check;
-- predicate NULL records "no fast path" (the engine always runs). Rows are derived data: they
-- can be deleted and are rebuilt at the next registration of the same schema.

create table beamline.json_schema_fast (
    checksum   text     not null,
    predicate  jsonpath,
    constraint json_schema_fast_pkey primary key (checksum),
    constraint json_schema_fast_checksum_format check (checksum ~ '^[0-9a-f]{64}$')
);

comment on table beamline.json_schema_fast is
    'Compiled fast path (jsonschema_compile) of each checked, registered JSON Schema, keyed by the SHA-256 of schema::text. Derived data.';
comment on column beamline.json_schema_fast.predicate is
    'Strict jsonpath predicate, TRUE exactly when the document has no error outside the checks; NULL = the schema has no fast path.';

-- The checks of a fast path: each selects document nodes with a strict jsonpath; a node fails
-- when it has a member outside keys (keys not null), or when the engine finds an error for
-- schema (the opaque subschema) at it.
create table beamline.json_schema_fast_checks (
    checksum  text     not null,
    ord       integer  not null,
    path      jsonpath not null,
    keys      text[],
    schema    jsonb,
    constraint json_schema_fast_checks_pkey primary key (checksum, ord),
    constraint json_schema_fast_checks_checksum_fkey foreign key (checksum)
        references beamline.json_schema_fast (checksum) on delete cascade,
    constraint json_schema_fast_checks_kind check ((keys is null) <> (schema is null))
);

comment on table beamline.json_schema_fast_checks is
    'Checks of a compiled fast path: nodes selected by path must have no member outside keys, or no engine error for schema.';

-- Upgrades: compile the schemas already registered (the compiler exists from the previous
-- install). On a fresh database there are none yet; registration fills the table from now on.
do $backfill$
declare
    v_row  record;
    v_fast jsonb;
begin
    if pg_catalog.to_regprocedure('beamline_internal.jsonschema_compile(jsonb)') is null then
        return;
    end if;
    for v_row in select distinct on (s.checksum) s.checksum, s.schema from beamline.json_schemas s loop
        v_fast := beamline_internal.jsonschema_compile(v_row.schema);
        insert into beamline.json_schema_fast (checksum, predicate)
        values (v_row.checksum, (v_fast ->> 'predicate')::jsonpath);
        insert into beamline.json_schema_fast_checks (checksum, ord, path, keys, schema)
        select v_row.checksum, c.ord::integer, (c.value ->> 'path')::jsonpath,
               case when c.value ? 'keys' then array(select jsonb_array_elements_text(c.value -> 'keys')) end,
               case when c.value ? 'keys' then null else c.value -> 'schema' end
          from jsonb_array_elements(coalesce(v_fast -> 'checks', '[]')) with ordinality as c(value, ord);
    end loop;
end
$backfill$;
