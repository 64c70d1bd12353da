--
-- PostgreSQL database dump
--

--
-- Name: beamline; Type: SCHEMA; Schema: -; Owner: beamline_owner
--

CREATE SCHEMA beamline;

ALTER SCHEMA beamline OWNER TO beamline_owner;

--
-- Name: SCHEMA beamline; Type: COMMENT; Schema: -; Owner: beamline_owner
--

COMMENT ON SCHEMA beamline IS 'beamline-store API: policies, RBAC, quotas, audit (functions, tables, views)';

--
-- Name: beamline_admin; Type: SCHEMA; Schema: -; Owner: beamline_owner
--

CREATE SCHEMA beamline_admin;

ALTER SCHEMA beamline_admin OWNER TO beamline_owner;

--
-- Name: SCHEMA beamline_admin; Type: COMMENT; Schema: -; Owner: beamline_owner
--

COMMENT ON SCHEMA beamline_admin IS 'beamline-store owner-only functions (tenant bootstrap, maintenance)';

--
-- Name: beamline_ext; Type: SCHEMA; Schema: -; Owner: beamline_owner
--

CREATE SCHEMA beamline_ext;

ALTER SCHEMA beamline_ext OWNER TO beamline_owner;

--
-- Name: SCHEMA beamline_ext; Type: COMMENT; Schema: -; Owner: beamline_owner
--

COMMENT ON SCHEMA beamline_ext IS 'extensions used by beamline-store (pgcrypto)';

--
-- Name: beamline_internal; Type: SCHEMA; Schema: -; Owner: beamline_owner
--

CREATE SCHEMA beamline_internal;

ALTER SCHEMA beamline_internal OWNER TO beamline_owner;

--
-- Name: SCHEMA beamline_internal; Type: COMMENT; Schema: -; Owner: beamline_owner
--

COMMENT ON SCHEMA beamline_internal IS 'beamline-store internals and trigger functions; not for direct use';

--
-- Name: devstate; Type: SCHEMA; Schema: -; Owner: beamline_owner
--

CREATE SCHEMA devstate;

ALTER SCHEMA devstate OWNER TO beamline_owner;

--
-- Name: SCHEMA devstate; Type: COMMENT; Schema: -; Owner: beamline_owner
--

COMMENT ON SCHEMA devstate IS 'beamline-store DevState: state document, HMAC-chained history, leases';

--
-- Name: policies; Type: TABLE; Schema: beamline; Owner: beamline_owner
--

CREATE TABLE beamline.policies (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    tenant_id character varying(64) NOT NULL,
    policy_id character varying(128) NOT NULL,
    version integer DEFAULT 1 NOT NULL,
    is_active boolean DEFAULT true NOT NULL,
    data jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    created_by character varying(128) NOT NULL,
    updated_by character varying(128) NOT NULL,
    CONSTRAINT policies_data_is_object CHECK ((jsonb_typeof(data) = 'object'::text)),
    CONSTRAINT policies_policy_id_format CHECK (((policy_id)::text ~ '^[A-Za-z0-9][A-Za-z0-9._:@+-]*$'::text)),
    CONSTRAINT policies_tenant_id_format CHECK (((tenant_id)::text ~ '^[A-Za-z0-9][A-Za-z0-9._:@+-]*$'::text)),
    CONSTRAINT policies_version_positive CHECK ((version >= 1))
);

ALTER TABLE beamline.policies OWNER TO beamline_owner;

--
-- Name: TABLE policies; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON TABLE beamline.policies IS 'Policy versions: one row per (tenant, policy, version); rows are immutable except is_active. At most one active version per policy (policies_active_uniq).';

--
-- Name: COLUMN policies.version; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON COLUMN beamline.policies.version IS 'Version number, 1-based, increasing per (tenant_id, policy_id).';

--
-- Name: COLUMN policies.is_active; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON COLUMN beamline.policies.is_active IS 'True for the version the router uses; at most one per policy.';

--
-- Name: COLUMN policies.data; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON COLUMN beamline.policies.data IS 'The policy document (JSON object), validated against the tenant''s policy schema.';

--
-- Name: policy_audit_log; Type: TABLE; Schema: beamline; Owner: beamline_owner
--

