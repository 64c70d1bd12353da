-- DevState chain bookkeeping (issue 5, SPEC §6), on top of the tables of 0003:
--   * beamline_internal.devstate_canonical_json: the canonical JSON serializer (docs/DEVSTATE_MCP.md
--     "Canonical JSON"). Defined here because a generated column uses it; sql/functions re-applies
--     the identical definition. Never change its output: bump the message version instead.
--   * history_entries.metadata_canonical: the canonical text of metadata, generated (recomputed by
--     PostgreSQL on every write, even with triggers disabled), so verification and export are
--     set-based and fast instead of calling a recursive serializer per row.
--   * devstate.chain_head: the one row every append locks (serialises appends: the chain cannot
--     fork) and the record of the head, so truncation of the tail inside the database shows.
--   * the initial, empty state document {} with its checksum.
--   * indexes for search_history (checkpoints, metadata containment).
-- depends: 0003_devstate_tables

create or replace function beamline_internal.devstate_canonical_json(p_doc jsonb)
    returns text
    immutable
    strict
    parallel safe
    set search_path = ''
    language plpgsql
as $$
begin
    case pg_catalog.jsonb_typeof(p_doc)
        when 'object' then
            return (select '{' || coalesce(pg_catalog.string_agg(
                        pg_catalog.to_json(e.key)::text || ':' ||
                        case when pg_catalog.jsonb_typeof(e.value) in ('object', 'array')
                             then beamline_internal.devstate_canonical_json(e.value)
                             else e.value::text end,
                        ',' order by e.key collate "C"), '') || '}'
                      from pg_catalog.jsonb_each(p_doc) e);
        when 'array' then
            return (select '[' || coalesce(pg_catalog.string_agg(
                        case when pg_catalog.jsonb_typeof(e.value) in ('object', 'array')
                             then beamline_internal.devstate_canonical_json(e.value)
                             else e.value::text end,
                        ',' order by e.ord), '') || ']'
                      from pg_catalog.jsonb_array_elements(p_doc) with ordinality e(value, ord));
        else
            return p_doc::text;
    end case;
end;
$$;

comment on function beamline_internal.devstate_canonical_json(jsonb) is
    'Canonical JSON text of a document: object keys sorted by UTF-8 bytes, no whitespace, strings escaped as PostgreSQL/JSON, numbers in plain notation (numeric output). See docs/DEVSTATE_MCP.md.';

alter table devstate.history_entries
    add column metadata_canonical text
        generated always as (beamline_internal.devstate_canonical_json(metadata)) stored;

comment on column devstate.history_entries.metadata_canonical is
    'Canonical JSON of metadata (generated, recomputed on every write): the exact bytes the HMAC covers.';
comment on column devstate.history_entries.hmac_prev is
    'hmac of the previous entry (by id), or the genesis value 64 zeros for the first entry.';
comment on column devstate.history_entries.hmac is
    'HMAC-SHA256 (hex) of the canonical message of this entry, keyed by the secret named in key_id.';

create table devstate.chain_head (
    id          smallint    not null default 1,
    head_id     bigint      not null,
    head_hmac   text        not null,
    entries     bigint      not null,
    updated_at  timestamptz not null default now(),
    constraint chain_head_pkey primary key (id),
    constraint chain_head_singleton check (id = 1),
    constraint chain_head_hmac_format check (head_hmac ~ '^[0-9a-f]{64}$'),
    constraint chain_head_entries_nonnegative check (entries >= 0)
);

comment on table devstate.chain_head is
    'The head of the history chain (row id 1). Every insert into history_entries locks and advances it, so appends are serialised and the tail cannot be cut silently.';
comment on column devstate.chain_head.head_id is 'id of the last entry (0 while the history is empty); new ids must be larger.';
comment on column devstate.chain_head.head_hmac is 'hmac of the last entry, or the genesis value (64 zeros) while empty.';
comment on column devstate.chain_head.entries is 'Number of entries in the chain.';

insert into devstate.chain_head (id, head_id, head_hmac, entries)
values (1, 0, repeat('0', 64), 0);

-- The empty DevState: {} and sha256('{}').
insert into devstate.state_current (id, json, checksum)
values (1, '{}', encode(sha256(convert_to('{}', 'UTF8')), 'hex'))
on conflict (id) do nothing;

create index history_entries_cp_from_idx on devstate.history_entries (cp_from) where cp_from is not null;
create index history_entries_cp_to_idx on devstate.history_entries (cp_to) where cp_to is not null;
create index history_entries_metadata_idx on devstate.history_entries using gin (metadata jsonb_path_ops);
