-- Registered DevState HMAC keys (issue 11): a key id is bound to one secret by a fingerprint.
-- depends: 0055_audit_schema_state_targets
--
-- Before, anyone with history:append could append under key_id k1 with a secret of their own
-- choosing, and the chain no longer verified for anybody else, forever. Now an append or an
-- import is refused (BL025) unless the session's key for each key id it signs with matches the
-- fingerprint registered for that id here. Registration is owner-only
-- (beamline_admin.register_hmac_key, reading the key from the session's startup options like
-- every other DevState call); there is no trust on first use by the application role.
--
-- The table lives in beamline_internal, which nobody but the owner can use: the read-only
-- reporting role gets SELECT on every devstate table, and a fingerprint, though not the key,
-- would let its holder test guesses of a weak secret offline.
--
-- fingerprint = hex(HMAC-SHA256(key, 'beamline-devstate-key-fingerprint/1,' || key_id || ',' || hex(salt)))
-- with a random 16-byte salt per key (beamline_internal.devstate_key_fingerprint).

create table beamline_internal.devstate_hmac_keys (
    key_id         text        not null,
    salt           bytea       not null,
    fingerprint    text        not null,
    registered_at  timestamptz not null default now(),
    retired_at     timestamptz,
    constraint devstate_hmac_keys_pkey primary key (key_id),
    -- key ids travel in beamline.hmac_previous_keys as "id:secret;id:secret"
    constraint devstate_hmac_keys_key_id_format check (key_id ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
    constraint devstate_hmac_keys_salt_length check (octet_length(salt) = 16),
    constraint devstate_hmac_keys_fingerprint_format check (fingerprint ~ '^[0-9a-f]{64}$'),
    constraint devstate_hmac_keys_retired_after_registered check (retired_at is null or retired_at >= registered_at)
);

comment on table beamline_internal.devstate_hmac_keys is
    'Owner-only registry of DevState HMAC key ids: a salted HMAC fingerprint of each key (never the key). Appends and imports are refused (BL025) with a key that does not match.';
comment on column beamline_internal.devstate_hmac_keys.fingerprint is
    'hex(HMAC-SHA256(key, ''beamline-devstate-key-fingerprint/1,'' || key_id || '','' || hex(salt))).';
comment on column beamline_internal.devstate_hmac_keys.retired_at is
    'Set by beamline_admin.retire_hmac_key: no new entries under this id; its entries still verify and import.';

-- Registering and retiring a key is audited too (target_type key, tenant devstate).
alter table beamline.policy_audit_log drop constraint policy_audit_log_target_type_check;
alter table beamline.policy_audit_log add constraint policy_audit_log_target_type_check
    check (target_type in ('policy', 'role', 'quota', 'app', 'schema', 'state', 'key'));
comment on column beamline.policy_audit_log.target_type is
    'What changed: policy | role (user_roles) | quota (tenant_quotas) | app (log_action events) | schema (json_schemas) | state (the DevState document) | key (a DevState HMAC key registered or retired).';