CREATE TABLE beamline.policy_audit_log (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    tenant_id character varying(64) NOT NULL,
    target_type character varying(16) DEFAULT 'policy'::character varying NOT NULL,
    policy_id character varying(128),
    target_id character varying(128),
    action character varying(32) NOT NULL,
    actor character varying(128) NOT NULL,
    old_data jsonb,
    new_data jsonb,
    metadata jsonb DEFAULT '{}'::jsonb NOT NULL,
    "timestamp" timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    CONSTRAINT policy_audit_log_action_format CHECK (((action)::text ~ '^[A-Z][A-Z0-9_]*$'::text)),
    CONSTRAINT policy_audit_log_metadata_is_object CHECK ((jsonb_typeof(metadata) = 'object'::text)),
    CONSTRAINT policy_audit_log_target_type_check CHECK (((target_type)::text = ANY ((ARRAY['policy'::character varying, 'role'::character varying, 'quota'::character varying, 'app'::character varying])::text[])))
);

ALTER TABLE beamline.policy_audit_log OWNER TO beamline_owner;

--
-- Name: TABLE policy_audit_log; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON TABLE beamline.policy_audit_log IS 'Append-only audit trail of policy, role and quota changes and application events. Rows leave only through beamline.cleanup_old_logs.';

--
-- Name: COLUMN policy_audit_log.target_type; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON COLUMN beamline.policy_audit_log.target_type IS 'What changed: policy | role (user_roles) | quota (tenant_quotas) | app (log_action events).';

--
-- Name: COLUMN policy_audit_log.policy_id; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON COLUMN beamline.policy_audit_log.policy_id IS 'The policy id for target_type = policy, else null.';

--
-- Name: COLUMN policy_audit_log.target_id; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON COLUMN beamline.policy_audit_log.target_id IS 'The changed object: policy id, user id (role), tenant id (quota), or an application key.';

--
-- Name: COLUMN policy_audit_log.action; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON COLUMN beamline.policy_audit_log.action IS 'CREATE, UPDATE, DELETE, ACTIVATE, DEACTIVATE for policies; ASSIGN, REVOKE for roles; SET for quotas; an upper-case token for application events.';

--
-- Name: COLUMN policy_audit_log.actor; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON COLUMN beamline.policy_audit_log.actor IS 'The API caller (the actor argument), never the database role.';

--
-- Name: COLUMN policy_audit_log.metadata; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON COLUMN beamline.policy_audit_log.metadata IS 'txid, application_name, client address, and caller-supplied context.';

--
-- Name: tenant_quotas; Type: TABLE; Schema: beamline; Owner: beamline_owner
--

CREATE TABLE beamline.tenant_quotas (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    tenant_id character varying(64) NOT NULL,
    max_policies integer DEFAULT 10 NOT NULL,
    max_rules_per_policy integer DEFAULT 50 NOT NULL,
    max_providers_per_policy integer DEFAULT 20 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT tenant_quotas_max_policies_range CHECK (((max_policies >= 0) AND (max_policies <= 1000000))),
    CONSTRAINT tenant_quotas_max_providers_range CHECK (((max_providers_per_policy >= 0) AND (max_providers_per_policy <= 1000))),
    CONSTRAINT tenant_quotas_max_rules_range CHECK (((max_rules_per_policy >= 0) AND (max_rules_per_policy <= 10000))),
    CONSTRAINT tenant_quotas_tenant_id_format CHECK (((tenant_id)::text ~ '^[A-Za-z0-9][A-Za-z0-9._:@+-]*$'::text))
);

ALTER TABLE beamline.tenant_quotas OWNER TO beamline_owner;

--
-- Name: TABLE tenant_quotas; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON TABLE beamline.tenant_quotas IS 'Per-tenant limits; a tenant without a row gets the column defaults.';

--
-- Name: COLUMN tenant_quotas.max_policies; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON COLUMN beamline.tenant_quotas.max_policies IS 'Maximum number of policies with an active version.';

--
-- Name: user_roles; Type: TABLE; Schema: beamline; Owner: beamline_owner
--

