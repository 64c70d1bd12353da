-- DevState tables of SPEC §3/§6: the state document, the HMAC-chained history, leases.
-- depends: 0001_schemas

create table devstate.state_current (
    id          smallint    not null default 1,
    json        jsonb       not null,
    checksum    text        not null,
    updated_at  timestamptz not null default now(),
    updated_by  text,
    constraint state_current_pkey primary key (id),
    constraint state_current_singleton check (id = 1),
    constraint state_current_json_is_object check (jsonb_typeof(json) = 'object'),
    constraint state_current_checksum_format check (checksum ~ '^[0-9a-f]{64}$')
);

comment on table devstate.state_current is 'The single DevState document (row id 1) and its SHA-256 checksum.';

create table devstate.history_entries (
    id              bigserial   not null,
    ts              timestamptz not null default clock_timestamp(),
    actor           text        not null,
    action          text        not null,
    cp_from         text,
    cp_to           text,
    state_checksum  text,
    hmac_prev       text        not null,
    hmac            text        not null,
    key_id          text        not null,
    metadata        jsonb       not null default '{}',
    constraint history_entries_pkey primary key (id),
    -- Two entries can never share a predecessor: the chain cannot fork.
    constraint history_entries_hmac_prev_key unique (hmac_prev),
    constraint history_entries_hmac_key unique (hmac),
    constraint history_entries_hmac_format check (hmac ~ '^[0-9a-f]{64}$'),
    constraint history_entries_hmac_prev_format check (hmac_prev ~ '^[0-9a-f]{64}$'),
    constraint history_entries_actor_not_empty check (actor <> ''),
    constraint history_entries_action_not_empty check (action <> ''),
    constraint history_entries_metadata_is_object check (jsonb_typeof(metadata) = 'object')
);
create index history_entries_ts_idx on devstate.history_entries (ts);
create index history_entries_actor_idx on devstate.history_entries (actor);
create index history_entries_action_idx on devstate.history_entries (action);

comment on table devstate.history_entries is
    'Append-only, HMAC-chained history of DevState transitions: each hmac_prev is the previous entry''s hmac.';
comment on column devstate.history_entries.key_id is 'Identifier of the HMAC key that signed this entry (for rotation).';

create table devstate.locks (
    lock_id      uuid        not null default gen_random_uuid(),
    scope        text        not null,
    owner        text        not null,
    acquired_at  timestamptz not null default now(),
    expires_at   timestamptz not null,
    constraint locks_pkey primary key (lock_id),
    constraint locks_scope_key unique (scope),
    constraint locks_expiry_after_acquire check (expires_at > acquired_at)
);

comment on table devstate.locks is 'Leases on DevState scopes; an expired lease no longer holds its scope.';
