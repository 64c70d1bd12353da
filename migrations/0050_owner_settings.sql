-- Settings no caller can preset (issue 11): the document limits and the audit context moved out
-- of session settings (beamline.max_document_bytes / max_document_depth / audit_context), which
-- any role can SET in its own session before calling a SECURITY DEFINER function.
-- depends: 0042_devstate_import_sessions
--
-- Both tables live in beamline_internal: only the owner can read or write them (the API
-- functions run as the owner). Limits change only through beamline_admin.set_setting.

-- One row: the limits every API function enforces (docs/SECURITY.md, "Owner settings").
create table beamline_internal.settings (
    id                  smallint not null default 1,
    max_document_bytes  integer  not null default 1048576,
    max_document_depth  integer  not null default 32,
    updated_at          timestamptz not null default pg_catalog.now(),
    updated_by          text     not null default current_user,
    constraint settings_pkey primary key (id),
    constraint settings_singleton check (id = 1),
    -- a document is at least "{}" (2 bytes); PostgreSQL's jsonb stops at 256 MB anyway
    constraint settings_max_document_bytes_check check (max_document_bytes between 2 and 268435455),
    -- depth 1 is a flat object; the Python client parses documents recursively (stack depth)
    constraint settings_max_document_depth_check check (max_document_depth between 1 and 256)
);
insert into beamline_internal.settings (id) values (1);

comment on table beamline_internal.settings is
    'Owner-only limits (singleton row), changed with beamline_admin.set_setting; session settings cannot override them.';
comment on column beamline_internal.settings.max_document_bytes is
    'Largest JSON text of a document (policy, state, history metadata, validate input), bytes; BL009 above.';
comment on column beamline_internal.settings.max_document_depth is
    'Deepest nesting of containers in a document ({} is 1, {"a": []} is 2); BL009 above.';

-- The audit context of a transaction (beamline_internal.audit_set_context), keyed by the
-- transaction: a row is only ever read by the transaction that wrote it (xid8 never repeats),
-- rows of finished transactions are pruned by the next audit_set_context.
create table beamline_internal.audit_contexts (
    xid      xid8  not null,
    context  jsonb not null,
    constraint audit_contexts_pkey primary key (xid),
    constraint audit_contexts_object check (pg_catalog.jsonb_typeof(context) = 'object'),
    constraint audit_contexts_size check (pg_catalog.octet_length(context::text) <= 4096)
);

comment on table beamline_internal.audit_contexts is
    'Audit context per transaction (written by beamline_internal.audit_set_context, read by audit_metadata); owner only.';