CREATE TABLE beamline.user_roles (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    tenant_id character varying(64) NOT NULL,
    user_id character varying(128) NOT NULL,
    role character varying(64) NOT NULL,
    permissions jsonb DEFAULT '[]'::jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    granted_by character varying(128) NOT NULL,
    expires_at timestamp with time zone,
    CONSTRAINT user_roles_permissions_is_array CHECK ((jsonb_typeof(permissions) = 'array'::text)),
    CONSTRAINT user_roles_role_check CHECK (((role)::text = ANY ((ARRAY['admin'::character varying, 'operator'::character varying, 'viewer'::character varying])::text[]))),
    CONSTRAINT user_roles_tenant_id_format CHECK (((tenant_id)::text ~ '^[A-Za-z0-9][A-Za-z0-9._:@+-]*$'::text)),
    CONSTRAINT user_roles_user_id_format CHECK (((user_id)::text ~ '^[A-Za-z0-9][A-Za-z0-9._:@+-]*$'::text))
);

ALTER TABLE beamline.user_roles OWNER TO beamline_owner;

--
-- Name: TABLE user_roles; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON TABLE beamline.user_roles IS 'One role per user per tenant, plus explicit extra permissions; no access after expires_at.';

--
-- Name: COLUMN user_roles.role; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON COLUMN beamline.user_roles.role IS 'admin | operator | viewer (see beamline.role_permissions for what each grants).';

--
-- Name: COLUMN user_roles.permissions; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON COLUMN beamline.user_roles.permissions IS 'Extra permissions beyond the role, e.g. ["audit:read", "policy:*"].';

--
-- Name: COLUMN user_roles.expires_at; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON COLUMN beamline.user_roles.expires_at IS 'When the grant stops giving any access; null = never.';

--
-- Name: history_entries; Type: TABLE; Schema: devstate; Owner: beamline_owner
--

CREATE TABLE devstate.history_entries (
    id bigint NOT NULL,
    ts timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    actor text NOT NULL,
    action text NOT NULL,
    cp_from text,
    cp_to text,
    state_checksum text,
    hmac_prev text NOT NULL,
    hmac text NOT NULL,
    key_id text NOT NULL,
    metadata jsonb DEFAULT '{}'::jsonb NOT NULL,
    CONSTRAINT history_entries_action_not_empty CHECK ((action <> ''::text)),
    CONSTRAINT history_entries_actor_not_empty CHECK ((actor <> ''::text)),
    CONSTRAINT history_entries_hmac_format CHECK ((hmac ~ '^[0-9a-f]{64}$'::text)),
    CONSTRAINT history_entries_hmac_prev_format CHECK ((hmac_prev ~ '^[0-9a-f]{64}$'::text)),
    CONSTRAINT history_entries_metadata_is_object CHECK ((jsonb_typeof(metadata) = 'object'::text))
);

ALTER TABLE devstate.history_entries OWNER TO beamline_owner;

--
-- Name: TABLE history_entries; Type: COMMENT; Schema: devstate; Owner: beamline_owner
--

COMMENT ON TABLE devstate.history_entries IS 'Append-only, HMAC-chained history of DevState transitions: each hmac_prev is the previous entry''s hmac.';

--
-- Name: COLUMN history_entries.key_id; Type: COMMENT; Schema: devstate; Owner: beamline_owner
--

COMMENT ON COLUMN devstate.history_entries.key_id IS 'Identifier of the HMAC key that signed this entry (for rotation).';

--
-- Name: history_entries_id_seq; Type: SEQUENCE; Schema: devstate; Owner: beamline_owner
--

CREATE SEQUENCE devstate.history_entries_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER TABLE devstate.history_entries_id_seq OWNER TO beamline_owner;

--
-- Name: history_entries_id_seq; Type: SEQUENCE OWNED BY; Schema: devstate; Owner: beamline_owner
--

ALTER SEQUENCE devstate.history_entries_id_seq OWNED BY devstate.history_entries.id;

--
-- Name: locks; Type: TABLE; Schema: devstate; Owner: beamline_owner
--

CREATE TABLE devstate.locks (
    lock_id uuid DEFAULT gen_random_uuid() NOT NULL,
    scope text NOT NULL,
    owner text NOT NULL,
    acquired_at timestamp with time zone DEFAULT now() NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    CONSTRAINT locks_expiry_after_acquire CHECK ((expires_at > acquired_at))
);

ALTER TABLE devstate.locks OWNER TO beamline_owner;

--
-- Name: TABLE locks; Type: COMMENT; Schema: devstate; Owner: beamline_owner
--

COMMENT ON TABLE devstate.locks IS 'Leases on DevState scopes; an expired lease no longer holds its scope.';

--
-- Name: state_current; Type: TABLE; Schema: devstate; Owner: beamline_owner
--

CREATE TABLE devstate.state_current (
    id smallint DEFAULT 1 NOT NULL,
    json jsonb NOT NULL,
    checksum text NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_by text,
    CONSTRAINT state_current_checksum_format CHECK ((checksum ~ '^[0-9a-f]{64}$'::text)),
    CONSTRAINT state_current_json_is_object CHECK ((jsonb_typeof(json) = 'object'::text)),
    CONSTRAINT state_current_singleton CHECK ((id = 1))
);

ALTER TABLE devstate.state_current OWNER TO beamline_owner;

--
-- Name: TABLE state_current; Type: COMMENT; Schema: devstate; Owner: beamline_owner
--

COMMENT ON TABLE devstate.state_current IS 'The single DevState document (row id 1) and its SHA-256 checksum.';

--
-- Name: history_entries id; Type: DEFAULT; Schema: devstate; Owner: beamline_owner
--

ALTER TABLE ONLY devstate.history_entries ALTER COLUMN id SET DEFAULT nextval('devstate.history_entries_id_seq'::regclass);

--
-- Name: policies policies_pkey; Type: CONSTRAINT; Schema: beamline; Owner: beamline_owner
--

ALTER TABLE ONLY beamline.policies
    ADD CONSTRAINT policies_pkey PRIMARY KEY (id);

--
-- Name: policies policies_tenant_policy_version_key; Type: CONSTRAINT; Schema: beamline; Owner: beamline_owner
--

ALTER TABLE ONLY beamline.policies
    ADD CONSTRAINT policies_tenant_policy_version_key UNIQUE (tenant_id, policy_id, version);

--
-- Name: policy_audit_log policy_audit_log_pkey; Type: CONSTRAINT; Schema: beamline; Owner: beamline_owner
--

ALTER TABLE ONLY beamline.policy_audit_log
    ADD CONSTRAINT policy_audit_log_pkey PRIMARY KEY (id);

--
-- Name: tenant_quotas tenant_quotas_pkey; Type: CONSTRAINT; Schema: beamline; Owner: beamline_owner
--

ALTER TABLE ONLY beamline.tenant_quotas
    ADD CONSTRAINT tenant_quotas_pkey PRIMARY KEY (id);

--
-- Name: tenant_quotas tenant_quotas_tenant_id_key; Type: CONSTRAINT; Schema: beamline; Owner: beamline_owner
--

ALTER TABLE ONLY beamline.tenant_quotas
    ADD CONSTRAINT tenant_quotas_tenant_id_key UNIQUE (tenant_id);

--
-- Name: user_roles user_roles_pkey; Type: CONSTRAINT; Schema: beamline; Owner: beamline_owner
--

ALTER TABLE ONLY beamline.user_roles
    ADD CONSTRAINT user_roles_pkey PRIMARY KEY (id);

--
-- Name: user_roles user_roles_tenant_user_key; Type: CONSTRAINT; Schema: beamline; Owner: beamline_owner
--

ALTER TABLE ONLY beamline.user_roles
    ADD CONSTRAINT user_roles_tenant_user_key UNIQUE (tenant_id, user_id);

--
-- Name: history_entries history_entries_hmac_key; Type: CONSTRAINT; Schema: devstate; Owner: beamline_owner
--

ALTER TABLE ONLY devstate.history_entries
    ADD CONSTRAINT history_entries_hmac_key UNIQUE (hmac);

--
-- Name: history_entries history_entries_hmac_prev_key; Type: CONSTRAINT; Schema: devstate; Owner: beamline_owner
--

ALTER TABLE ONLY devstate.history_entries
    ADD CONSTRAINT history_entries_hmac_prev_key UNIQUE (hmac_prev);

--
-- Name: history_entries history_entries_pkey; Type: CONSTRAINT; Schema: devstate; Owner: beamline_owner
--

ALTER TABLE ONLY devstate.history_entries
    ADD CONSTRAINT history_entries_pkey PRIMARY KEY (id);

--
-- Name: locks locks_pkey; Type: CONSTRAINT; Schema: devstate; Owner: beamline_owner
--

ALTER TABLE ONLY devstate.locks
    ADD CONSTRAINT locks_pkey PRIMARY KEY (lock_id);

--
-- Name: locks locks_scope_key; Type: CONSTRAINT; Schema: devstate; Owner: beamline_owner
--

ALTER TABLE ONLY devstate.locks
    ADD CONSTRAINT locks_scope_key UNIQUE (scope);

--
-- Name: state_current state_current_pkey; Type: CONSTRAINT; Schema: devstate; Owner: beamline_owner
--

ALTER TABLE ONLY devstate.state_current
    ADD CONSTRAINT state_current_pkey PRIMARY KEY (id);

--
-- Name: policies_active_uniq; Type: INDEX; Schema: beamline; Owner: beamline_owner
--

CREATE UNIQUE INDEX policies_active_uniq ON beamline.policies USING btree (tenant_id, policy_id) WHERE is_active;

--
-- Name: policies_data_gin; Type: INDEX; Schema: beamline; Owner: beamline_owner
--

CREATE INDEX policies_data_gin ON beamline.policies USING gin (data jsonb_path_ops);

--
-- Name: policies_tenant_active_idx; Type: INDEX; Schema: beamline; Owner: beamline_owner
--

CREATE INDEX policies_tenant_active_idx ON beamline.policies USING btree (tenant_id) WHERE is_active;

--
-- Name: policy_audit_log_tenant_policy_time_idx; Type: INDEX; Schema: beamline; Owner: beamline_owner
--

CREATE INDEX policy_audit_log_tenant_policy_time_idx ON beamline.policy_audit_log USING btree (tenant_id, policy_id, "timestamp", id) WHERE (policy_id IS NOT NULL);

--
-- Name: policy_audit_log_tenant_time_idx; Type: INDEX; Schema: beamline; Owner: beamline_owner
--

CREATE INDEX policy_audit_log_tenant_time_idx ON beamline.policy_audit_log USING btree (tenant_id, "timestamp", id);

--
-- Name: history_entries_action_idx; Type: INDEX; Schema: devstate; Owner: beamline_owner
--

CREATE INDEX history_entries_action_idx ON devstate.history_entries USING btree (action);

--
-- Name: history_entries_actor_idx; Type: INDEX; Schema: devstate; Owner: beamline_owner
--

CREATE INDEX history_entries_actor_idx ON devstate.history_entries USING btree (actor);

--
-- Name: history_entries_ts_idx; Type: INDEX; Schema: devstate; Owner: beamline_owner
--

CREATE INDEX history_entries_ts_idx ON devstate.history_entries USING btree (ts);

--
-- Name: SCHEMA beamline; Type: ACL; Schema: -; Owner: beamline_owner
--

GRANT USAGE ON SCHEMA beamline TO beamline_app;
GRANT USAGE ON SCHEMA beamline TO beamline_readonly;

--
-- Name: SCHEMA devstate; Type: ACL; Schema: -; Owner: beamline_owner
--

GRANT USAGE ON SCHEMA devstate TO beamline_app;
GRANT USAGE ON SCHEMA devstate TO beamline_readonly;

--
-- Name: TABLE policies; Type: ACL; Schema: beamline; Owner: beamline_owner
--

GRANT SELECT ON TABLE beamline.policies TO beamline_readonly;

--
-- Name: TABLE policy_audit_log; Type: ACL; Schema: beamline; Owner: beamline_owner
--

GRANT SELECT ON TABLE beamline.policy_audit_log TO beamline_readonly;

--
-- Name: TABLE tenant_quotas; Type: ACL; Schema: beamline; Owner: beamline_owner
--

GRANT SELECT ON TABLE beamline.tenant_quotas TO beamline_readonly;

--
-- Name: TABLE user_roles; Type: ACL; Schema: beamline; Owner: beamline_owner
--

GRANT SELECT ON TABLE beamline.user_roles TO beamline_readonly;

--
-- Name: TABLE history_entries; Type: ACL; Schema: devstate; Owner: beamline_owner
--

GRANT SELECT ON TABLE devstate.history_entries TO beamline_readonly;

--
-- Name: TABLE locks; Type: ACL; Schema: devstate; Owner: beamline_owner
--

GRANT SELECT ON TABLE devstate.locks TO beamline_readonly;

--
-- Name: TABLE state_current; Type: ACL; Schema: devstate; Owner: beamline_owner
--

GRANT SELECT ON TABLE devstate.state_current TO beamline_readonly;

--
-- PostgreSQL database dump complete
--
