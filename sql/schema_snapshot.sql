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
-- Name: activate_policy(text, text, integer, text); Type: FUNCTION; Schema: beamline; Owner: beamline_owner
--

CREATE FUNCTION beamline.activate_policy(p_tenant text, p_policy_id text, p_version integer, p_actor text) RETURNS beamline.policies
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
declare
    v_target beamline.policies;
    v_active uuid;
begin
    perform beamline_internal.check_identifier('tenant', p_tenant, 64);
    perform beamline_internal.check_identifier('policy_id', p_policy_id, 128);
    perform beamline_internal.check_identifier('actor', p_actor, 128);
    if p_version is null then
        perform beamline_internal.policy_bad_input('version', 'is null');
    elsif p_version < 1 then
        perform beamline_internal.policy_bad_input('version', 'must be >= 1');
    end if;
    perform beamline_internal.require_permission(p_tenant, p_actor, 'policy:write');
    perform beamline_internal.policy_lock(p_tenant, p_policy_id);

    select p.* into v_target from beamline.policies p
     where p.tenant_id = p_tenant and p.policy_id = p_policy_id and p.version = p_version;
    if not found then
        perform beamline_internal.policy_not_found(p_tenant, p_policy_id, p_version);
    end if;
    if v_target.is_active then
        return v_target;
    end if;
    select p.id into v_active from beamline.policies p
     where p.tenant_id = p_tenant and p.policy_id = p_policy_id and p.is_active;
    if v_active is null then
        perform beamline_internal.quota_check_active(p_tenant);
    else
        -- The audit trigger records the rollback (ACTIVATE), not the flip; the change log records
        -- only the activation too (policies__change_log).
        perform beamline_internal.audit_set_intent(p_tenant, p_policy_id, 'SUPERSEDE');
        update beamline.policies p
           set is_active = false, updated_at = pg_catalog.now(), updated_by = p_actor
         where p.id = v_active;
        perform pg_catalog.set_config('beamline.audit_intent', '', true);  -- it covered this flip only
    end if;
    update beamline.policies p
       set is_active = true, updated_at = pg_catalog.now(), updated_by = p_actor
     where p.id = v_target.id
    returning p.* into v_target;
    return v_target;
end;
$$;

ALTER FUNCTION beamline.activate_policy(p_tenant text, p_policy_id text, p_version integer, p_actor text) OWNER TO beamline_owner;

--
-- Name: FUNCTION activate_policy(p_tenant text, p_policy_id text, p_version integer, p_actor text); Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline.activate_policy(p_tenant text, p_policy_id text, p_version integer, p_actor text) IS 'Make version p_version the active one (rollback; policy:write). BL002 no such version, BL003 over max_policies.';

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
-- Name: assign_role(text, text, text, text, jsonb, timestamp with time zone); Type: FUNCTION; Schema: beamline; Owner: beamline_owner
--

CREATE FUNCTION beamline.assign_role(p_tenant text, p_user text, p_role text, p_actor text, p_permissions jsonb DEFAULT '[]'::jsonb, p_expires_at timestamp with time zone DEFAULT NULL::timestamp with time zone) RETURNS beamline.user_roles
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
declare
    v_permissions jsonb;
    v_actor_expires timestamptz;
    v_old beamline.user_roles;
    v_row beamline.user_roles;
begin
    perform beamline_internal.check_identifier('user', p_user, 128);
    if p_role is null or p_role not in ('admin', 'operator', 'viewer') then
        raise exception using
            errcode = 'BL007',
            message = pg_catalog.format('unknown role: %s', coalesce(p_role, 'null')),
            detail = pg_catalog.json_build_object('argument', 'role', 'reason', 'must be admin, operator or viewer')::text,
            hint = 'Roles are admin, operator and viewer; add single permissions with p_permissions.';
    end if;
    v_permissions := beamline_internal.check_grant_list(p_permissions);
    if p_expires_at is not null and p_expires_at <= pg_catalog.statement_timestamp() then
        raise exception using
            errcode = 'BL007',
            message = 'invalid expires_at: not in the future',
            detail = pg_catalog.json_build_object('argument', 'expires_at', 'reason', 'is not in the future')::text,
            hint = 'Pass null for a grant that never expires, or revoke_role to remove access.';
    end if;
    perform beamline_internal.check_identifier('tenant', p_tenant, 64);
    perform beamline_internal.check_identifier('actor', p_actor, 128);
    if p_user = p_actor then
        raise exception using
            errcode = 'BL001',
            message = pg_catalog.format('permission denied: %s cannot assign its own grant in tenant %s', p_actor, p_tenant),
            detail = pg_catalog.json_build_object('tenant', p_tenant, 'actor', p_actor, 'permission', 'rbac:manage')::text,
            hint = 'A grant is always made by another user with rbac:manage; revoke_role may remove your own.';
    end if;

    -- Grant changes of a tenant are serialised (with revoke_role and bootstrap_admin): the row
    -- read below cannot appear or change before the upsert, so the upsert never overwrites a
    -- grant that require_grantable did not see. Taken before require_permission so the lock
    -- order is always tenant lock -> actor's grant (FOR SHARE) -> target grant (FOR UPDATE):
    -- two managers changing each other's grants cannot deadlock.
    perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('beamline.user_roles'), pg_catalog.hashtext(p_tenant));
    -- Pins the actor's grant (FOR SHARE) until commit: the bounds below hold at commit time.
    perform beamline_internal.require_permission(p_tenant, p_actor, 'rbac:manage');
    perform beamline_internal.require_grantable(p_tenant, p_actor, p_role, v_permissions);
    select ur.expires_at into v_actor_expires from beamline.user_roles ur
     where ur.tenant_id = p_tenant and ur.user_id = p_actor;
    if v_actor_expires is not null and (p_expires_at is null or p_expires_at > v_actor_expires) then
        raise exception using
            errcode = 'BL001',
            message = pg_catalog.format('permission denied: %s cannot give a grant that outlives its own (expires %s) in tenant %s',
                                        p_actor, v_actor_expires, p_tenant),
            detail = pg_catalog.json_build_object('tenant', p_tenant, 'actor', p_actor, 'permission', 'rbac:manage',
                                                  'max_expires_at', v_actor_expires)::text,
            hint = 'Pass an expires_at no later than your own grant''s; a grant without expiry needs a grantor without expiry.';
    end if;

    select * into v_old from beamline.user_roles ur
     where ur.tenant_id = p_tenant and ur.user_id = p_user
       for update;
    if found and (v_old.expires_at is null or v_old.expires_at > pg_catalog.statement_timestamp()) then
        perform beamline_internal.require_grantable(p_tenant, p_actor, v_old.role, v_old.permissions);
    end if;

    insert into beamline.user_roles as ur (tenant_id, user_id, role, permissions, granted_by, expires_at)
    values (p_tenant, p_user, p_role, v_permissions, p_actor, p_expires_at)
    on conflict (tenant_id, user_id) do update
       set role = excluded.role,
           permissions = excluded.permissions,
           granted_by = excluded.granted_by,
           expires_at = excluded.expires_at,
           updated_at = pg_catalog.now()
    returning ur.* into v_row;
    return v_row;
end;
$$;

ALTER FUNCTION beamline.assign_role(p_tenant text, p_user text, p_role text, p_actor text, p_permissions jsonb, p_expires_at timestamp with time zone) OWNER TO beamline_owner;

--
-- Name: FUNCTION assign_role(p_tenant text, p_user text, p_role text, p_actor text, p_permissions jsonb, p_expires_at timestamp with time zone); Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline.assign_role(p_tenant text, p_user text, p_role text, p_actor text, p_permissions jsonb, p_expires_at timestamp with time zone) IS 'Give p_user role p_role (admin|operator|viewer) plus extra permissions and optional expiry in p_tenant, replacing any previous grant. Needs rbac:manage; the grant never exceeds or outlives the actor''s own, and nobody assigns their own grant (BL001). Returns the grant row.';

--
-- Name: audit_chain_head(text, text); Type: FUNCTION; Schema: beamline; Owner: beamline_owner
--

CREATE FUNCTION beamline.audit_chain_head(p_tenant text, p_actor text) RETURNS jsonb
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
begin
    perform beamline_internal.require_permission(p_tenant, p_actor, 'audit:read');
    return pg_catalog.jsonb_build_object('tenant', p_tenant, 'lanes', coalesce(
        (select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('lane', h.lane, 'seq', h.seq, 'head', h.head_hash) order by h.lane)
           from beamline_internal.audit_chain_heads h where h.tenant_id = p_tenant and h.seq > 0),
        '[]'::jsonb));
end;
$$;

ALTER FUNCTION beamline.audit_chain_head(p_tenant text, p_actor text) OWNER TO beamline_owner;

--
-- Name: FUNCTION audit_chain_head(p_tenant text, p_actor text); Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline.audit_chain_head(p_tenant text, p_actor text) IS 'The head {"tenant", "lanes": [{"lane", "seq", "head"}]} of a tenant''s audit hash chain, to store outside the database and pass to beamline.verify_audit_chain later. Needs audit:read.';

--
-- Name: change_horizon(); Type: FUNCTION; Schema: beamline; Owner: beamline_owner
--

CREATE FUNCTION beamline.change_horizon() RETURNS bigint
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$ select pg_catalog.pg_current_xact_id()::text::bigint $$;

ALTER FUNCTION beamline.change_horizon() OWNER TO beamline_owner;

--
-- Name: FUNCTION change_horizon(); Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline.change_horizon() IS 'A change-log position above every transaction that has an xid now (this call''s own xid): a woken reader re-reads changes_since until its watermark reaches it.';

--
-- Name: changes_since(bigint, integer); Type: FUNCTION; Schema: beamline; Owner: beamline_owner
--

CREATE FUNCTION beamline.changes_since(p_watermark bigint, p_limit integer DEFAULT 1000, OUT watermark bigint, OUT horizon bigint, OUT more boolean, OUT complete boolean, OUT changes jsonb) RETURNS record
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
declare
    v_snap     pg_catalog.pg_snapshot;
    v_from     xid8;
    v_cut      xid8;
    v_first    xid8;
    v_pruned   xid8;
begin
    if p_watermark is null or p_watermark < 0 then
        perform beamline_internal.policy_bad_input('watermark', 'must be a watermark from beamline.current_watermark or changes_since');
    end if;
    if p_limit is null or p_limit < 1 or p_limit > 10000 then
        perform beamline_internal.policy_bad_input('limit', 'must be between 1 and 10000');
    end if;
    -- The snapshot first: its xmin is safe for the read below (a later snapshot).
    v_snap := pg_catalog.pg_current_snapshot();
    v_from := p_watermark::text::xid8;
    select s.pruned_below into v_pruned from beamline.change_log_state s where s.id = 1;
    complete := v_pruned is null or v_from >= v_pruned;

    -- The (p_limit + 1)-th entry, if any, tells where to cut.
    select c.xid into v_cut from beamline.change_log c
     where c.xid >= v_from order by c.xid, c.id offset p_limit limit 1;
    more := v_cut is not null;
    if more then
        select c.xid into v_first from beamline.change_log c
         where c.xid >= v_from order by c.xid, c.id limit 1;
        if v_first = v_cut then
            -- One transaction larger than a page: return it whole.
            v_cut := (v_cut::text::bigint + 1)::text::xid8;
        end if;
    end if;

    select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
               'change_id', c.id, 'xid', c.xid::text::bigint, 'kind', c.kind, 'tenant_id', c.tenant_id,
               'object_id', c.object_id, 'op', c.op, 'version', c.version, 'changed_at', c.changed_at)
               order by c.xid, c.id), '[]')
      into changes
      from beamline.change_log c
     where c.xid >= v_from and (v_cut is null or c.xid < v_cut);

    watermark := pg_catalog.pg_snapshot_xmin(v_snap)::text::bigint;
    if more and v_cut::text::bigint < watermark then
        watermark := v_cut::text::bigint;
    end if;
    -- Never move backwards.
    watermark := greatest(watermark, p_watermark);
    horizon := pg_catalog.pg_snapshot_xmax(v_snap)::text::bigint;
end;
$$;

ALTER FUNCTION beamline.changes_since(p_watermark bigint, p_limit integer, OUT watermark bigint, OUT horizon bigint, OUT more boolean, OUT complete boolean, OUT changes jsonb) OWNER TO beamline_owner;

--
-- Name: FUNCTION changes_since(p_watermark bigint, p_limit integer, OUT watermark bigint, OUT horizon bigint, OUT more boolean, OUT complete boolean, OUT changes jsonb); Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline.changes_since(p_watermark bigint, p_limit integer, OUT watermark bigint, OUT horizon bigint, OUT more boolean, OUT complete boolean, OUT changes jsonb) IS 'Change-log entries (keys only) with xid >= p_watermark and the next safe watermark, horizon, more, complete (exact resync; de-duplicate on change_id).';

--
-- Name: check_permission(text, text, text, text); Type: FUNCTION; Schema: beamline; Owner: beamline_owner
--

CREATE FUNCTION beamline.check_permission(p_tenant text, p_user text, p_action text, p_actor text DEFAULT NULL::text) RETURNS boolean
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $_$
declare
    v_allowed boolean;
begin
    -- Fast path: valid ids pass with two regex matches; anything else gets the precise BL007.
    if p_tenant is null or p_user is null
       or not (pg_catalog.length(p_tenant) <= 64 and p_tenant ~ '^[A-Za-z0-9][A-Za-z0-9._:@+-]*$'
               and pg_catalog.length(p_user) <= 128 and p_user ~ '^[A-Za-z0-9][A-Za-z0-9._:@+-]*$') then
        perform beamline_internal.check_identifier('tenant', p_tenant, 64);
        perform beamline_internal.check_identifier('user', p_user, 128);
    end if;
    if p_actor is not null and p_actor <> p_user then
        perform beamline_internal.check_identifier('actor', p_actor, 128);
        select h.allowed into v_allowed from beamline_internal.has_permission(p_tenant, p_actor, 'rbac:manage') h;
        if not v_allowed then
            raise exception using
                errcode = 'BL001',
                message = pg_catalog.format('permission denied: %s lacks rbac:manage in tenant %s (needed to ask about %s)', p_actor, p_tenant, p_user),
                detail = pg_catalog.json_build_object('tenant', p_tenant, 'actor', p_actor, 'permission', 'rbac:manage')::text,
                hint = 'A user may ask about itself; asking about another user needs rbac:manage in that user''s tenant.';
        end if;
    end if;
    select h.allowed into v_allowed from beamline_internal.has_permission(p_tenant, p_user, p_action) h;
    if v_allowed is null then
        raise exception using
            errcode = 'BL007',
            message = pg_catalog.format('unknown action: %s', coalesce(p_action, 'null')),
            detail = pg_catalog.json_build_object('argument', 'action', 'reason', 'not a known permission')::text,
            hint = 'The known permissions are listed in beamline.permissions.';
    end if;
    return v_allowed;
end;
$_$;

ALTER FUNCTION beamline.check_permission(p_tenant text, p_user text, p_action text, p_actor text) OWNER TO beamline_owner;

--
-- Name: FUNCTION check_permission(p_tenant text, p_user text, p_action text, p_actor text); Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline.check_permission(p_tenant text, p_user text, p_action text, p_actor text) IS 'True if p_user may do p_action (a permission such as policy:write) in p_tenant: role or extra grant, wildcards, not expired. Asked by p_user itself (p_actor null or = p_user) or by an actor with rbac:manage in p_tenant (BL001 otherwise). BL007 for bad ids or unknown actions.';

--
-- Name: cleanup_old_logs(interval, text, text); Type: FUNCTION; Schema: beamline; Owner: beamline_owner
--

CREATE FUNCTION beamline.cleanup_old_logs(p_older_than interval, p_actor text, p_tenant text DEFAULT NULL::text) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
declare
    v_scope text := coalesce(p_tenant, 'global');
    v_cutoff timestamptz;
    v_all boolean := p_tenant is null;
    v_deleted bigint;
    v_dropped bigint := 0;
    v_dropped_names text[] := '{}';
    v_part record;
    v_whole boolean;
    v_rows bigint;
begin
    -- Compare the cutoff itself: '-3 months 90 days' is "> 0" as an interval (a month counts
    -- 30 days there) yet puts the cutoff in the future.
    if p_older_than is null or pg_catalog.now() - p_older_than >= pg_catalog.now() then
        raise exception using
            errcode = 'BL007',
            message = 'invalid older_than: must be a positive interval',
            detail = pg_catalog.json_build_object('argument', 'older_than', 'reason', 'must be a positive interval')::text,
            hint = 'For example ''90 days''.';
    end if;
    perform beamline_internal.require_permission(v_scope, p_actor, 'audit:manage');
    v_cutoff := pg_catalog.now() - p_older_than;
    if v_all and exists (select 1 from beamline_internal.audit_partitions() p
                          where not p.is_default and p.upper_bound <= v_cutoff) then
        lock table beamline.policy_audit_log in access exclusive mode;
    end if;
    -- The new anchor of each tenant: the row before its first row at or after the cutoff (or its
    -- last row when all are older). Locks the tenants' head rows first, like every audit insert.
    perform 1 from beamline_internal.audit_chain_heads h where v_all or h.tenant_id = p_tenant for update;
    insert into beamline_internal.audit_chain_anchors as x (tenant_id, lane, seq, row_hash, cut_at)
    select a.tenant_id, a.lane, a.seq, a.row_hash, pg_catalog.now()
      from (select h.tenant_id, h.lane,
                   coalesce((select pg_catalog.min(b.seq) from beamline.policy_audit_log b
                              where b.tenant_id = h.tenant_id and b.lane = h.lane and b."timestamp" >= v_cutoff) - 1, h.seq) as cut
              from beamline_internal.audit_chain_heads h
             where v_all or h.tenant_id = p_tenant) c
      join beamline.policy_audit_log a on a.tenant_id = c.tenant_id and a.lane = c.lane and a.seq = c.cut
    on conflict (tenant_id, lane) do update set seq = excluded.seq, row_hash = excluded.row_hash, cut_at = excluded.cut_at;
    -- Whole partitions (a cleanup of every tenant only: a partition holds every tenant's rows).
    for v_part in select p.partition from beamline_internal.audit_partitions() p
                   where v_all and not p.is_default and p.upper_bound <= v_cutoff order by p.upper_bound loop
        execute pg_catalog.format(
            'select coalesce(pg_catalog.bool_and(c.seq is not null and s.last_seq <= c.seq), true), coalesce(pg_catalog.sum(s.n), 0)'
            ' from (select r.tenant_id, r.lane, pg_catalog.count(*) as n, pg_catalog.max(r.seq) as last_seq from %s r group by r.tenant_id, r.lane) s'
            ' left join beamline_internal.audit_chain_anchors c on c.tenant_id = s.tenant_id and c.lane = s.lane', v_part.partition)
            into v_whole, v_rows;
        if v_whole then
            execute pg_catalog.format('drop table %s', v_part.partition);
            v_dropped := v_dropped + v_rows;
            v_dropped_names := v_dropped_names || v_part.partition::text;
        end if;
    end loop;
    -- The guard recognises this exact statement text; keep it on one line and unchanged.
    delete from beamline.policy_audit_log a using beamline_internal.audit_chain_anchors c where c.tenant_id = a.tenant_id and c.lane = a.lane and a.seq <= c.seq and (v_all or a.tenant_id = p_tenant);
    get diagnostics v_deleted = row_count;
    v_deleted := v_deleted + v_dropped;
    perform beamline_internal.audit_write(v_scope, 'app', null, null, 'CLEANUP', null,
        pg_catalog.jsonb_build_object('older_than', p_older_than::text, 'cutoff', v_cutoff,
                                      'tenant', p_tenant, 'deleted', v_deleted,
                                      'dropped_partitions', pg_catalog.to_jsonb(v_dropped_names)));
    return v_deleted;
end;
$$;

ALTER FUNCTION beamline.cleanup_old_logs(p_older_than interval, p_actor text, p_tenant text) OWNER TO beamline_owner;

--
-- Name: FUNCTION cleanup_old_logs(p_older_than interval, p_actor text, p_tenant text); Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline.cleanup_old_logs(p_older_than interval, p_actor text, p_tenant text) IS 'Delete audit rows older than p_older_than (one tenant, or all with p_tenant null via tenant ''global''), as a prefix of each tenant''s hash chain whose new start is recorded, dropping whole monthly partitions where it can; needs audit:manage; the only permitted delete. Logs CLEANUP; returns the count.';

--
-- Name: current_watermark(); Type: FUNCTION; Schema: beamline; Owner: beamline_owner
--

CREATE FUNCTION beamline.current_watermark() RETURNS bigint
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$ select pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot())::text::bigint $$;

ALTER FUNCTION beamline.current_watermark() OWNER TO beamline_owner;

--
-- Name: FUNCTION current_watermark(); Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline.current_watermark() IS 'Safe change-log watermark (snapshot xmin as bigint): start point for beamline.changes_since.';

--
-- Name: deactivate_policy(text, text, text); Type: FUNCTION; Schema: beamline; Owner: beamline_owner
--

CREATE FUNCTION beamline.deactivate_policy(p_tenant text, p_policy_id text, p_actor text) RETURNS beamline.policies
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
begin
    perform beamline_internal.check_identifier('tenant', p_tenant, 64);
    perform beamline_internal.check_identifier('policy_id', p_policy_id, 128);
    perform beamline_internal.check_identifier('actor', p_actor, 128);
    perform beamline_internal.require_permission(p_tenant, p_actor, 'policy:write');
    return beamline_internal.policy_deactivate(p_tenant, p_policy_id, p_actor, 'DEACTIVATE');
end;
$$;

ALTER FUNCTION beamline.deactivate_policy(p_tenant text, p_policy_id text, p_actor text) OWNER TO beamline_owner;

--
-- Name: FUNCTION deactivate_policy(p_tenant text, p_policy_id text, p_actor text); Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline.deactivate_policy(p_tenant text, p_policy_id text, p_actor text) IS 'Deactivate the active version of a policy (policy:write); history stays. BL002 if none is active.';

--
-- Name: delete_policy(text, text, text); Type: FUNCTION; Schema: beamline; Owner: beamline_owner
--

CREATE FUNCTION beamline.delete_policy(p_tenant text, p_policy_id text, p_actor text) RETURNS beamline.policies
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
begin
    perform beamline_internal.check_identifier('tenant', p_tenant, 64);
    perform beamline_internal.check_identifier('policy_id', p_policy_id, 128);
    perform beamline_internal.check_identifier('actor', p_actor, 128);
    perform beamline_internal.require_permission(p_tenant, p_actor, 'policy:delete');
    return beamline_internal.policy_deactivate(p_tenant, p_policy_id, p_actor, 'DELETE');
end;
$$;

ALTER FUNCTION beamline.delete_policy(p_tenant text, p_policy_id text, p_actor text) OWNER TO beamline_owner;

--
-- Name: FUNCTION delete_policy(p_tenant text, p_policy_id text, p_actor text); Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline.delete_policy(p_tenant text, p_policy_id text, p_actor text) IS 'Delete a policy from routing (policy:delete): deactivates it, audited as DELETE; versions stay as history. BL002 if none is active.';

--
-- Name: get_audit_log(text, text, text, jsonb, integer, text); Type: FUNCTION; Schema: beamline; Owner: beamline_owner
--

CREATE FUNCTION beamline.get_audit_log(p_tenant text, p_actor text, p_policy_id text DEFAULT NULL::text, p_filters jsonb DEFAULT '{}'::jsonb, p_limit integer DEFAULT 100, p_cursor text DEFAULT NULL::text) RETURNS TABLE(id uuid, tenant_id text, target_type text, policy_id text, target_id text, action text, actor text, old_data jsonb, new_data jsonb, metadata jsonb, "timestamp" timestamp with time zone, cursor text)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $_$
declare
    v_key text;
    v_actor text;
    v_action text;
    v_type text;
    v_from timestamptz;
    v_to timestamptz;
    v_cursor_ts timestamptz;
    v_cursor_id uuid;
    v_arg text;
    v_reason text;
begin
    if p_policy_id is not null then
        perform beamline_internal.check_identifier('policy_id', p_policy_id, 128);
    end if;
    if p_filters is null or pg_catalog.jsonb_typeof(p_filters) <> 'object' then
        v_arg := 'filters'; v_reason := 'must be a JSON object';
    elsif p_limit is null or p_limit < 1 or p_limit > 1000 then
        v_arg := 'limit'; v_reason := 'must be between 1 and 1000';
    elsif p_cursor is not null and p_cursor !~ '^-?[0-9]{1,19}\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
        v_arg := 'cursor'; v_reason := 'is not a cursor returned by get_audit_log';
    else
        select k into v_key from pg_catalog.jsonb_object_keys(p_filters) k
         where k not in ('actor', 'action', 'target_type', 'from', 'to') limit 1;
        if found then
            v_arg := 'filters.' || v_key; v_reason := 'is not a known filter (actor, action, target_type, from, to)';
        else
            foreach v_key in array array['actor', 'action', 'target_type', 'from', 'to'] loop
                if p_filters ? v_key and pg_catalog.jsonb_typeof(p_filters -> v_key) <> 'string' then
                    v_arg := 'filters.' || v_key; v_reason := 'must be a string';
                    exit;
                end if;
            end loop;
        end if;
    end if;
    if v_arg is null then
        v_actor := p_filters ->> 'actor';
        v_action := p_filters ->> 'action';
        v_type := p_filters ->> 'target_type';
        if v_actor is not null then
            perform beamline_internal.check_identifier('filters.actor', v_actor, 128);
        end if;
        if v_action is not null and (pg_catalog.length(v_action) > 32 or v_action !~ '^[A-Z][A-Z0-9_]*$') then
            v_arg := 'filters.action'; v_reason := 'must be an upper-case token of at most 32 characters';
        elsif v_type is not null and v_type not in ('policy', 'role', 'quota', 'app', 'schema', 'state', 'key') then
            v_arg := 'filters.target_type'; v_reason := 'must be policy, role, quota, app, schema, state or key';
        else
            begin
                v_from := (p_filters ->> 'from')::timestamptz;
                v_to := (p_filters ->> 'to')::timestamptz;
            exception when data_exception then
                v_arg := 'filters.from/to'; v_reason := 'must be an ISO 8601 timestamp';
            end;
        end if;
    end if;
    if v_arg is not null then
        raise exception using
            errcode = 'BL007',
            message = pg_catalog.format('invalid %s: %s', v_arg, v_reason),
            detail = pg_catalog.json_build_object('argument', v_arg, 'reason', v_reason)::text,
            hint = 'Filters: {"actor", "action", "target_type", "from", "to"}; limit 1..1000; cursor from the previous page.';
    end if;
    perform beamline_internal.require_permission(p_tenant, p_actor, 'audit:read');
    if p_cursor is not null then
        begin
            v_cursor_ts := 'epoch'::timestamptz + pg_catalog.split_part(p_cursor, '.', 1)::bigint * interval '1 microsecond';
            v_cursor_id := pg_catalog.split_part(p_cursor, '.', 2)::uuid;
        exception when data_exception then  -- out-of-range numbers, bad uuid text
            raise exception using
                errcode = 'BL007',
                message = 'invalid cursor: not a cursor returned by get_audit_log',
                detail = pg_catalog.json_build_object('argument', 'cursor', 'reason', 'malformed')::text,
                hint = 'Pass the cursor column of the last row of the previous page.';
        end;
    end if;
    return query
        select a.id, a.tenant_id::text, a.target_type::text, a.policy_id::text, a.target_id::text,
               a.action::text, a.actor::text, a.old_data, a.new_data, a.metadata, a."timestamp",
               ((extract(epoch from a."timestamp") * 1000000)::bigint)::text || '.' || a.id::text
          from beamline.policy_audit_log a
         where a.tenant_id = p_tenant
           and (p_policy_id is null or a.policy_id = p_policy_id)
           and (v_actor is null or a.actor = v_actor)
           and (v_action is null or a.action = v_action)
           and (v_type is null or a.target_type = v_type)
           and (v_from is null or a."timestamp" >= v_from)
           and (v_to is null or a."timestamp" < v_to)
           and (v_cursor_ts is null or (a."timestamp", a.id) < (v_cursor_ts, v_cursor_id))
         order by a."timestamp" desc, a.id desc
         limit p_limit;
end;
$_$;

ALTER FUNCTION beamline.get_audit_log(p_tenant text, p_actor text, p_policy_id text, p_filters jsonb, p_limit integer, p_cursor text) OWNER TO beamline_owner;

--
-- Name: FUNCTION get_audit_log(p_tenant text, p_actor text, p_policy_id text, p_filters jsonb, p_limit integer, p_cursor text); Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline.get_audit_log(p_tenant text, p_actor text, p_policy_id text, p_filters jsonb, p_limit integer, p_cursor text) IS 'A tenant''s audit rows newest first ("timestamp" desc, id desc), filtered by policy and {"actor","action","target_type","from","to"}, keyset-paginated by the cursor column; needs audit:read.';

--
-- Name: get_policy(text, text, text, integer); Type: FUNCTION; Schema: beamline; Owner: beamline_owner
--

CREATE FUNCTION beamline.get_policy(p_tenant text, p_policy_id text, p_actor text, p_version integer DEFAULT NULL::integer) RETURNS beamline.policies
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $_$
declare
    v_row beamline.policies;
begin
    -- Hot path (bench/README.md): valid ids pass with one test, then ONE query checks the
    -- permission (has_permission, inlined as a one-time filter) and fetches the row. Anything
    -- else takes the checks in their documented order for the precise error.
    if p_tenant is null or p_policy_id is null or p_actor is null
       or not (pg_catalog.length(p_tenant) <= 64 and p_tenant ~ '^[A-Za-z0-9][A-Za-z0-9._:@+-]*$'
               and pg_catalog.length(p_policy_id) <= 128 and p_policy_id ~ '^[A-Za-z0-9][A-Za-z0-9._:@+-]*$'
               and pg_catalog.length(p_actor) <= 128 and p_actor ~ '^[A-Za-z0-9][A-Za-z0-9._:@+-]*$')
       or p_version < 1 then
        perform beamline_internal.check_identifier('policy_id', p_policy_id, 128);
        if p_version < 1 then
            perform beamline_internal.policy_bad_input('version', 'must be >= 1');
        end if;
        perform beamline_internal.require_permission(p_tenant, p_actor, 'policy:read');
    end if;
    if p_version is null then
        select p.* into v_row from beamline.policies p
         where p.tenant_id = p_tenant and p.policy_id = p_policy_id and p.is_active
           and (select h.allowed from beamline_internal.has_permission(p_tenant, p_actor, 'policy:read') h);
    else
        select p.* into v_row from beamline.policies p
         where p.tenant_id = p_tenant and p.policy_id = p_policy_id and p.version = p_version
           and (select h.allowed from beamline_internal.has_permission(p_tenant, p_actor, 'policy:read') h);
    end if;
    if not found then
        -- denied (BL001 / BL007 from require_permission) or really absent (BL002)
        perform beamline_internal.require_permission(p_tenant, p_actor, 'policy:read');
        perform beamline_internal.policy_not_found(p_tenant, p_policy_id, p_version);
    end if;
    -- as require_permission does on success: the actor of this transaction
    perform pg_catalog.set_config('beamline.actor', p_actor, true);
    return v_row;
end;
$_$;

ALTER FUNCTION beamline.get_policy(p_tenant text, p_policy_id text, p_actor text, p_version integer) OWNER TO beamline_owner;

--
-- Name: FUNCTION get_policy(p_tenant text, p_policy_id text, p_actor text, p_version integer); Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline.get_policy(p_tenant text, p_policy_id text, p_actor text, p_version integer) IS 'The active version of a policy, or version p_version (policy:read). BL002 when there is none.';

--
-- Name: get_quota(text, text); Type: FUNCTION; Schema: beamline; Owner: beamline_owner
--

CREATE FUNCTION beamline.get_quota(p_tenant text, p_actor text) RETURNS TABLE(tenant_id character varying, max_policies integer, max_rules_per_policy integer, max_providers_per_policy integer, is_default boolean, active_policies integer, updated_at timestamp with time zone, platform_max_policies integer, platform_max_rules_per_policy integer, platform_max_providers_per_policy integer)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
begin
    perform beamline_internal.require_permission(p_tenant, p_actor, 'policy:read');
    return query select * from beamline_internal.quota_report(p_tenant);
end;
$$;

ALTER FUNCTION beamline.get_quota(p_tenant text, p_actor text) OWNER TO beamline_owner;

--
-- Name: FUNCTION get_quota(p_tenant text, p_actor text); Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline.get_quota(p_tenant text, p_actor text) IS 'The tenant''s quota (max_policies, max_rules_per_policy, max_providers_per_policy; is_default when unset), active_policies and the platform ceilings platform_max_* (policy:read).';

--
-- Name: get_usage(text, text); Type: FUNCTION; Schema: beamline; Owner: beamline_owner
--

CREATE FUNCTION beamline.get_usage(p_tenant text, p_actor text) RETURNS TABLE(tenant_id character varying, active_policies integer, total_versions integer, max_rules_in_active integer, max_providers_in_active integer)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
begin
    perform beamline_internal.require_permission(p_tenant, p_actor, 'policy:read');
    return query
        select p_tenant::varchar,
               (pg_catalog.count(*) filter (where p.is_active))::integer,
               pg_catalog.count(*)::integer,
               coalesce(pg_catalog.max(case when pg_catalog.jsonb_typeof(p.data -> 'rules') = 'array'
                                            then pg_catalog.jsonb_array_length(p.data -> 'rules') else 0 end)
                        filter (where p.is_active), 0)::integer,
               coalesce(pg_catalog.max(case when pg_catalog.jsonb_typeof(p.data -> 'providers') = 'array'
                                            then pg_catalog.jsonb_array_length(p.data -> 'providers') else 0 end)
                        filter (where p.is_active), 0)::integer
          from beamline.policies p
         where p.tenant_id = p_tenant;
end;
$$;

ALTER FUNCTION beamline.get_usage(p_tenant text, p_actor text) OWNER TO beamline_owner;

--
-- Name: FUNCTION get_usage(p_tenant text, p_actor text); Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline.get_usage(p_tenant text, p_actor text) IS 'Usage of a tenant: active policies, stored versions, largest rule / provider counts among active versions (policy:read).';

--
-- Name: get_user_roles(text, text, text); Type: FUNCTION; Schema: beamline; Owner: beamline_owner
--

CREATE FUNCTION beamline.get_user_roles(p_tenant text, p_user text, p_actor text) RETURNS TABLE(tenant_id text, user_id text, role text, permissions jsonb, effective_permissions text[], granted_by text, created_at timestamp with time zone, updated_at timestamp with time zone, expires_at timestamp with time zone, is_expired boolean)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
begin
    perform beamline_internal.check_identifier('tenant', p_tenant, 64);
    perform beamline_internal.check_identifier('user', p_user, 128);
    perform beamline_internal.check_identifier('actor', p_actor, 128);
    if p_actor is distinct from p_user then
        perform beamline_internal.require_permission(p_tenant, p_actor, 'rbac:manage');
    end if;
    return query
        select ur.tenant_id::text, ur.user_id::text, ur.role::text, ur.permissions,
               case when ur.expires_at is not null and ur.expires_at <= pg_catalog.statement_timestamp()
                    then array[]::text[]
                    else array(select g from (select rp.permission::text as g from beamline.role_permissions rp
                                               where rp.role = ur.role
                                              union
                                              select e from pg_catalog.jsonb_array_elements_text(ur.permissions) e) s
                                order by g)
               end,
               ur.granted_by::text, ur.created_at, ur.updated_at, ur.expires_at,
               coalesce(ur.expires_at <= pg_catalog.statement_timestamp(), false)
          from beamline.user_roles ur
         where ur.tenant_id = p_tenant and ur.user_id = p_user;
end;
$$;

ALTER FUNCTION beamline.get_user_roles(p_tenant text, p_user text, p_actor text) OWNER TO beamline_owner;

--
-- Name: FUNCTION get_user_roles(p_tenant text, p_user text, p_actor text); Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline.get_user_roles(p_tenant text, p_user text, p_actor text) IS 'p_user''s grant in p_tenant (role, extras, effective permissions, expiry); empty if none. Own grant always readable, others need rbac:manage.';

--
-- Name: list_policies(text, text, jsonb, integer, text); Type: FUNCTION; Schema: beamline; Owner: beamline_owner
--

CREATE FUNCTION beamline.list_policies(p_tenant text, p_actor text, p_filters jsonb DEFAULT '{}'::jsonb, p_limit integer DEFAULT 50, p_cursor text DEFAULT NULL::text) RETURNS TABLE(tenant_id character varying, policy_id character varying, version integer, is_active boolean, data jsonb, created_at timestamp with time zone, updated_at timestamp with time zone, created_by character varying, updated_by character varying, next_cursor text)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
declare
    v_filters  jsonb := coalesce(p_filters, '{}');
    v_key      text;
    v_active   boolean := true;
    v_contains jsonb;
    v_since    timestamptz;
    v_after_id text;
    v_after_version integer;
begin
    if pg_catalog.jsonb_typeof(v_filters) <> 'object' then
        perform beamline_internal.policy_bad_input('filters', 'must be a JSON object');
    end if;
    for v_key in select pg_catalog.jsonb_object_keys(v_filters) loop
        if v_key not in ('contains', 'active', 'updated_since') then
            perform beamline_internal.policy_bad_input('filters', pg_catalog.format('unknown filter %s (known: contains, active, updated_since)', pg_catalog.left(v_key, 64)));
        end if;
    end loop;
    if v_filters ? 'contains' then
        v_contains := v_filters -> 'contains';
        if pg_catalog.jsonb_typeof(v_contains) <> 'object' then
            perform beamline_internal.policy_bad_input('filters.contains', 'must be a JSON object');
        end if;
    end if;
    if v_filters ? 'active' then
        case pg_catalog.jsonb_typeof(v_filters -> 'active')
            when 'boolean' then v_active := (v_filters ->> 'active')::boolean;
            when 'null' then v_active := null;
            else perform beamline_internal.policy_bad_input('filters.active', 'must be true, false or null (all versions)');
        end case;
    end if;
    if v_filters ? 'updated_since' then
        if pg_catalog.jsonb_typeof(v_filters -> 'updated_since') <> 'string' then
            perform beamline_internal.policy_bad_input('filters.updated_since', 'must be an ISO 8601 timestamp string');
        end if;
        begin
            v_since := (v_filters ->> 'updated_since')::timestamptz;
        exception when data_exception then  -- any bad timestamp text (format, range, zone)
            perform beamline_internal.policy_bad_input('filters.updated_since', 'must be an ISO 8601 timestamp string');
        end;
    end if;
    if p_limit is null or p_limit < 1 or p_limit > 1000 then
        perform beamline_internal.policy_bad_input('limit', 'must be between 1 and 1000');
    end if;
    if p_cursor is not null then
        select c.policy_id, c.version into v_after_id, v_after_version
          from beamline_internal.policy_cursor_decode(p_cursor) c;
    end if;
    perform beamline_internal.require_permission(p_tenant, p_actor, 'policy:read');

    return query execute beamline_internal.policy_list_sql(v_active, v_contains is not null, v_since is not null, p_cursor is not null)
        using p_tenant, v_contains, v_since, v_after_id, v_after_version, p_limit;
end;
$$;

ALTER FUNCTION beamline.list_policies(p_tenant text, p_actor text, p_filters jsonb, p_limit integer, p_cursor text) OWNER TO beamline_owner;

--
-- Name: FUNCTION list_policies(p_tenant text, p_actor text, p_filters jsonb, p_limit integer, p_cursor text); Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline.list_policies(p_tenant text, p_actor text, p_filters jsonb, p_limit integer, p_cursor text) IS 'A page of policies (policy:read) ordered by (policy_id, version); filters contains (GIN), active (true|false|null=all), updated_since; keyset cursor via next_cursor.';

--
-- Name: log_action(text, text, jsonb); Type: FUNCTION; Schema: beamline; Owner: beamline_owner
--

CREATE FUNCTION beamline.log_action(p_tenant text, p_actor text, p_entries jsonb) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $_$
declare
    v_count integer;
    v_bytes integer;
    v_meta jsonb;
begin
    if p_entries is null or pg_catalog.jsonb_typeof(p_entries) <> 'array' then
        raise exception using
            errcode = 'BL007',
            message = 'invalid entries: must be a JSON array of event objects',
            detail = pg_catalog.json_build_object('argument', 'entries', 'reason', 'must be a JSON array')::text,
            hint = 'Each entry is {"action": "...", "target_id": "...", "policy_id": "...", "data": {...}}.';
    end if;
    v_count := pg_catalog.jsonb_array_length(p_entries);
    if v_count > 1000 then
        raise exception using
            errcode = 'BL009',
            message = 'too many entries in one log_action batch',
            detail = pg_catalog.json_build_object('limit', 1000, 'value', v_count)::text,
            hint = 'Split the events into batches of at most 1,000 entries and 1 MiB.';
    end if;
    -- after the count bound, so at most 1,000 entries are ever serialised here
    v_bytes := pg_catalog.octet_length(p_entries::text);
    if v_bytes > 1048576 then
        raise exception using
            errcode = 'BL009',
            message = 'log_action batch is over 1 MiB',
            detail = pg_catalog.json_build_object('limit', 1048576, 'value', v_bytes)::text,
            hint = 'Split the events into batches of at most 1,000 entries and 1 MiB.';
    end if;
    perform beamline_internal.audit_check_entry(pg_catalog.format('entries[%s]', e.ord - 1), e.value)
       from pg_catalog.jsonb_array_elements(p_entries) with ordinality e(value, ord)
      where not (pg_catalog.jsonb_typeof(e.value) = 'object'
                 and e.value ?& array['action']
                 and (e.value - array['action', 'target_id', 'policy_id', 'data']) = '{}'::jsonb
                 and pg_catalog.jsonb_typeof(e.value -> 'action') = 'string'
                 and pg_catalog.length(e.value ->> 'action') <= 32
                 and (e.value ->> 'action') ~ '^[A-Z][A-Z0-9_]*$'
                 and (pg_catalog.jsonb_typeof(e.value -> 'target_id') is null
                      or pg_catalog.jsonb_typeof(e.value -> 'target_id') = 'null'
                      or (pg_catalog.jsonb_typeof(e.value -> 'target_id') = 'string'
                          and pg_catalog.length(e.value ->> 'target_id') <= 128
                          and (e.value ->> 'target_id') ~ '^[A-Za-z0-9][A-Za-z0-9._:@+-]*$'))
                 and (pg_catalog.jsonb_typeof(e.value -> 'policy_id') is null
                      or pg_catalog.jsonb_typeof(e.value -> 'policy_id') = 'null'
                      or (pg_catalog.jsonb_typeof(e.value -> 'policy_id') = 'string'
                          and pg_catalog.length(e.value ->> 'policy_id') <= 128
                          and (e.value ->> 'policy_id') ~ '^[A-Za-z0-9][A-Za-z0-9._:@+-]*$'))
                 and (pg_catalog.jsonb_typeof(e.value -> 'data') is null
                      or (pg_catalog.jsonb_typeof(e.value -> 'data') = 'object'
                          and pg_catalog.octet_length((e.value -> 'data')::text) <= 65536)));
    -- the owner's document limits (nesting depth) for the entries that passed the filter above
    perform beamline_internal.check_document_limits(e.value -> 'data')
       from pg_catalog.jsonb_array_elements(p_entries) e
      where pg_catalog.jsonb_typeof(e.value -> 'data') = 'object';
    perform beamline_internal.require_permission(p_tenant, p_actor, 'audit:write');
    if v_count = 0 then
        return 0;
    end if;
    v_meta := beamline_internal.audit_metadata();
    -- One statement, in entry order: the chain trigger links each row after the one before.
    insert into beamline.policy_audit_log
        (tenant_id, target_type, policy_id, target_id, action, actor, new_data, metadata, "timestamp")
    select p_tenant, 'app', e.value ->> 'policy_id', e.value ->> 'target_id', e.value ->> 'action', p_actor,
           coalesce(e.value -> 'data', '{}'::jsonb), v_meta, pg_catalog.clock_timestamp()
      from pg_catalog.jsonb_array_elements(p_entries) with ordinality e(value, ord)
     order by e.ord;
    return v_count;
end;
$_$;

ALTER FUNCTION beamline.log_action(p_tenant text, p_actor text, p_entries jsonb) OWNER TO beamline_owner;

--
-- Name: FUNCTION log_action(p_tenant text, p_actor text, p_entries jsonb); Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline.log_action(p_tenant text, p_actor text, p_entries jsonb) IS 'Record a batch (JSON array, <= 1,000 entries and <= 1 MiB) of application events {"action", "target_id"?, "policy_id"?, "data"?} in one statement; all validated first; needs audit:write. Returns the count.';

--
-- Name: log_action(text, text, text, text, jsonb, text); Type: FUNCTION; Schema: beamline; Owner: beamline_owner
--

CREATE FUNCTION beamline.log_action(p_tenant text, p_actor text, p_action text, p_target_id text, p_data jsonb DEFAULT '{}'::jsonb, p_policy_id text DEFAULT NULL::text) RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
declare
    v_id uuid;
begin
    perform beamline_internal.audit_check_entry('', pg_catalog.jsonb_build_object(
        'action', p_action, 'target_id', p_target_id, 'policy_id', p_policy_id, 'data', coalesce(p_data, 'null'::jsonb)));
    perform beamline_internal.require_permission(p_tenant, p_actor, 'audit:write');
    insert into beamline.policy_audit_log
        (tenant_id, target_type, policy_id, target_id, action, actor, new_data, metadata)
    values (p_tenant, 'app', p_policy_id, p_target_id, p_action, p_actor, p_data, beamline_internal.audit_metadata())
    returning id into v_id;
    return v_id;
end;
$$;

ALTER FUNCTION beamline.log_action(p_tenant text, p_actor text, p_action text, p_target_id text, p_data jsonb, p_policy_id text) OWNER TO beamline_owner;

--
-- Name: FUNCTION log_action(p_tenant text, p_actor text, p_action text, p_target_id text, p_data jsonb, p_policy_id text); Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline.log_action(p_tenant text, p_actor text, p_action text, p_target_id text, p_data jsonb, p_policy_id text) IS 'Record one application event (action, target id, data object, optional policy id) in the audit log; needs audit:write. Returns the audit row id.';

--
-- Name: merge_patch(jsonb, jsonb); Type: FUNCTION; Schema: beamline; Owner: beamline_owner
--

CREATE FUNCTION beamline.merge_patch(p_target jsonb, p_patch jsonb) RETURNS jsonb
    LANGUAGE plpgsql IMMUTABLE SECURITY DEFINER PARALLEL SAFE
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
begin
    if p_patch is null then
        raise exception using errcode = 'BL007',
            message = 'merge_patch: the patch must not be SQL NULL',
            detail = '{"argument": "p_patch", "reason": "null"}',
            hint = 'Pass a JSON value; the JSON null patch is the jsonb value ''null''.';
    end if;
    return beamline_internal.jsonschema_merge(p_target, p_patch);
end
$$;

ALTER FUNCTION beamline.merge_patch(p_target jsonb, p_patch jsonb) OWNER TO beamline_owner;

--
-- Name: FUNCTION merge_patch(p_target jsonb, p_patch jsonb); Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline.merge_patch(p_target jsonb, p_patch jsonb) IS 'JSON Merge Patch (RFC 7396): null deletes, objects merge recursively, anything else (arrays included) replaces.';

--
-- Name: policy_history(text, text, text); Type: FUNCTION; Schema: beamline; Owner: beamline_owner
--

CREATE FUNCTION beamline.policy_history(p_tenant text, p_policy_id text, p_actor text) RETURNS SETOF beamline.policies
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
begin
    perform beamline_internal.check_identifier('policy_id', p_policy_id, 128);
    perform beamline_internal.require_permission(p_tenant, p_actor, 'policy:read');
    return query
        select p.* from beamline.policies p
         where p.tenant_id = p_tenant and p.policy_id = p_policy_id
         order by p.version;
    if not found then
        perform beamline_internal.policy_not_found(p_tenant, p_policy_id, null,
            pg_catalog.format('policy %s not found in tenant %s', p_policy_id, p_tenant));
    end if;
end;
$$;

ALTER FUNCTION beamline.policy_history(p_tenant text, p_policy_id text, p_actor text) OWNER TO beamline_owner;

--
-- Name: FUNCTION policy_history(p_tenant text, p_policy_id text, p_actor text); Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline.policy_history(p_tenant text, p_policy_id text, p_actor text) IS 'All versions of a policy, oldest first (policy:read). BL002 if the policy never existed.';

--
-- Name: put_policy(text, text, jsonb, text, integer); Type: FUNCTION; Schema: beamline; Owner: beamline_owner
--

CREATE FUNCTION beamline.put_policy(p_tenant text, p_policy_id text, p_data jsonb, p_actor text, p_expected_version integer DEFAULT NULL::integer) RETURNS beamline.policies
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $_$
declare
    v_quota    beamline.tenant_quotas;
    v_errors   jsonb;
    v_count    integer;
    v_latest   integer;
    v_active   uuid;
    v_row      beamline.policies;
    v_allowed  boolean;
    v_schema   jsonb;
    v_checksum text;
    v_predicate jsonpath;
begin
    -- Hot path (bench/README.md): valid ids pass with one test; anything else gets the precise
    -- BL007 of check_identifier, in the documented order (tenant, policy id, actor).
    if p_tenant is null or p_policy_id is null or p_actor is null
       or not (pg_catalog.length(p_tenant) <= 64 and p_tenant ~ '^[A-Za-z0-9][A-Za-z0-9._:@+-]*$'
               and pg_catalog.length(p_policy_id) <= 128 and p_policy_id ~ '^[A-Za-z0-9][A-Za-z0-9._:@+-]*$'
               and pg_catalog.length(p_actor) <= 128 and p_actor ~ '^[A-Za-z0-9][A-Za-z0-9._:@+-]*$') then
        perform beamline_internal.check_identifier('tenant', p_tenant, 64);
        perform beamline_internal.check_identifier('policy_id', p_policy_id, 128);
        perform beamline_internal.check_identifier('actor', p_actor, 128);
    end if;
    if p_data is null then
        perform beamline_internal.policy_bad_input('data', 'is null');
    elsif pg_catalog.jsonb_typeof(p_data) <> 'object' then
        perform beamline_internal.policy_bad_input('data', 'must be a JSON object');
    end if;
    if p_expected_version < 0 then
        perform beamline_internal.policy_bad_input('expected_version', 'must be >= 0 (0 = the policy must not exist yet)');
    end if;
    -- require_permission, inlined for the allowed case (has_permission is inlined into this
    -- query); any other outcome goes through require_permission for its precise BL007 / BL001.
    -- As require_permission does for writes: lock the actor's grant FOR SHARE first (held to
    -- commit), then evaluate it, so a revoke and this write serialise (docs/RBAC.md).
    perform 1 from beamline.user_roles ur
     where ur.tenant_id = p_tenant and ur.user_id = p_actor
       for share;
    select h.allowed into v_allowed from beamline_internal.has_permission(p_tenant, p_actor, 'policy:write') h;
    if v_allowed then
        perform pg_catalog.set_config('beamline.actor', p_actor, true);
    else
        perform beamline_internal.require_permission(p_tenant, p_actor, 'policy:write');
    end if;

    perform beamline_internal.check_document_limits(p_data);
    -- The schema in force (as beamline_internal.schema_for: the tenant's newest override, else
    -- the newest global version), its checksum, and the predicate of its stored fast path
    -- (as jsonschema_fast_registered looks it up, in the same query).
    select s.schema, s.checksum, f.predicate into v_schema, v_checksum, v_predicate
      from beamline.json_schemas as s
      left join beamline.json_schema_fast as f on f.checksum = s.checksum and f.root is not null
     where s.name = 'policy/default'
       and (s.tenant_id = p_tenant or s.tenant_id is null)
     order by s.tenant_id nulls last, s.version desc
     limit 1;
    if v_schema is null then
        v_schema := beamline_internal.schema_for('policy/default', p_tenant);  -- raises BL002
    end if;
    if not beamline_internal.jsonschema_fast_check(v_checksum, v_predicate, p_data) then
        -- maybe invalid, or no stored fast path: the engine decides and lists the errors
        perform beamline_internal.assert_valid(v_schema, p_data);
    end if;
    if not beamline_internal.policy_is_sound(p_data) then
        -- maybe unsound: the lister decides and names the errors
        v_errors := beamline_internal.policy_semantic_errors(p_data);
        if pg_catalog.jsonb_array_length(v_errors) > 0 then
            raise exception using
                errcode = 'BL004',
                message = pg_catalog.format('policy %s fails %s semantic check(s)', p_policy_id, pg_catalog.jsonb_array_length(v_errors)),
                detail = v_errors::text,
                hint = 'Rules may route only to providers the policy defines; rule and provider ids are unique; weights are 0..100 with one above 0.';
        end if;
    end if;

    v_quota := beamline_internal.quota_of(p_tenant);
    v_count := case when pg_catalog.jsonb_typeof(p_data -> 'rules') = 'array' then pg_catalog.jsonb_array_length(p_data -> 'rules') else 0 end;
    if v_count > v_quota.max_rules_per_policy then
        perform beamline_internal.quota_exceeded(p_tenant, 'max_rules_per_policy', v_quota.max_rules_per_policy, v_count);
    end if;
    v_count := case when pg_catalog.jsonb_typeof(p_data -> 'providers') = 'array' then pg_catalog.jsonb_array_length(p_data -> 'providers') else 0 end;
    if v_count > v_quota.max_providers_per_policy then
        perform beamline_internal.quota_exceeded(p_tenant, 'max_providers_per_policy', v_quota.max_providers_per_policy, v_count);
    end if;

    perform beamline_internal.policy_lock(p_tenant, p_policy_id);
    select (select pg_catalog.max(p.version)
              from beamline.policies p where p.tenant_id = p_tenant and p.policy_id = p_policy_id),
           (select p.id
              from beamline.policies p where p.tenant_id = p_tenant and p.policy_id = p_policy_id and p.is_active)
      into v_latest, v_active;
    if p_expected_version is not null and p_expected_version <> coalesce(v_latest, 0) then
        raise exception using
            errcode = 'BL005',
            message = pg_catalog.format('version conflict on policy %s: expected %s, latest is %s', p_policy_id, p_expected_version, coalesce(v_latest, 0)),
            detail = pg_catalog.json_build_object('expected', p_expected_version, 'actual', coalesce(v_latest, 0))::text,
            hint = 'Re-read the policy (beamline.get_policy), re-apply the change and retry with the new version.';
    end if;

    if v_active is null then
        perform beamline_internal.quota_check_active(p_tenant);
    else
        -- The audit trigger records the new version (UPDATE), not the flip; the change log
        -- records only the new version too (policies__change_log).
        -- (what audit_set_intent(p_tenant, p_policy_id, 'SUPERSEDE') sets; the ids are checked)
        perform pg_catalog.set_config('beamline.audit_intent', 'SUPERSEDE ' || p_tenant || ' ' || p_policy_id, true);
        update beamline.policies p
           set is_active = false, updated_at = pg_catalog.now(), updated_by = p_actor
         where p.id = v_active;
        perform pg_catalog.set_config('beamline.audit_intent', '', true);  -- it covered this flip only
    end if;

    insert into beamline.policies as p
           (tenant_id, policy_id, version, is_active, data, created_by, updated_by)
    values (p_tenant, p_policy_id, coalesce(v_latest, 0) + 1, true, p_data, p_actor, p_actor)
    returning p.* into v_row;
    return v_row;
end;
$_$;

ALTER FUNCTION beamline.put_policy(p_tenant text, p_policy_id text, p_data jsonb, p_actor text, p_expected_version integer) OWNER TO beamline_owner;

--
-- Name: FUNCTION put_policy(p_tenant text, p_policy_id text, p_data jsonb, p_actor text, p_expected_version integer); Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline.put_policy(p_tenant text, p_policy_id text, p_data jsonb, p_actor text, p_expected_version integer) IS 'Write a new immutable, active version of a policy (policy:write). Validates (BL007/BL009/BL004), checks quotas (BL003) and the optional compare-and-set on the latest version (BL005, 0 = create only). Returns the new row.';

--
-- Name: register_schema(text, text, jsonb, text); Type: FUNCTION; Schema: beamline; Owner: beamline_owner
--

CREATE FUNCTION beamline.register_schema(p_tenant text, p_name text, p_schema jsonb, p_actor text) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $_$
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
$_$;

ALTER FUNCTION beamline.register_schema(p_tenant text, p_name text, p_schema jsonb, p_actor text) OWNER TO beamline_owner;

--
-- Name: FUNCTION register_schema(p_tenant text, p_name text, p_schema jsonb, p_actor text); Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline.register_schema(p_tenant text, p_name text, p_schema jsonb, p_actor text) IS 'Register a tenant override of a named JSON Schema (permission schema:manage); BL010 when the schema is unsupported or malformed. Returns the current version.';

--
-- Name: revoke_role(text, text, text); Type: FUNCTION; Schema: beamline; Owner: beamline_owner
--

CREATE FUNCTION beamline.revoke_role(p_tenant text, p_user text, p_actor text) RETURNS beamline.user_roles
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
declare
    v_old beamline.user_roles;
begin
    perform beamline_internal.check_identifier('user', p_user, 128);
    perform beamline_internal.check_identifier('tenant', p_tenant, 64);
    -- Lock order as assign_role: tenant lock, then the actor's grant (require_permission, FOR
    -- SHARE), then the target grant (FOR UPDATE: waits for the target's in-flight writes).
    perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('beamline.user_roles'), pg_catalog.hashtext(p_tenant));
    perform beamline_internal.require_permission(p_tenant, p_actor, 'rbac:manage');
    select * into v_old from beamline.user_roles ur
     where ur.tenant_id = p_tenant and ur.user_id = p_user
       for update;
    if not found then
        raise exception using
            errcode = 'BL002',
            message = pg_catalog.format('no role for user %s in tenant %s', p_user, p_tenant),
            detail = pg_catalog.json_build_object('tenant', p_tenant, 'user', p_user)::text,
            hint = 'beamline.get_user_roles shows a user''s grant.';
    end if;
    if v_old.expires_at is null or v_old.expires_at > pg_catalog.statement_timestamp() then
        perform beamline_internal.require_grantable(p_tenant, p_actor, v_old.role, v_old.permissions);
    end if;
    delete from beamline.user_roles ur where ur.id = v_old.id;
    return v_old;
end;
$$;

ALTER FUNCTION beamline.revoke_role(p_tenant text, p_user text, p_actor text) OWNER TO beamline_owner;

--
-- Name: FUNCTION revoke_role(p_tenant text, p_user text, p_actor text); Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline.revoke_role(p_tenant text, p_user text, p_actor text) IS 'Remove p_user''s grant in p_tenant (rbac:manage; the actor must hold what the grant gives). BL002 if there is none. Returns the removed row.';

--
-- Name: server_identity(); Type: FUNCTION; Schema: beamline; Owner: beamline_owner
--

CREATE FUNCTION beamline.server_identity(OUT system_identifier text, OUT timeline integer, OUT started_at timestamp with time zone, OUT database_oid bigint, OUT incarnation uuid) RETURNS record
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
begin
    system_identifier := (pg_catalog.pg_control_system()).system_identifier::text;
    if pg_catalog.pg_is_in_recovery() then
        timeline := (pg_catalog.pg_control_checkpoint()).timeline_id;
    else
        timeline := ('x' || pg_catalog.substr(
            pg_catalog.pg_walfile_name(pg_catalog.pg_current_wal_lsn()), 1, 8))::bit(32)::integer;
    end if;
    started_at := pg_catalog.pg_postmaster_start_time();
    select d.oid::bigint into database_oid
      from pg_catalog.pg_database d where d.datname = pg_catalog.current_database();
    select s.incarnation into incarnation from beamline_internal.server_incarnation s where s.id = 1;
end;
$$;

ALTER FUNCTION beamline.server_identity(OUT system_identifier text, OUT timeline integer, OUT started_at timestamp with time zone, OUT database_oid bigint, OUT incarnation uuid) OWNER TO beamline_owner;

--
-- Name: FUNCTION server_identity(OUT system_identifier text, OUT timeline integer, OUT started_at timestamp with time zone, OUT database_oid bigint, OUT incarnation uuid); Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline.server_identity(OUT system_identifier text, OUT timeline integer, OUT started_at timestamp with time zone, OUT database_oid bigint, OUT incarnation uuid) IS 'The server history the caller talks to (system identifier, timeline, postmaster start, database oid, incarnation id): a client that sees it change flushes its caches and restarts from a fresh watermark.';

--
-- Name: set_quota(text, text, integer, integer, integer); Type: FUNCTION; Schema: beamline; Owner: beamline_owner
--

CREATE FUNCTION beamline.set_quota(p_tenant text, p_actor text, p_max_policies integer DEFAULT NULL::integer, p_max_rules integer DEFAULT NULL::integer, p_max_providers integer DEFAULT NULL::integer) RETURNS TABLE(tenant_id character varying, max_policies integer, max_rules_per_policy integer, max_providers_per_policy integer, is_default boolean, active_policies integer, updated_at timestamp with time zone, platform_max_policies integer, platform_max_rules_per_policy integer, platform_max_providers_per_policy integer)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
declare
    v_quota    beamline.tenant_quotas;
    v_platform boolean;
    v_name     text;
    v_ceiling  integer;
    v_value    integer;
begin
    perform beamline_internal.check_identifier('tenant', p_tenant, 64);
    perform beamline_internal.check_identifier('actor', p_actor, 128);
    if p_max_policies is null and p_max_rules is null and p_max_providers is null then
        perform beamline_internal.policy_bad_input('quota', 'nothing to set: give max_policies, max_rules or max_providers');
    end if;
    if p_max_policies not between 0 and 1000000 then
        perform beamline_internal.policy_bad_input('max_policies', 'must be between 0 and 1000000');
    end if;
    if p_max_rules not between 0 and 10000 then
        perform beamline_internal.policy_bad_input('max_rules', 'must be between 0 and 10000');
    end if;
    if p_max_providers not between 0 and 1000 then
        perform beamline_internal.policy_bad_input('max_providers', 'must be between 0 and 1000');
    end if;
    -- Is the actor the platform? Its global grant is locked first, as every write's is
    -- (docs/RBAC.md "Revocation"; sql/tests/27-rbac-write-locks.sql checks the pattern).
    perform 1 from beamline.user_roles ur
     where ur.tenant_id = 'global' and ur.user_id = p_actor
       for share;
    select h.allowed into v_platform from beamline_internal.has_permission('global', p_actor, 'quota:manage') h;
    if v_platform then
        perform beamline_internal.require_permission('global', p_actor, 'quota:manage');  -- pins the grant, records the actor
    else
        perform beamline_internal.require_permission(p_tenant, p_actor, 'quota:manage');
    end if;
    perform beamline_internal.quota_lock(p_tenant);
    v_quota := beamline_internal.quota_of(p_tenant);
    if not v_platform then
        for v_name, v_ceiling, v_value in
            values ('max_policies', v_quota.platform_max_policies, p_max_policies),
                   ('max_rules_per_policy', v_quota.platform_max_rules_per_policy, p_max_rules),
                   ('max_providers_per_policy', v_quota.platform_max_providers_per_policy, p_max_providers)
        loop
            if v_value > v_ceiling then
                raise exception using
                    errcode = 'BL001',
                    message = pg_catalog.format('permission denied: %s above its ceiling %s needs quota:manage in tenant global (%s asked %s for tenant %s)',
                                                v_name, v_ceiling, p_actor, v_value, p_tenant),
                    detail = pg_catalog.json_build_object('tenant', 'global', 'actor', p_actor, 'permission', 'quota:manage',
                                                          'quota', v_name, 'ceiling', v_ceiling, 'requested', v_value)::text,
                    hint = 'Quotas are a platform limit: a tenant sets its limits up to the ceilings; the platform (quota:manage in tenant global) raises them.';
            end if;
        end loop;
    end if;
    insert into beamline.tenant_quotas as q
        (tenant_id, max_policies, max_rules_per_policy, max_providers_per_policy,
         platform_max_policies, platform_max_rules_per_policy, platform_max_providers_per_policy)
    values (p_tenant,
            coalesce(p_max_policies, v_quota.max_policies),
            coalesce(p_max_rules, v_quota.max_rules_per_policy),
            coalesce(p_max_providers, v_quota.max_providers_per_policy),
            -- only the platform moves a ceiling; it moves it to the limit it sets
            case when v_platform then coalesce(p_max_policies, v_quota.platform_max_policies) else v_quota.platform_max_policies end,
            case when v_platform then coalesce(p_max_rules, v_quota.platform_max_rules_per_policy) else v_quota.platform_max_rules_per_policy end,
            case when v_platform then coalesce(p_max_providers, v_quota.platform_max_providers_per_policy) else v_quota.platform_max_providers_per_policy end)
    on conflict on constraint tenant_quotas_tenant_id_key do update
       set max_policies = excluded.max_policies,
           max_rules_per_policy = excluded.max_rules_per_policy,
           max_providers_per_policy = excluded.max_providers_per_policy,
           platform_max_policies = excluded.platform_max_policies,
           platform_max_rules_per_policy = excluded.platform_max_rules_per_policy,
           platform_max_providers_per_policy = excluded.platform_max_providers_per_policy,
           updated_at = pg_catalog.now();
    return query select * from beamline_internal.quota_report(p_tenant);
end;
$$;

ALTER FUNCTION beamline.set_quota(p_tenant text, p_actor text, p_max_policies integer, p_max_rules integer, p_max_providers integer) OWNER TO beamline_owner;

--
-- Name: FUNCTION set_quota(p_tenant text, p_actor text, p_max_policies integer, p_max_rules integer, p_max_providers integer); Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline.set_quota(p_tenant text, p_actor text, p_max_policies integer, p_max_rules integer, p_max_providers integer) IS 'Set a tenant''s limits; null keeps a value. quota:manage in tenant global (the platform) sets limits and their ceilings; the tenant''s own quota:manage stays at or below the ceilings (BL001). BL007 out of range (0..1000000 policies, 0..10000 rules, 0..1000 providers).';

--
-- Name: validate(jsonb, jsonb); Type: FUNCTION; Schema: beamline; Owner: beamline_owner
--

CREATE FUNCTION beamline.validate(p_schema jsonb, p_doc jsonb) RETURNS jsonb
    LANGUAGE plpgsql STABLE SECURITY DEFINER PARALLEL SAFE
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
declare
    v_sum   text;
    v_row   record;
    v_fast  boolean;
    v_prep  jsonb;
begin
    if p_schema is null or p_doc is null then
        raise exception using errcode = 'BL007',
            message = 'validate: schema and document must not be null',
            detail = pg_catalog.jsonb_build_object('argument', case when p_schema is null then 'p_schema' else 'p_doc' end,
                                                   'reason', 'null')::text,
            hint = 'Pass a JSON Schema and a JSON document (JSON null is the jsonb value ''null'').';
    end if;
    perform beamline_internal.check_document_limits(p_doc);

    v_sum := pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(p_schema::text, pg_catalog.getdatabaseencoding())), 'hex');
    v_fast := beamline_internal.jsonschema_fast_registered(v_sum, null, p_doc);
    if v_fast then
        return '[]'::jsonb;  -- registered, and its stored fast path proves the document valid
    elsif not v_fast then
        select f.root, f.ctx into v_row from beamline.json_schema_fast f where f.checksum = v_sum;
        return beamline_internal.jsonschema_run(v_row.root, v_row.ctx, p_doc);
    end if;

    v_prep := beamline_internal.jsonschema_check_schema(p_schema);
    if v_prep -> 'problems' <> '[]'::jsonb then
        raise exception using errcode = 'BL010',
            message = pg_catalog.format('invalid JSON Schema: %s at "%s"',
                v_prep -> 'problems' -> 0 ->> 'message', v_prep -> 'problems' -> 0 ->> 'path'),
            detail = (v_prep -> 'problems')::text,
            hint = 'See docs/VALIDATION.md for the supported keywords.';
    end if;
    return beamline_internal.jsonschema_run(v_prep -> 'root', v_prep -> 'ctx', p_doc);
end
$$;

ALTER FUNCTION beamline.validate(p_schema jsonb, p_doc jsonb) OWNER TO beamline_owner;

--
-- Name: FUNCTION validate(p_schema jsonb, p_doc jsonb); Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline.validate(p_schema jsonb, p_doc jsonb) IS 'Validate p_doc against the JSON Schema p_schema (draft 2020-12, docs/VALIDATION.md): [] when valid, else [{"path", "keyword", "message"}]. BL009 over the document limits, BL010 for an unsupported or malformed schema, BL040 over the work budget.';

--
-- Name: verify_audit_chain(text, text, jsonb); Type: FUNCTION; Schema: beamline; Owner: beamline_owner
--

CREATE FUNCTION beamline.verify_audit_chain(p_tenant text, p_actor text, p_expected_head jsonb DEFAULT NULL::jsonb) RETURNS jsonb
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
begin
    perform beamline_internal.require_permission(p_tenant, p_actor, 'audit:read');
    return beamline_internal.audit_chain_verify(p_tenant, p_expected_head);
end;
$$;

ALTER FUNCTION beamline.verify_audit_chain(p_tenant text, p_actor text, p_expected_head jsonb) OWNER TO beamline_owner;

--
-- Name: FUNCTION verify_audit_chain(p_tenant text, p_actor text, p_expected_head jsonb); Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline.verify_audit_chain(p_tenant text, p_actor text, p_expected_head jsonb) IS 'Verify a tenant''s audit hash chain, every lane (set-based): {"ok": true, "checked", "lanes": [...]} or the first bad {"lane", "seq", "id", "reason"} (missing rows, bad hash, bad link, truncated, head mismatch, unexpected head); optional exported head {"lanes": [{"lane", "seq", "head"}]} to catch truncation and rewrites. Needs audit:read.';

--
-- Name: bootstrap_admin(text, text); Type: FUNCTION; Schema: beamline_admin; Owner: beamline_owner
--

CREATE FUNCTION beamline_admin.bootstrap_admin(p_tenant text, p_user text) RETURNS beamline.user_roles
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
declare
    v_admin text;
    v_row beamline.user_roles;
begin
    perform beamline_internal.check_identifier('tenant', p_tenant, 64);
    perform beamline_internal.check_identifier('user', p_user, 128);
    perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('beamline.user_roles'), pg_catalog.hashtext(p_tenant));
    select ur.user_id into v_admin from beamline.user_roles ur
     where ur.tenant_id = p_tenant and ur.role = 'admin'
       and (ur.expires_at is null or ur.expires_at > pg_catalog.statement_timestamp())
     order by ur.user_id
     limit 1;
    if found then
        raise exception using
            errcode = 'BL013',
            message = pg_catalog.format('tenant %s already has an admin', p_tenant),
            detail = pg_catalog.json_build_object('tenant', p_tenant, 'admin', v_admin)::text,
            hint = 'Further roles are granted by the tenant''s admins with beamline.assign_role.';
    end if;
    perform pg_catalog.set_config('beamline.actor', 'owner', true);
    insert into beamline.user_roles as ur (tenant_id, user_id, role, permissions, granted_by, expires_at)
    values (p_tenant, p_user, 'admin', '[]', 'owner', null)
    on conflict (tenant_id, user_id) do update
       set role = 'admin', permissions = '[]', granted_by = 'owner', expires_at = null,
           updated_at = pg_catalog.now()
    returning ur.* into v_row;
    return v_row;
end;
$$;

ALTER FUNCTION beamline_admin.bootstrap_admin(p_tenant text, p_user text) OWNER TO beamline_owner;

--
-- Name: FUNCTION bootstrap_admin(p_tenant text, p_user text); Type: COMMENT; Schema: beamline_admin; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_admin.bootstrap_admin(p_tenant text, p_user text) IS 'Owner-only: make p_user the first admin of p_tenant (actor ''owner''). BL013 if the tenant already has a non-expired admin.';

--
-- Name: maintain(text); Type: FUNCTION; Schema: beamline_admin; Owner: beamline_owner
--

CREATE FUNCTION beamline_admin.maintain(p_actor text DEFAULT NULL::text) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
declare
    v_started    timestamptz := pg_catalog.clock_timestamp();
    v_settings   beamline_internal.maintenance_settings;
    v_actor      text;
    v_pruned     bigint;
    v_leases     bigint := 0;
    v_grants     bigint;
    v_audit      jsonb;
    v_lease      devstate.locks;
    v_report     jsonb;
    v_partitions jsonb;
begin
    if not pg_catalog.pg_try_advisory_xact_lock(pg_catalog.hashtext('beamline.maintain')) then
        return pg_catalog.jsonb_build_object('ran', false,
            'reason', 'another maintain run holds the lock beamline.maintain');
    end if;
    select * into strict v_settings from beamline_internal.maintenance_settings s where s.id = 1;
    v_actor := coalesce(p_actor, v_settings.actor);
    perform beamline_internal.set_actor(v_actor);

    v_pruned := beamline_internal.change_log_prune(v_settings.change_log_keep);

    for v_lease in
        delete from devstate.locks l where l.expires_at <= pg_catalog.now() returning l.*
    loop
        v_leases := v_leases + 1;
        perform beamline_internal.audit_write('devstate', 'app', null, pg_catalog.left(v_lease.scope, 128),
            'LEASE_EXPIRED', pg_catalog.to_jsonb(v_lease), null);
    end loop;

    delete from beamline.user_roles r where r.expires_at is not null and r.expires_at <= pg_catalog.now();
    get diagnostics v_grants = row_count;

    if v_settings.audit_retention is null then
        v_audit := pg_catalog.jsonb_build_object('retention', null, 'skipped', 'no audit retention configured');
    elsif not exists (select 1 from beamline_internal.has_permission('global', v_actor, 'audit:manage') h where h.allowed) then
        v_audit := pg_catalog.jsonb_build_object('retention', v_settings.audit_retention::text,
            'skipped', pg_catalog.format('actor %s lacks audit:manage in tenant global', v_actor));
    else
        v_audit := pg_catalog.jsonb_build_object('retention', v_settings.audit_retention::text,
            'deleted', beamline.cleanup_old_logs(v_settings.audit_retention, v_actor, null));
    end if;

    v_partitions := beamline_internal.audit_partitions_ensure(3);

    v_report := pg_catalog.jsonb_build_object(
        'ran', true,
        'actor', v_actor,
        'change_log', pg_catalog.jsonb_build_object(
            'pruned', v_pruned,
            'remaining', (select pg_catalog.count(*) from beamline.change_log),
            'keep', v_settings.change_log_keep::text),
        'leases_expired', v_leases,
        'grants_expired', v_grants,
        'audit', v_audit,
        'audit_partitions', v_partitions);
    if v_pruned + v_leases + v_grants + coalesce((v_audit ->> 'deleted')::bigint, 0)
       + pg_catalog.jsonb_array_length(v_partitions -> 'created') > 0 then
        perform beamline_internal.audit_write('global', 'app', null, 'maintain', 'MAINTAIN', null, v_report);
    end if;
    return v_report || pg_catalog.jsonb_build_object('ms',
        pg_catalog.round((extract(epoch from pg_catalog.clock_timestamp() - v_started) * 1000)::numeric, 1));
end;
$$;

ALTER FUNCTION beamline_admin.maintain(p_actor text) OWNER TO beamline_owner;

--
-- Name: FUNCTION maintain(p_actor text); Type: COMMENT; Schema: beamline_admin; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_admin.maintain(p_actor text) IS 'Owner only: one idempotent maintenance pass (prune change log, expired leases and grants, audit retention, audit partitions ahead); concurrent runs skip (advisory lock). Returns a JSON report.';

--
-- Name: rebuild_schema_cache(); Type: FUNCTION; Schema: beamline_admin; Owner: beamline_owner
--

CREATE FUNCTION beamline_admin.rebuild_schema_cache() RETURNS integer
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
declare
    v_row  record;
    v_prep jsonb;
    v_n    integer := 0;
begin
    for v_row in select distinct on (s.checksum) s.checksum, s.schema
                   from beamline.json_schemas s
                  where not exists (select 1 from beamline.json_schema_fast f
                                     where f.checksum = s.checksum and f.root is not null)
                  order by s.checksum, s.version loop
        v_prep := beamline_internal.jsonschema_check_schema(v_row.schema);
        continue when v_prep -> 'problems' <> '[]'::jsonb;
        perform beamline_internal.jsonschema_fast_store(v_row.checksum, v_prep);
        v_n := v_n + 1;
    end loop;
    return v_n;
end
$$;

ALTER FUNCTION beamline_admin.rebuild_schema_cache() OWNER TO beamline_owner;

--
-- Name: FUNCTION rebuild_schema_cache(); Type: COMMENT; Schema: beamline_admin; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_admin.rebuild_schema_cache() IS 'Owner only: store the prepared form and fast path of every registered JSON Schema that lacks one (run by beamline migrate).';

--
-- Name: register_default_schema(text, jsonb); Type: FUNCTION; Schema: beamline_admin; Owner: beamline_owner
--

CREATE FUNCTION beamline_admin.register_default_schema(p_name text, p_schema jsonb) RETURNS integer
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
begin
    return beamline_internal.jsonschema_register(p_name, null, p_schema, 'beamline-migrate');
end
$$;

ALTER FUNCTION beamline_admin.register_default_schema(p_name text, p_schema jsonb) OWNER TO beamline_owner;

--
-- Name: FUNCTION register_default_schema(p_name text, p_schema jsonb); Type: COMMENT; Schema: beamline_admin; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_admin.register_default_schema(p_name text, p_schema jsonb) IS 'Owner only: register the global version of a named JSON Schema (used by beamline migrate for the shipped defaults).';

--
-- Name: register_hmac_key(); Type: FUNCTION; Schema: beamline_admin; Owner: beamline_owner
--

CREATE FUNCTION beamline_admin.register_hmac_key() RETURNS jsonb
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $_$
declare
    v_keys jsonb := beamline_internal.devstate_keys();
    v_key_id text := v_keys ->> '';
    v_salt bytea := beamline_ext.gen_random_bytes(16);
begin
    if v_key_id !~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' then
        perform beamline_internal.devstate_bad_input('beamline.hmac_key_id',
            'must be 1-64 characters: a letter or digit, then letters, digits and . _ -');
    end if;
    perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('beamline.devstate_hmac_keys'));
    if exists (select 1 from beamline_internal.devstate_hmac_keys k where k.key_id = v_key_id) then
        perform beamline_internal.devstate_check_keys(v_keys, array[v_key_id], false);
        return pg_catalog.jsonb_build_object('key_id', v_key_id, 'registered', false);
    end if;
    if pg_catalog.length(v_keys ->> v_key_id) < 2 * 32 then  -- hex: two digits per byte
        perform beamline_internal.devstate_bad_input('beamline.hmac_secret',
            'must be at least 32 bytes for a new key id',
            'Use a random secret, e.g. `openssl rand -hex 32`, in BEAMLINE_HMAC_SECRET (docs/DEVSTATE_MCP.md, "The HMAC key").');
    end if;
    insert into beamline_internal.devstate_hmac_keys (key_id, salt, fingerprint)
    values (v_key_id, v_salt,
            beamline_internal.devstate_key_fingerprint(pg_catalog.decode(v_keys ->> v_key_id, 'hex'), v_key_id, v_salt));
    perform pg_catalog.set_config('beamline.actor', 'owner', true);
    perform beamline_internal.audit_write('devstate', 'key', null, v_key_id, 'REGISTER', null,
                                          pg_catalog.jsonb_build_object('key_id', v_key_id));
    return pg_catalog.jsonb_build_object('key_id', v_key_id, 'registered', true);
end;
$_$;

ALTER FUNCTION beamline_admin.register_hmac_key() OWNER TO beamline_owner;

--
-- Name: FUNCTION register_hmac_key(); Type: COMMENT; Schema: beamline_admin; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_admin.register_hmac_key() IS 'Owner only: register the session''s current DevState HMAC key id (beamline.hmac_key_id) by a salted fingerprint of beamline.hmac_secret (at least 32 bytes for a new id, else BL007); BL025 if the id is registered with another secret. Audited.';

--
-- Name: retire_hmac_key(text); Type: FUNCTION; Schema: beamline_admin; Owner: beamline_owner
--

CREATE FUNCTION beamline_admin.retire_hmac_key(p_key_id text) RETURNS boolean
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
declare
    v_retired timestamptz;
begin
    select k.retired_at into v_retired from beamline_internal.devstate_hmac_keys k
     where k.key_id = p_key_id for update;
    if not found then
        raise exception using
            errcode = 'BL002',
            message = pg_catalog.format('HMAC key id %s is not registered', p_key_id),
            detail = pg_catalog.json_build_object('key_id', p_key_id)::text;
    end if;
    if v_retired is not null then
        return false;
    end if;
    update beamline_internal.devstate_hmac_keys k set retired_at = pg_catalog.now() where k.key_id = p_key_id;
    perform pg_catalog.set_config('beamline.actor', 'owner', true);
    perform beamline_internal.audit_write('devstate', 'key', null, p_key_id, 'RETIRE', null,
                                          pg_catalog.jsonb_build_object('key_id', p_key_id));
    return true;
end;
$$;

ALTER FUNCTION beamline_admin.retire_hmac_key(p_key_id text) OWNER TO beamline_owner;

--
-- Name: FUNCTION retire_hmac_key(p_key_id text); Type: COMMENT; Schema: beamline_admin; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_admin.retire_hmac_key(p_key_id text) IS 'Owner only: stop new DevState entries under a key id (BL025 retired); its entries still verify. BL002 if unknown. Audited.';

--
-- Name: set_maintenance(interval, interval, text, boolean); Type: FUNCTION; Schema: beamline_admin; Owner: beamline_owner
--

CREATE FUNCTION beamline_admin.set_maintenance(p_change_log_keep interval DEFAULT NULL::interval, p_audit_retention interval DEFAULT NULL::interval, p_actor text DEFAULT NULL::text, p_clear_retention boolean DEFAULT false) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
declare
    v_row beamline_internal.maintenance_settings;
begin
    if p_change_log_keep is not null and pg_catalog.now() - p_change_log_keep > pg_catalog.now() then
        perform beamline_internal.policy_bad_input('change_log_keep', 'must not be negative');
    end if;
    if p_audit_retention is not null and pg_catalog.now() - p_audit_retention >= pg_catalog.now() then
        perform beamline_internal.policy_bad_input('audit_retention', 'must be a positive interval');
    end if;
    if p_actor is not null then
        perform beamline_internal.check_identifier('actor', p_actor, 128);
    end if;
    update beamline_internal.maintenance_settings s
       set change_log_keep = coalesce(p_change_log_keep, s.change_log_keep),
           audit_retention = case when p_clear_retention then null
                                  else coalesce(p_audit_retention, s.audit_retention) end,
           actor = coalesce(p_actor, s.actor),
           updated_at = pg_catalog.now()
     where s.id = 1
    returning s.* into strict v_row;
    return pg_catalog.jsonb_build_object(
        'change_log_keep', v_row.change_log_keep::text,
        'audit_retention', v_row.audit_retention::text,
        'actor', v_row.actor,
        'updated_at', v_row.updated_at);
end;
$$;

ALTER FUNCTION beamline_admin.set_maintenance(p_change_log_keep interval, p_audit_retention interval, p_actor text, p_clear_retention boolean) OWNER TO beamline_owner;

--
-- Name: FUNCTION set_maintenance(p_change_log_keep interval, p_audit_retention interval, p_actor text, p_clear_retention boolean); Type: COMMENT; Schema: beamline_admin; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_admin.set_maintenance(p_change_log_keep interval, p_audit_retention interval, p_actor text, p_clear_retention boolean) IS 'Owner only: set the change-log window, audit retention (p_clear_retention: keep forever) and actor of beamline_admin.maintain; returns the settings.';

--
-- Name: set_setting(text, text); Type: FUNCTION; Schema: beamline_admin; Owner: beamline_owner
--

CREATE FUNCTION beamline_admin.set_setting(p_name text, p_value text) RETURNS jsonb
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $_$
declare
    v_result jsonb;
begin
    if p_name is null or p_name not in ('max_document_bytes', 'max_document_depth') then
        raise exception using
            errcode = 'BL007',
            message = pg_catalog.format('unknown setting: %s', coalesce(p_name, 'NULL')),
            detail = pg_catalog.json_build_object('argument', 'name', 'reason', 'not a setting of beamline_internal.settings')::text,
            hint = 'Settings: max_document_bytes, max_document_depth.';
    end if;
    if p_value is null or p_value !~ '^[0-9]{1,10}$' then
        raise exception using
            errcode = 'BL007',
            message = pg_catalog.format('setting %s must be a whole number', p_name),
            detail = pg_catalog.json_build_object('argument', 'value', 'reason', 'not a whole number')::text;
    end if;
    begin
        -- p_name is one of the literal column names above
        execute pg_catalog.format(
            'update beamline_internal.settings set %I = $1, updated_at = pg_catalog.now(), updated_by = current_user where id = 1',
            p_name) using p_value::bigint;
    exception when check_violation or numeric_value_out_of_range then
        raise exception using
            errcode = 'BL007',
            message = pg_catalog.format('setting %s: %s is out of range', p_name, p_value),
            detail = pg_catalog.json_build_object('argument', 'value', 'reason', 'out of range')::text;
    end;
    select pg_catalog.to_jsonb(s) - 'id' into v_result from beamline_internal.settings s where s.id = 1;
    return v_result;
end;
$_$;

ALTER FUNCTION beamline_admin.set_setting(p_name text, p_value text) OWNER TO beamline_owner;

--
-- Name: FUNCTION set_setting(p_name text, p_value text); Type: COMMENT; Schema: beamline_admin; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_admin.set_setting(p_name text, p_value text) IS 'Owner only: change a limit of beamline_internal.settings (max_document_bytes, max_document_depth); returns the settings. BL007 for an unknown name or a bad value.';

--
-- Name: verify_audit_chains(); Type: FUNCTION; Schema: beamline_admin; Owner: beamline_owner
--

CREATE FUNCTION beamline_admin.verify_audit_chains() RETURNS SETOF jsonb
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
begin
    return query
        select beamline_internal.audit_chain_verify(t.tenant_id)
          from (select h.tenant_id from beamline_internal.audit_chain_heads h
                union
                select distinct a.tenant_id from beamline.policy_audit_log a) t
         order by t.tenant_id;
end;
$$;

ALTER FUNCTION beamline_admin.verify_audit_chains() OWNER TO beamline_owner;

--
-- Name: FUNCTION verify_audit_chains(); Type: COMMENT; Schema: beamline_admin; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_admin.verify_audit_chains() IS 'Verify every tenant''s audit hash chain (owner only): one jsonb per tenant, as beamline.verify_audit_chain returns; used by beamline backup verify.';

--
-- Name: assert_valid(jsonb, jsonb); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.assert_valid(p_schema jsonb, p_doc jsonb) RETURNS void
    LANGUAGE plpgsql STABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
declare
    v_errs jsonb;
    v_n    integer;
begin
    v_errs := beamline.validate(p_schema, p_doc);
    v_n := pg_catalog.jsonb_array_length(v_errs);
    if v_n > 0 then
        raise exception using errcode = 'BL004',
            message = pg_catalog.format('document is not valid: %s at "%s"%s',
                v_errs -> 0 ->> 'message', v_errs -> 0 ->> 'path',
                case when v_n > 1 then pg_catalog.format(' (and %s more errors)', v_n - 1) else '' end),
            detail = v_errs::text,
            hint = 'DETAIL lists every error as {"path": JSON pointer, "keyword", "message"}.';
    end if;
end
$$;

ALTER FUNCTION beamline_internal.assert_valid(p_schema jsonb, p_doc jsonb) OWNER TO beamline_owner;

--
-- Name: FUNCTION assert_valid(p_schema jsonb, p_doc jsonb); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.assert_valid(p_schema jsonb, p_doc jsonb) IS 'Raise BL004 (DETAIL = JSON list of {"path", "keyword", "message"}) when p_doc does not validate against p_schema.';

--
-- Name: audit_actor(); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.audit_actor() RETURNS text
    LANGUAGE plpgsql STABLE
    AS $_$
declare
    v_actor text := pg_catalog.current_setting('beamline.actor', true);
begin
    if v_actor is null or v_actor = '' or pg_catalog.length(v_actor) > 128
       or v_actor !~ '^[A-Za-z0-9][A-Za-z0-9._:@+-]*$' then
        raise exception using
            errcode = 'BL007',
            message = 'no actor for the audit log: the setting beamline.actor is not set or invalid',
            detail = pg_catalog.json_build_object('argument', 'beamline.actor', 'reason', 'is not set or invalid')::text,
            hint = 'Change policies, roles and quotas through the beamline API functions, or call beamline_internal.set_actor(actor) first.';
    end if;
    return v_actor;
end;
$_$;

ALTER FUNCTION beamline_internal.audit_actor() OWNER TO beamline_owner;

--
-- Name: FUNCTION audit_actor(); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.audit_actor() IS 'The transaction''s actor (setting beamline.actor); BL007 if unset or invalid, so audited changes are never anonymous.';

--
-- Name: audit_chain_link(); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.audit_chain_link() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
declare
    v_lane smallint;
    v_seq bigint;
    v_prev_hash text;
    -- the jsonb fields' text, rendered once for the hash (docs/AUDIT.md)
    v_old text := new.old_data::text;
    v_new text := new.new_data::text;
    v_metadata text := new.metadata::text;
begin
    if new.seq is not null or new.prev_hash is not null or new.row_hash is not null then
        raise exception using
            errcode = 'BL008',
            message = pg_catalog.format('audit row of tenant %s supplies its own chain values', new.tenant_id),
            detail = pg_catalog.json_build_object('tenant', new.tenant_id, 'seq', new.seq, 'reason', 'supplied chain values')::text,
            hint = 'Audit rows are chained by the trigger chain; do not supply seq, prev_hash or row_hash.';
    end if;
    -- the first lane of the tenant no other transaction holds (the hot path: one locked read);
    -- none free, or no lanes yet: audit_chain_prev
    select h.lane, h.seq, h.head_hash into v_lane, v_seq, v_prev_hash
      from beamline_internal.audit_chain_heads h
     where h.tenant_id = new.tenant_id
     order by h.lane
     limit 1
       for update skip locked;
    if not found then
        select p.lane, p.seq, p.row_hash into v_lane, v_seq, v_prev_hash
          from beamline_internal.audit_chain_prev(new.tenant_id) p;
    end if;
    new.lane := v_lane;
    new.seq := v_seq + 1;
    new.prev_hash := v_prev_hash;
    new.row_hash := beamline_internal.audit_row_hash(new.tenant_id, new.seq, new.prev_hash, new.id,
        new.target_type, new.policy_id, new.target_id, new.action, new.actor, v_old, v_new,
        v_metadata, new."timestamp");
    update beamline_internal.audit_chain_heads h
       set seq = new.seq, head_hash = new.row_hash, updated_at = pg_catalog.now()
     where h.tenant_id = new.tenant_id and h.lane = new.lane;
    return new;
end;
$$;

ALTER FUNCTION beamline_internal.audit_chain_link() OWNER TO beamline_owner;

--
-- Name: FUNCTION audit_chain_link(); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.audit_chain_link() IS 'BEFORE INSERT row trigger of beamline.policy_audit_log: under the lock of a free lane of the tenant''s chain, sets lane, seq, prev_hash and row_hash after the lane''s last row and advances its head; BL008 if the row supplies seq, prev_hash or row_hash.';

--
-- Name: audit_chain_prev(text); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.audit_chain_prev(p_tenant text, OUT lane smallint, OUT seq bigint, OUT row_hash text) RETURNS record
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
declare
    c_lanes constant integer := 8;
begin
    -- a new tenant (or every lane busy: then this inserts nothing)
    insert into beamline_internal.audit_chain_heads (tenant_id, lane, seq, head_hash)
    select p_tenant, l.n, 0, '0000000000000000000000000000000000000000000000000000000000000000'
      from pg_catalog.generate_series(0, c_lanes - 1) as l(n)
    on conflict on constraint audit_chain_heads_pkey do nothing;
    select h.lane, h.seq, h.head_hash into lane, seq, row_hash
      from beamline_internal.audit_chain_heads h
     where h.tenant_id = p_tenant
     order by h.lane
     limit 1
       for update skip locked;
    if not found then
        select h.lane, h.seq, h.head_hash into strict lane, seq, row_hash
          from beamline_internal.audit_chain_heads h
         where h.tenant_id = p_tenant and h.lane = pg_catalog.pg_backend_pid() % c_lanes
           for update;
    end if;
end;
$$;

ALTER FUNCTION beamline_internal.audit_chain_prev(p_tenant text, OUT lane smallint, OUT seq bigint, OUT row_hash text) OWNER TO beamline_owner;

--
-- Name: FUNCTION audit_chain_prev(p_tenant text, OUT lane smallint, OUT seq bigint, OUT row_hash text); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.audit_chain_prev(p_tenant text, OUT lane smallint, OUT seq bigint, OUT row_hash text) IS 'Lock a lane of a tenant''s audit hash chain (the first of its 8 that no other transaction holds, FOR UPDATE SKIP LOCKED; all 8 created with its first row) and return (lane, seq, row_hash) that the next audit row follows.';

--
-- Name: audit_chain_verify(text, jsonb); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.audit_chain_verify(p_tenant text, p_expected_head jsonb DEFAULT NULL::jsonb) RETURNS jsonb
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $_$
declare
    c_genesis constant text := '0000000000000000000000000000000000000000000000000000000000000000';
    v_expected jsonb := '{}';  -- lane (text) -> {"seq", "head"}
    v_item jsonb;
    v_bad_lane smallint;
    v_bad_seq bigint;
    v_bad_id uuid;
    v_bad_reason text;
    v_lane record;
    v_start_seq bigint;
    v_start_hash text;
    v_last bigint;
    v_last_hash text;
    v_exp_seq bigint;
    v_exp_hash text;
    v_exp_state text;
    v_exp_all text;
    v_lanes jsonb := '[]';
    v_lane_result jsonb;
    v_checked bigint := 0;
begin
    -- the exported head: {"lanes": [{"lane", "seq", "head"}, ...]} from beamline.audit_chain_head,
    -- or {"seq", "head"} from before lanes (migration 0100), which is lane 0
    if p_expected_head is not null then
        if pg_catalog.jsonb_typeof(p_expected_head) = 'object' and p_expected_head ? 'lanes'
           and pg_catalog.jsonb_typeof(p_expected_head -> 'lanes') = 'array'
           and pg_catalog.jsonb_array_length(p_expected_head -> 'lanes') <= 64 then
            for v_item in select e.value from pg_catalog.jsonb_array_elements(p_expected_head -> 'lanes') e loop
                if pg_catalog.jsonb_typeof(v_item) <> 'object'
                   or pg_catalog.jsonb_typeof(v_item -> 'lane') <> 'number' or (v_item ->> 'lane') !~ '^[0-9]{1,2}$'
                   or pg_catalog.jsonb_typeof(v_item -> 'seq') <> 'number' or (v_item ->> 'seq') !~ '^[0-9]{1,18}$'
                   or coalesce(v_item ->> 'head', '') !~ '^[0-9a-f]{64}$' then
                    v_expected := null;
                    exit;
                end if;
                v_expected := v_expected || pg_catalog.jsonb_build_object(v_item ->> 'lane', v_item - 'lane');
            end loop;
        elsif pg_catalog.jsonb_typeof(p_expected_head) = 'object'
           and pg_catalog.jsonb_typeof(p_expected_head -> 'seq') = 'number' and (p_expected_head ->> 'seq') ~ '^[0-9]{1,18}$'
           and coalesce(p_expected_head ->> 'head', '') ~ '^[0-9a-f]{64}$' then
            v_expected := pg_catalog.jsonb_build_object('0', pg_catalog.jsonb_build_object(
                'seq', p_expected_head -> 'seq', 'head', p_expected_head -> 'head'));
        else
            v_expected := null;
        end if;
        if v_expected is null then
            raise exception using
                errcode = 'BL007',
                message = 'invalid expected_head: must be {"lanes": [{"lane", "seq", "head"}, ...]} as returned by beamline.audit_chain_head',
                detail = pg_catalog.json_build_object('argument', 'expected_head', 'reason', 'must be {"lanes": [{"lane", "seq", "head"}]}')::text;
        end if;
    end if;
    -- the first bad row, in chain order (lane, then seq): one scan of the tenant's rows
    select s.lane, s.seq, s.id,
           case when s.gap then 'missing rows' when s.bad_hash then 'bad hash' else 'bad link' end
      into v_bad_lane, v_bad_seq, v_bad_id, v_bad_reason
      from (select a.lane, a.seq, a.id,
                   a.seq is distinct from pg_catalog.lag(a.seq, 1, coalesce(c.seq, 0)) over w + 1 as gap,
                   a.row_hash is distinct from beamline_internal.audit_row_hash(a.tenant_id, a.seq, a.prev_hash, a.id,
                       a.target_type, a.policy_id, a.target_id, a.action, a.actor, a.old_data::text, a.new_data::text,
                       a.metadata::text, a."timestamp") as bad_hash,
                   a.prev_hash is distinct from pg_catalog.lag(a.row_hash, 1, coalesce(c.row_hash, c_genesis)) over w as bad_link
              from beamline.policy_audit_log a
              left join beamline_internal.audit_chain_anchors c on c.tenant_id = a.tenant_id and c.lane = a.lane
             where a.tenant_id = p_tenant
            window w as (partition by a.lane order by a.seq)) s
     where s.gap or s.bad_hash or s.bad_link
     order by s.lane, s.seq
     limit 1;
    -- each lane in use (an unused lane's head is seq 0 with no rows): its rows, recorded head,
    -- cleanup anchor and exported head
    for v_lane in
        select l.lane, r.n, r.first_seq, r.last_seq, r.last_hash,
               h.seq as head_seq, h.head_hash, c.seq as anchor_seq, c.row_hash as anchor_hash
          from (select h.lane from beamline_internal.audit_chain_heads h where h.tenant_id = p_tenant and h.seq > 0
                union select c.lane from beamline_internal.audit_chain_anchors c where c.tenant_id = p_tenant
                union select a.lane from beamline.policy_audit_log a where a.tenant_id = p_tenant
                union select k::smallint from pg_catalog.jsonb_object_keys(v_expected) k) l
          left join (select a.lane, pg_catalog.count(*) as n, pg_catalog.min(a.seq) as first_seq, pg_catalog.max(a.seq) as last_seq,
                            (pg_catalog.array_agg(a.row_hash order by a.seq desc))[1] as last_hash
                       from beamline.policy_audit_log a where a.tenant_id = p_tenant group by a.lane) r on r.lane = l.lane
          left join beamline_internal.audit_chain_heads h on h.tenant_id = p_tenant and h.lane = l.lane
          left join beamline_internal.audit_chain_anchors c on c.tenant_id = p_tenant and c.lane = l.lane
         order by l.lane
    loop
        v_start_seq := coalesce(v_lane.anchor_seq, 0);
        v_start_hash := coalesce(v_lane.anchor_hash, c_genesis);
        v_last := coalesce(v_lane.last_seq, v_start_seq);
        v_last_hash := coalesce(v_lane.last_hash, v_start_hash);
        v_checked := v_checked + coalesce(v_lane.n, 0);
        v_lane_result := pg_catalog.jsonb_build_object('lane', v_lane.lane, 'checked', coalesce(v_lane.n, 0),
            'first_seq', v_lane.first_seq, 'last_seq', v_lane.last_seq, 'head', v_last_hash, 'anchor_seq', v_start_seq);
        if v_bad_seq is null then
            -- the tail: the recorded head
            if v_lane.head_seq > v_last then
                v_bad_lane := v_lane.lane; v_bad_seq := v_lane.head_seq; v_bad_reason := 'truncated';
            elsif v_lane.head_seq is not null and (v_lane.head_seq <> v_last or v_lane.head_hash <> v_last_hash) then
                v_bad_lane := v_lane.lane; v_bad_seq := v_lane.head_seq; v_bad_reason := 'head mismatch';
            end if;
        end if;
        if v_bad_seq is null and v_expected ? v_lane.lane::text then
            -- an exported head
            v_exp_seq := (v_expected -> v_lane.lane::text ->> 'seq')::bigint;
            v_exp_hash := v_expected -> v_lane.lane::text ->> 'head';
            if v_exp_seq > v_last then
                v_bad_lane := v_lane.lane; v_bad_seq := v_exp_seq; v_bad_reason := 'truncated';
            elsif v_exp_seq < v_start_seq then
                v_exp_state := 'removed by cleanup';
            elsif (v_exp_seq = v_start_seq and v_exp_hash = v_start_hash)
                  or exists (select 1 from beamline.policy_audit_log a
                              where a.tenant_id = p_tenant and a.lane = v_lane.lane and a.seq = v_exp_seq and a.row_hash = v_exp_hash) then
                v_exp_state := 'found';
            else
                v_bad_lane := v_lane.lane; v_bad_seq := v_exp_seq; v_bad_reason := 'unexpected head';
            end if;
            if v_bad_seq is null then
                v_lane_result := v_lane_result || pg_catalog.jsonb_build_object('expected_head', v_exp_state);
                v_exp_all := case when v_exp_all = 'removed by cleanup' then v_exp_all else v_exp_state end;
            end if;
        end if;
        v_lanes := v_lanes || v_lane_result;
    end loop;
    if v_bad_seq is not null then
        return pg_catalog.jsonb_build_object('tenant', p_tenant, 'checked', v_checked, 'lanes', v_lanes,
            'ok', false, 'lane', v_bad_lane, 'seq', v_bad_seq, 'reason', v_bad_reason)
            || case when v_bad_id is null then '{}'::jsonb else pg_catalog.jsonb_build_object('id', v_bad_id) end;
    end if;
    return pg_catalog.jsonb_build_object('tenant', p_tenant, 'checked', v_checked, 'lanes', v_lanes, 'ok', true)
        || case when v_expected is null or v_expected = '{}' then '{}'::jsonb
                else pg_catalog.jsonb_build_object('expected_head', v_exp_all) end;
end;
$_$;

ALTER FUNCTION beamline_internal.audit_chain_verify(p_tenant text, p_expected_head jsonb) OWNER TO beamline_owner;

--
-- Name: FUNCTION audit_chain_verify(p_tenant text, p_expected_head jsonb); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.audit_chain_verify(p_tenant text, p_expected_head jsonb) IS 'The audit hash chain check of one tenant (every lane) without a permission check (owner only); see beamline.verify_audit_chain.';

--
-- Name: audit_check_entry(text, jsonb); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.audit_check_entry(p_where text, p_entry jsonb) RETURNS void
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $_$
declare
    v_prefix text := case when p_where = '' then '' else p_where || '.' end;
    v_key text;
    v_reason text;
    v_arg text;
begin
    if p_entry is null or pg_catalog.jsonb_typeof(p_entry) <> 'object' then
        v_arg := coalesce(nullif(p_where, ''), 'entry');
        v_reason := 'must be a JSON object';
    else
        select k into v_key from pg_catalog.jsonb_object_keys(p_entry) k
         where k not in ('action', 'target_id', 'policy_id', 'data') limit 1;
        if found then
            v_arg := v_prefix || v_key;
            v_reason := 'is not a known field (action, target_id, policy_id, data)';
        elsif pg_catalog.jsonb_typeof(p_entry -> 'action') is distinct from 'string' then
            v_arg := v_prefix || 'action';
            v_reason := 'is missing or not a string';
        elsif pg_catalog.length(p_entry ->> 'action') > 32 or (p_entry ->> 'action') !~ '^[A-Z][A-Z0-9_]*$' then
            v_arg := v_prefix || 'action';
            v_reason := 'must be an upper-case token ^[A-Z][A-Z0-9_]*$ of at most 32 characters';
        elsif pg_catalog.jsonb_typeof(p_entry -> 'data') is not null
              and pg_catalog.jsonb_typeof(p_entry -> 'data') <> 'object' then
            v_arg := v_prefix || 'data';
            v_reason := 'must be a JSON object';
        elsif pg_catalog.octet_length((p_entry -> 'data')::text) > 65536 then
            raise exception using
                errcode = 'BL009',
                message = 'audit event data is over 64 KiB',
                detail = pg_catalog.json_build_object('limit', 65536, 'value', pg_catalog.octet_length((p_entry -> 'data')::text))::text,
                hint = 'Log a reference to large payloads, not the payloads.';
        else
            foreach v_key in array array['target_id', 'policy_id'] loop
                if coalesce(pg_catalog.jsonb_typeof(p_entry -> v_key), 'null') not in ('null', 'string') then
                    raise exception using
                        errcode = 'BL007',
                        message = pg_catalog.format('invalid %s%s: must be a string or null', v_prefix, v_key),
                        detail = pg_catalog.json_build_object('argument', v_prefix || v_key, 'reason', 'must be a string or null')::text;
                elsif pg_catalog.jsonb_typeof(p_entry -> v_key) = 'string' then
                    perform beamline_internal.check_identifier(v_prefix || v_key, p_entry ->> v_key, 128);
                end if;
            end loop;
            -- the owner's document limits too (depth: a 5,000-deep event broke every reader)
            perform beamline_internal.check_document_limits(p_entry -> 'data');
            return;
        end if;
    end if;
    raise exception using
        errcode = 'BL007',
        message = pg_catalog.format('invalid %s: %s', v_arg, v_reason),
        detail = pg_catalog.json_build_object('argument', v_arg, 'reason', v_reason)::text,
        hint = 'An event is {"action": "UPPER_CASE", "target_id": id?, "policy_id": id?, "data": {...}?}.';
end;
$_$;

ALTER FUNCTION beamline_internal.audit_check_entry(p_where text, p_entry jsonb) OWNER TO beamline_owner;

--
-- Name: FUNCTION audit_check_entry(p_where text, p_entry jsonb); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.audit_check_entry(p_where text, p_entry jsonb) IS 'Validate one log_action event object; BL007 (detail argument e.g. entries[3].action) or BL009 (data over 64 KiB).';

--
-- Name: audit_json_schemas_trigger(); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.audit_json_schemas_trigger() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
declare
    v_prev jsonb;
begin
    select pg_catalog.to_jsonb(s) into v_prev from beamline.json_schemas s
     where s.name = new.name and s.tenant_id is not distinct from new.tenant_id and s.version = new.version - 1;
    insert into beamline.policy_audit_log
        (tenant_id, target_type, policy_id, target_id, action, actor, old_data, new_data, metadata)
    values (coalesce(new.tenant_id, 'global'), 'schema', null, new.name, 'REGISTER', new.created_by,
            v_prev, pg_catalog.to_jsonb(new), beamline_internal.audit_metadata());
    return null;
end;
$$;

ALTER FUNCTION beamline_internal.audit_json_schemas_trigger() OWNER TO beamline_owner;

--
-- Name: FUNCTION audit_json_schemas_trigger(); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.audit_json_schemas_trigger() IS 'AFTER INSERT row trigger of beamline.json_schemas: a REGISTER audit row (target_type schema) with the replaced and the new version.';

--
-- Name: audit_log_guard(); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.audit_log_guard() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $_$
declare
    v_context text;
    v_frames text[];
begin
    if tg_op = 'DELETE' then
        get diagnostics v_context = pg_context;
        v_frames := pg_catalog.string_to_array(v_context, E'\n');
        if pg_catalog.array_length(v_frames, 1) >= 3
           and v_frames[2] = 'SQL statement "delete from beamline.policy_audit_log a using beamline_internal.audit_chain_anchors c where c.tenant_id = a.tenant_id and c.lane = a.lane and a.seq <= c.seq and (v_all or a.tenant_id = p_tenant)"'
           and v_frames[3] ~ '^PL/pgSQL function beamline\.cleanup_old_logs\(interval,text,text\) line [0-9]+ at SQL statement$' then
            return null;
        end if;
    end if;
    raise exception using
        errcode = 'BL011',
        message = pg_catalog.format('%s on beamline.policy_audit_log is not allowed: the audit log is append-only', tg_op),
        detail = 'beamline.policy_audit_log',
        hint = 'Old audit rows are removed only by beamline.cleanup_old_logs(older_than, actor).';
end;
$_$;

ALTER FUNCTION beamline_internal.audit_log_guard() OWNER TO beamline_owner;

--
-- Name: FUNCTION audit_log_guard(); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.audit_log_guard() IS 'BEFORE statement trigger of beamline.policy_audit_log: BL011 for UPDATE / DELETE / TRUNCATE, except the DELETE of beamline.cleanup_old_logs (checked on the call stack).';

--
-- Name: audit_metadata(); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.audit_metadata() RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
declare
    v_hint text := pg_catalog.current_setting('beamline.audit_context', true);
    v_context jsonb;
    v_meta jsonb;
begin
    v_meta := pg_catalog.jsonb_build_object(
        'txid', pg_catalog.txid_current(),
        'application_name', pg_catalog.current_setting('application_name'),
        'client_addr', pg_catalog.inet_client_addr()::text,
        'client_port', pg_catalog.inet_client_port(),
        'db_user', session_user::text);
    if v_hint is not null and v_hint <> '' then
        select c.context into v_context from beamline_internal.audit_contexts c
         where c.xid = pg_catalog.pg_current_xact_id();
        if v_context is not null then
            v_meta := v_meta || pg_catalog.jsonb_build_object('context', v_context);
        end if;
    end if;
    return v_meta;
end;
$$;

ALTER FUNCTION beamline_internal.audit_metadata() OWNER TO beamline_owner;

--
-- Name: FUNCTION audit_metadata(); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.audit_metadata() IS 'Metadata of an audit row: txid, application_name, client_addr/port, db_user, and the caller context of audit_set_context (beamline_internal.audit_contexts).';

--
-- Name: audit_partition_guard(regclass); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.audit_partition_guard(p_partition regclass) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
begin
    execute pg_catalog.format('drop trigger if exists append_only on %s', p_partition);
    execute pg_catalog.format('create trigger append_only before update or delete on %s '
        'for each statement execute function beamline_internal.audit_log_guard()', p_partition);
    execute pg_catalog.format('drop trigger if exists append_only_truncate on %s', p_partition);
    execute pg_catalog.format('create trigger append_only_truncate before truncate on %s '
        'for each statement execute function beamline_internal.audit_log_guard()', p_partition);
end;
$$;

ALTER FUNCTION beamline_internal.audit_partition_guard(p_partition regclass) OWNER TO beamline_owner;

--
-- Name: FUNCTION audit_partition_guard(p_partition regclass); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.audit_partition_guard(p_partition regclass) IS 'Create the append-only guard triggers (UPDATE / DELETE / TRUNCATE) on one partition of beamline.policy_audit_log; idempotent.';

--
-- Name: audit_partitions(); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.audit_partitions() RETURNS TABLE(partition regclass, lower_bound timestamp with time zone, upper_bound timestamp with time zone, is_default boolean)
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    SET "DateStyle" TO 'ISO, YMD'
    SET "TimeZone" TO 'UTC'
    AS $_$
    select b.oid::pg_catalog.regclass,
           case when b.lo is null or b.lo = 'MINVALUE' then null else pg_catalog.btrim(b.lo, '''')::timestamptz end,
           case when b.hi is null or b.hi = 'MAXVALUE' then null else pg_catalog.btrim(b.hi, '''')::timestamptz end,
           b.bound = 'DEFAULT'
      from (select c.oid, pg_catalog.pg_get_expr(c.relpartbound, c.oid) as bound,
                   (pg_catalog.regexp_match(pg_catalog.pg_get_expr(c.relpartbound, c.oid), '^FOR VALUES FROM \((.*)\) TO \((.*)\)$'))[1] as lo,
                   (pg_catalog.regexp_match(pg_catalog.pg_get_expr(c.relpartbound, c.oid), '^FOR VALUES FROM \((.*)\) TO \((.*)\)$'))[2] as hi
              from pg_catalog.pg_inherits i
              join pg_catalog.pg_class c on c.oid = i.inhrelid
             where i.inhparent = 'beamline.policy_audit_log'::pg_catalog.regclass) b
     order by b.bound = 'DEFAULT', 3 nulls last
$_$;

ALTER FUNCTION beamline_internal.audit_partitions() OWNER TO beamline_owner;

--
-- Name: FUNCTION audit_partitions(); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.audit_partitions() IS 'Partitions of beamline.policy_audit_log with their [lower_bound, upper_bound) ranges (null = MINVALUE), default partition last.';

--
-- Name: audit_partitions_ensure(integer); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.audit_partitions_ensure(p_months_ahead integer DEFAULT 3) RETURNS jsonb
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
declare
    v_month timestamp;  -- UTC wall time of the month's first instant
    v_from timestamptz;
    v_to timestamptz;
    v_name text;
    v_created text[] := '{}';
    v_blocked text[] := '{}';
begin
    if p_months_ahead is null or p_months_ahead < 0 or p_months_ahead > 120 then
        raise exception using
            errcode = 'BL007',
            message = 'invalid months_ahead: must be between 0 and 120',
            detail = pg_catalog.json_build_object('argument', 'months_ahead', 'reason', 'must be between 0 and 120')::text;
    end if;
    for v_month in
        select pg_catalog.date_trunc('month', pg_catalog.timezone('UTC', pg_catalog.now())) + pg_catalog.make_interval(months => g)
          from pg_catalog.generate_series(0, p_months_ahead) g
    loop
        v_from := pg_catalog.timezone('UTC', v_month);
        v_to := pg_catalog.timezone('UTC', v_month + interval '1 month');
        continue when exists (select 1 from beamline_internal.audit_partitions() p
                               where not p.is_default
                                 and coalesce(p.lower_bound < v_to, true)
                                 and coalesce(p.upper_bound > v_from, true));
        v_name := 'policy_audit_log_p' || pg_catalog.to_char(v_month, 'YYYY_MM');
        if exists (select 1 from beamline_internal.policy_audit_log_default d
                    where d."timestamp" >= v_from and d."timestamp" < v_to) then
            v_blocked := v_blocked || v_name;
            continue;
        end if;
        execute pg_catalog.format(
            'create table beamline_internal.%I partition of beamline.policy_audit_log for values from (%L) to (%L)',
            v_name, v_from, v_to);
        perform beamline_internal.audit_partition_guard(pg_catalog.format('beamline_internal.%I', v_name)::pg_catalog.regclass);
        execute pg_catalog.format('comment on table beamline_internal.%I is %L', v_name,
            pg_catalog.format('Partition of beamline.policy_audit_log: the audit rows of %s (UTC).', pg_catalog.to_char(v_month, 'YYYY-MM')));
        v_created := v_created || v_name;
    end loop;
    return pg_catalog.jsonb_build_object('created', pg_catalog.to_jsonb(v_created), 'blocked', pg_catalog.to_jsonb(v_blocked));
end;
$$;

ALTER FUNCTION beamline_internal.audit_partitions_ensure(p_months_ahead integer) OWNER TO beamline_owner;

--
-- Name: FUNCTION audit_partitions_ensure(p_months_ahead integer); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.audit_partitions_ensure(p_months_ahead integer) IS 'Create the monthly partitions of beamline.policy_audit_log from the current UTC month through p_months_ahead months ahead (idempotent); returns {"created", "blocked"}.';

--
-- Name: audit_policies_trigger(); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.audit_policies_trigger() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
declare
    v_prev jsonb;
    v_intent text;
    v_action text;
begin
    if tg_op = 'INSERT' then
        if new.version = 1 then
            perform beamline_internal.audit_write(new.tenant_id, 'policy', new.policy_id, new.policy_id,
                                                  'CREATE', null, pg_catalog.to_jsonb(new));
        else
            select pg_catalog.to_jsonb(p) into v_prev from beamline.policies p
             where p.tenant_id = new.tenant_id and p.policy_id = new.policy_id and p.version = new.version - 1;
            perform beamline_internal.audit_write(new.tenant_id, 'policy', new.policy_id, new.policy_id,
                                                  'UPDATE', v_prev, pg_catalog.to_jsonb(new));
        end if;
        return null;
    elsif tg_op = 'UPDATE' then
        if old is not distinct from new then
            return null;
        end if;
        v_action := case when old.is_active and not new.is_active then 'DEACTIVATE'
                         when not old.is_active and new.is_active then 'ACTIVATE'
                         else 'UPDATE' end;
        if v_action = 'DEACTIVATE' then
            -- set by the API function right before its flip and cleared right after it (so it
            -- covers that one flip; policies__change_log reads it too)
            v_intent := pg_catalog.current_setting('beamline.audit_intent', true);
            if v_intent = 'SUPERSEDE ' || new.tenant_id || ' ' || new.policy_id then
                return null;
            elsif v_intent = 'DELETE ' || new.tenant_id || ' ' || new.policy_id then
                v_action := 'DELETE';
            end if;
        end if;
        perform beamline_internal.audit_write(new.tenant_id, 'policy', new.policy_id, new.policy_id,
                                              v_action, pg_catalog.to_jsonb(old), pg_catalog.to_jsonb(new));
        return null;
    else
        perform beamline_internal.audit_write(old.tenant_id, 'policy', old.policy_id, old.policy_id,
                                              'DELETE', pg_catalog.to_jsonb(old), null);
        return null;
    end if;
end;
$$;

ALTER FUNCTION beamline_internal.audit_policies_trigger() OWNER TO beamline_owner;

--
-- Name: FUNCTION audit_policies_trigger(); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.audit_policies_trigger() IS 'AFTER row trigger of beamline.policies: CREATE / UPDATE / ACTIVATE / DEACTIVATE / DELETE audit rows.';

--
-- Name: audit_row_hash(text, bigint, text, uuid, text, text, text, text, text, text, text, text, timestamp with time zone); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.audit_row_hash(p_tenant text, p_seq bigint, p_prev_hash text, p_id uuid, p_target_type text, p_policy_id text, p_target_id text, p_action text, p_actor text, p_old text, p_new text, p_metadata text, p_ts timestamp with time zone) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN encode(sha256(convert_to(concat('16:beamline-audit/1,', COALESCE((octet_length(p_tenant) || ':'::text), '-'::text), p_tenant, ',', COALESCE((octet_length((p_seq)::text) || ':'::text), '-'::text), p_seq, ',', COALESCE((octet_length(p_prev_hash) || ':'::text), '-'::text), p_prev_hash, ',', COALESCE(('36:'::text || p_id), '-'::text), ',', COALESCE((octet_length(p_target_type) || ':'::text), '-'::text), p_target_type, ',', COALESCE((octet_length(p_policy_id) || ':'::text), '-'::text), p_policy_id, ',', COALESCE((octet_length(p_target_id) || ':'::text), '-'::text), p_target_id, ',', COALESCE((octet_length(p_action) || ':'::text), '-'::text), p_action, ',', COALESCE((octet_length(p_actor) || ':'::text), '-'::text), p_actor, ',', COALESCE((octet_length(p_old) || ':'::text), '-'::text), p_old, ',', COALESCE((octet_length(p_new) || ':'::text), '-'::text), p_new, ',', COALESCE((octet_length(p_metadata) || ':'::text), '-'::text), p_metadata, ',', COALESCE(('27:'::text || to_char(timezone('UTC'::text, p_ts), 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'::text)), '-'::text), ','), 'UTF8'::name)), 'hex'::text);

ALTER FUNCTION beamline_internal.audit_row_hash(p_tenant text, p_seq bigint, p_prev_hash text, p_id uuid, p_target_type text, p_policy_id text, p_target_id text, p_action text, p_actor text, p_old text, p_new text, p_metadata text, p_ts timestamp with time zone) OWNER TO beamline_owner;

--
-- Name: FUNCTION audit_row_hash(p_tenant text, p_seq bigint, p_prev_hash text, p_id uuid, p_target_type text, p_policy_id text, p_target_id text, p_action text, p_actor text, p_old text, p_new text, p_metadata text, p_ts timestamp with time zone); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.audit_row_hash(p_tenant text, p_seq bigint, p_prev_hash text, p_id uuid, p_target_type text, p_policy_id text, p_target_id text, p_action text, p_actor text, p_old text, p_new text, p_metadata text, p_ts timestamp with time zone) IS 'SHA-256 (hex) of the canonical message of an audit row (version 1, netstrings), chaining it to prev_hash; old_data, new_data and metadata as their jsonb text. See docs/AUDIT.md.';

--
-- Name: audit_set_context(jsonb); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.audit_set_context(p_context jsonb) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
begin
    if p_context is null or pg_catalog.jsonb_typeof(p_context) <> 'object'
       or pg_catalog.octet_length(p_context::text) > 4096 then
        raise exception using
            errcode = 'BL007',
            message = 'invalid audit context: must be a JSON object of at most 4096 bytes',
            detail = pg_catalog.json_build_object('argument', 'context', 'reason', 'must be a JSON object of at most 4096 bytes')::text;
    end if;
    -- rows of finished transactions (below every running one) are not needed any more
    delete from beamline_internal.audit_contexts c
     where c.xid < pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot());
    insert into beamline_internal.audit_contexts (xid, context)
    values (pg_catalog.pg_current_xact_id(), p_context)
    on conflict (xid) do update set context = excluded.context;
    perform pg_catalog.set_config('beamline.audit_context', pg_catalog.pg_current_xact_id()::text, true);
end;
$$;

ALTER FUNCTION beamline_internal.audit_set_context(p_context jsonb) OWNER TO beamline_owner;

--
-- Name: FUNCTION audit_set_context(p_context jsonb); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.audit_set_context(p_context jsonb) IS 'Record caller context (JSON object, <= 4 KiB) for the audit rows of this transaction (metadata.context).';

--
-- Name: audit_set_intent(text, text, text); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.audit_set_intent(p_tenant text, p_policy_id text, p_action text) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
begin
    perform beamline_internal.check_identifier('tenant', p_tenant, 64);
    perform beamline_internal.check_identifier('policy_id', p_policy_id, 128);
    if p_action is null or p_action not in ('DELETE', 'SUPERSEDE') then
        raise exception using
            errcode = 'BL007',
            message = 'invalid audit intent: must be DELETE or SUPERSEDE',
            detail = pg_catalog.json_build_object('argument', 'action', 'reason', 'must be DELETE or SUPERSEDE')::text;
    end if;
    perform pg_catalog.set_config('beamline.audit_intent', p_action || ' ' || p_tenant || ' ' || p_policy_id, true);
end;
$$;

ALTER FUNCTION beamline_internal.audit_set_intent(p_tenant text, p_policy_id text, p_action text) OWNER TO beamline_owner;

--
-- Name: FUNCTION audit_set_intent(p_tenant text, p_policy_id text, p_action text); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.audit_set_intent(p_tenant text, p_policy_id text, p_action text) IS 'Tell the policies audit trigger that the next deactivation of (p_tenant, p_policy_id) in this transaction is a DELETE or is SUPERSEDEd by a new/rolled-back version.';

--
-- Name: audit_state_trigger(); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.audit_state_trigger() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
begin
    if tg_op = 'UPDATE' and old is not distinct from new then
        return null;
    end if;
    perform beamline_internal.audit_write('devstate', 'state', null, 'state',
        case tg_op when 'INSERT' then 'CREATE' else 'UPDATE' end,
        case tg_op when 'UPDATE' then pg_catalog.to_jsonb(old) end, pg_catalog.to_jsonb(new));
    return null;
end;
$$;

ALTER FUNCTION beamline_internal.audit_state_trigger() OWNER TO beamline_owner;

--
-- Name: FUNCTION audit_state_trigger(); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.audit_state_trigger() IS 'AFTER INSERT / UPDATE row trigger of devstate.state_current: a CREATE / UPDATE audit row (tenant devstate, target_type state) with the row before and after.';

--
-- Name: audit_tenant_quotas_trigger(); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.audit_tenant_quotas_trigger() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
begin
    if tg_op = 'INSERT' then
        perform beamline_internal.audit_write(new.tenant_id, 'quota', null, new.tenant_id, 'SET',
                                              null, pg_catalog.to_jsonb(new));
    elsif tg_op = 'UPDATE' then
        if old is distinct from new then
            perform beamline_internal.audit_write(new.tenant_id, 'quota', null, new.tenant_id, 'SET',
                                                  pg_catalog.to_jsonb(old), pg_catalog.to_jsonb(new));
        end if;
    else
        perform beamline_internal.audit_write(old.tenant_id, 'quota', null, old.tenant_id, 'DELETE',
                                              pg_catalog.to_jsonb(old), null);
    end if;
    return null;
end;
$$;

ALTER FUNCTION beamline_internal.audit_tenant_quotas_trigger() OWNER TO beamline_owner;

--
-- Name: FUNCTION audit_tenant_quotas_trigger(); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.audit_tenant_quotas_trigger() IS 'AFTER row trigger of beamline.tenant_quotas: SET / DELETE audit rows.';

--
-- Name: audit_user_roles_trigger(); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.audit_user_roles_trigger() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
begin
    if tg_op = 'INSERT' then
        perform beamline_internal.audit_write(new.tenant_id, 'role', null, new.user_id, 'ASSIGN',
                                              null, pg_catalog.to_jsonb(new));
    elsif tg_op = 'UPDATE' then
        if old is distinct from new then
            perform beamline_internal.audit_write(new.tenant_id, 'role', null, new.user_id, 'UPDATE',
                                                  pg_catalog.to_jsonb(old), pg_catalog.to_jsonb(new));
        end if;
    else
        perform beamline_internal.audit_write(old.tenant_id, 'role', null, old.user_id, 'REVOKE',
                                              pg_catalog.to_jsonb(old), null);
    end if;
    return null;
end;
$$;

ALTER FUNCTION beamline_internal.audit_user_roles_trigger() OWNER TO beamline_owner;

--
-- Name: FUNCTION audit_user_roles_trigger(); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.audit_user_roles_trigger() IS 'AFTER row trigger of beamline.user_roles: ASSIGN / UPDATE / REVOKE audit rows.';

--
-- Name: audit_write(text, text, text, text, text, jsonb, jsonb); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.audit_write(p_tenant text, p_target_type text, p_policy_id text, p_target_id text, p_action text, p_old jsonb, p_new jsonb) RETURNS void
    LANGUAGE plpgsql
    AS $$
begin
    insert into beamline.policy_audit_log
        (tenant_id, target_type, policy_id, target_id, action, actor, old_data, new_data, metadata)
    values (p_tenant, p_target_type, p_policy_id, p_target_id, p_action,
            beamline_internal.audit_actor(), p_old, p_new, beamline_internal.audit_metadata());
end;
$$;

ALTER FUNCTION beamline_internal.audit_write(p_tenant text, p_target_type text, p_policy_id text, p_target_id text, p_action text, p_old jsonb, p_new jsonb) OWNER TO beamline_owner;

--
-- Name: FUNCTION audit_write(p_tenant text, p_target_type text, p_policy_id text, p_target_id text, p_action text, p_old jsonb, p_new jsonb); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.audit_write(p_tenant text, p_target_type text, p_policy_id text, p_target_id text, p_action text, p_old jsonb, p_new jsonb) IS 'Append one row to beamline.policy_audit_log with the transaction''s actor (BL007 if none) and metadata.';

--
-- Name: change_log_policy(); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.change_log_policy() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
begin
    if tg_op = 'UPDATE' and old.is_active and not new.is_active
       and pg_catalog.current_setting('beamline.audit_intent', true)
           = 'SUPERSEDE ' || new.tenant_id || ' ' || new.policy_id then
        return null;
    end if;
    insert into beamline.change_log (kind, tenant_id, object_id, op, version)
    values ('policy', new.tenant_id, new.policy_id, pg_catalog.lower(tg_op), new.version);
    return null;
end;
$$;

ALTER FUNCTION beamline_internal.change_log_policy() OWNER TO beamline_owner;

--
-- Name: FUNCTION change_log_policy(); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.change_log_policy() IS 'Trigger function: record a change_log entry (kind policy) for each inserted or updated policy version, except the deactivation a superseding write makes (audit intent SUPERSEDE).';

--
-- Name: change_log_prune(interval); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.change_log_prune(p_keep interval DEFAULT '7 days'::interval) RETURNS bigint
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
declare
    v_max     xid8;
    v_deleted bigint;
begin
    if p_keep is null or p_keep < interval '0' then
        perform beamline_internal.policy_bad_input('keep', 'must be a non-negative interval');
    end if;
    with gone as (
        delete from beamline.change_log c
         where c.changed_at < pg_catalog.clock_timestamp() - p_keep
        returning c.xid)
    select pg_catalog.max(g.xid), pg_catalog.count(*) into v_max, v_deleted from gone g;
    if v_max is not null then
        update beamline.change_log_state s
           set pruned_below = greatest(s.pruned_below, (v_max::text::bigint + 1)::text::xid8)
         where s.id = 1;
    end if;
    return v_deleted;
end;
$$;

ALTER FUNCTION beamline_internal.change_log_prune(p_keep interval) OWNER TO beamline_owner;

--
-- Name: FUNCTION change_log_prune(p_keep interval); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.change_log_prune(p_keep interval) IS 'Owner-only: delete change_log entries older than p_keep and advance change_log_state.pruned_below.';

--
-- Name: change_log_quota(); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.change_log_quota() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
begin
    if tg_op = 'DELETE' then
        insert into beamline.change_log (kind, tenant_id, object_id, op)
        values ('quota', old.tenant_id, old.tenant_id, 'delete');
    else
        insert into beamline.change_log (kind, tenant_id, object_id, op)
        values ('quota', new.tenant_id, new.tenant_id, pg_catalog.lower(tg_op));
    end if;
    return null;
end;
$$;

ALTER FUNCTION beamline_internal.change_log_quota() OWNER TO beamline_owner;

--
-- Name: FUNCTION change_log_quota(); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.change_log_quota() IS 'Trigger function: record a change_log entry (kind quota) for each changed tenant_quotas row.';

--
-- Name: change_log_role(); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.change_log_role() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
begin
    if tg_op = 'DELETE' then
        insert into beamline.change_log (kind, tenant_id, object_id, op)
        values ('role', old.tenant_id, old.user_id, 'delete');
    else
        insert into beamline.change_log (kind, tenant_id, object_id, op)
        values ('role', new.tenant_id, new.user_id, pg_catalog.lower(tg_op));
        -- A grant moved to another user or tenant: the old key is stale too.
        if tg_op = 'UPDATE' and (old.tenant_id, old.user_id) is distinct from (new.tenant_id, new.user_id) then
            insert into beamline.change_log (kind, tenant_id, object_id, op)
            values ('role', old.tenant_id, old.user_id, 'delete');
        end if;
    end if;
    return null;
end;
$$;

ALTER FUNCTION beamline_internal.change_log_role() OWNER TO beamline_owner;

--
-- Name: FUNCTION change_log_role(); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.change_log_role() IS 'Trigger function: record a change_log entry (kind role) for each inserted, updated or deleted user_roles row.';

--
-- Name: check_document_limits(jsonb); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.check_document_limits(p_doc jsonb) RETURNS void
    LANGUAGE plpgsql STABLE PARALLEL SAFE
    AS $_$
declare
    v_max_bytes integer;
    v_max_depth integer;
    v_bytes     integer;
begin
    if p_doc is null then
        return;
    end if;
    select s.max_document_bytes, s.max_document_depth into v_max_bytes, v_max_depth
      from beamline_internal.settings s where s.id = 1;
    -- Always the JSON text, never a bound from the binary size: a jsonb number keeps its
    -- exponent, so 1e100000 is a few bytes stored and 100,001 characters of text (helper
    -- review, 2026-12-03; sql/tests/28). Serialising a typical policy costs ~1.5 us.
    v_bytes := pg_catalog.octet_length(p_doc::text);
    if v_bytes > v_max_bytes then
        raise exception using errcode = 'BL009',
            message = pg_catalog.format('document is %s bytes, over the limit of %s bytes', v_bytes, v_max_bytes),
            detail = pg_catalog.jsonb_build_object('limit', 'max_document_bytes', 'value', v_bytes, 'max', v_max_bytes)::text,
            hint = 'Make the document smaller (the owner sets the limit: beamline_admin.set_setting).';
    end if;
    -- A container at level N (the root is level 0) means depth N + 1.
    if pg_catalog.jsonb_path_exists(p_doc, pg_catalog.format(
           'strict $.**{%s} ? (@.type() == "object" || @.type() == "array")', v_max_depth)::jsonpath) then
        raise exception using errcode = 'BL009',
            message = pg_catalog.format('document is nested deeper than the limit of %s levels', v_max_depth),
            detail = pg_catalog.jsonb_build_object('limit', 'max_document_depth', 'value', v_max_depth + 1, 'max', v_max_depth)::text,
            hint = 'Flatten the document (the owner sets the limit: beamline_admin.set_setting).';
    end if;
end
$_$;

ALTER FUNCTION beamline_internal.check_document_limits(p_doc jsonb) OWNER TO beamline_owner;

--
-- Name: FUNCTION check_document_limits(p_doc jsonb); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.check_document_limits(p_doc jsonb) IS 'Raise BL009 when a document is over max_document_bytes (default 1 MiB of JSON text) or max_document_depth (default 32) of beamline_internal.settings.';

--
-- Name: check_grant_list(jsonb); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.check_grant_list(p_permissions jsonb) RETURNS jsonb
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $_$
declare
    v_bad text;
    v_reason text;
begin
    if p_permissions is null then
        v_reason := 'is null';
    elsif pg_catalog.jsonb_typeof(p_permissions) <> 'array' then
        v_reason := 'must be a JSON array of permission strings';
    elsif pg_catalog.jsonb_array_length(p_permissions) > 64 then
        v_reason := 'has more than 64 entries';
    elsif exists (select 1 from pg_catalog.jsonb_array_elements(p_permissions) e
                   where pg_catalog.jsonb_typeof(e) <> 'string') then
        v_reason := 'must contain only strings';
    else
        select e into v_bad
          from pg_catalog.jsonb_array_elements_text(p_permissions) e
         where e <> '*'
           and not exists (select 1 from beamline.permissions p
                            where p.permission = e
                               or (e ~ '^[a-z]+:\*$' and pg_catalog.split_part(p.permission, ':', 1) = pg_catalog.split_part(e, ':', 1)))
         limit 1;
        if not found then
            return coalesce((select pg_catalog.jsonb_agg(d order by d)
                               from (select distinct e as d from pg_catalog.jsonb_array_elements_text(p_permissions) e) s),
                            '[]'::jsonb);
        end if;
        v_reason := pg_catalog.format('unknown permission %s', pg_catalog.to_jsonb(v_bad)::text);
    end if;
    raise exception using
        errcode = 'BL007',
        message = 'invalid permissions: ' || v_reason,
        detail = pg_catalog.json_build_object('argument', 'permissions', 'reason', v_reason)::text,
        hint = 'Use known permissions (beamline.permissions), namespace wildcards such as policy:*, or *.';
end;
$_$;

ALTER FUNCTION beamline_internal.check_grant_list(p_permissions jsonb) OWNER TO beamline_owner;

--
-- Name: FUNCTION check_grant_list(p_permissions jsonb); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.check_grant_list(p_permissions jsonb) IS 'Validate a grant''s extra permissions (array of known permissions, ns:* wildcards or *; at most 64); BL007 otherwise. Returns them sorted and distinct.';

--
-- Name: check_identifier(text, text, integer); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.check_identifier(p_kind text, p_value text, p_max_length integer) RETURNS void
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    AS $_$
declare
    v_reason text;
begin
    if p_value is null then
        v_reason := 'is null';
    elsif p_value = '' then
        v_reason := 'is empty';
    elsif pg_catalog.length(p_value) > p_max_length then
        v_reason := pg_catalog.format('is longer than %s characters', p_max_length);
    elsif p_value !~ '^[A-Za-z0-9][A-Za-z0-9._:@+-]*$' then
        v_reason := 'must start with a letter or digit and contain only ASCII letters, digits and . _ : @ + -';
    else
        return;
    end if;
    raise exception using
        errcode = 'BL007',
        message = pg_catalog.format('invalid %s: %s', coalesce(p_kind, 'identifier'), v_reason),
        detail = pg_catalog.json_build_object('argument', p_kind, 'reason', v_reason)::text,
        hint = 'Identifiers are 1-' || p_max_length || ' characters of A-Z a-z 0-9 . _ : @ + -, starting with a letter or digit.';
end;
$_$;

ALTER FUNCTION beamline_internal.check_identifier(p_kind text, p_value text, p_max_length integer) OWNER TO beamline_owner;

--
-- Name: FUNCTION check_identifier(p_kind text, p_value text, p_max_length integer); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.check_identifier(p_kind text, p_value text, p_max_length integer) IS 'Raise BL007 (detail {"argument", "reason"}) unless p_value is a valid id of at most p_max_length characters: ^[A-Za-z0-9][A-Za-z0-9._:@+-]*$.';

--
-- Name: devstate_append(jsonb, text); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.devstate_append(p_entry jsonb, p_actor text) RETURNS text
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
declare
    v_keys jsonb := beamline_internal.devstate_keys();
    v_key_id text := v_keys ->> '';
    v_head devstate.chain_head;
    v_id bigint;
    v_ts timestamptz;
    v_metadata jsonb := p_entry -> 'metadata';
    v_canonical text := beamline_internal.devstate_canonical_json(p_entry -> 'metadata');
    v_hmac text;
begin
    perform beamline_internal.devstate_check_keys(v_keys, array[v_key_id], true);
    -- everything above runs before the lock; from here to commit appends are serialised
    select * into strict v_head from devstate.chain_head h where h.id = 1 for update;
    v_id := pg_catalog.nextval('devstate.history_entries_id_seq'::pg_catalog.regclass);
    v_ts := pg_catalog.clock_timestamp();
    v_hmac := pg_catalog.encode(beamline_ext.hmac(
        beamline_internal.devstate_entry_message(
            v_id, v_ts, p_actor, p_entry ->> 'action', p_entry ->> 'cp_from', p_entry ->> 'cp_to',
            p_entry ->> 'state_checksum', v_key_id, v_head.head_hmac,
            v_canonical),
        pg_catalog.decode(v_keys ->> v_key_id, 'hex'), 'sha256'), 'hex');
    insert into devstate.history_entries
        (id, ts, actor, action, cp_from, cp_to, state_checksum, hmac_prev, hmac, key_id, metadata)
    values (v_id, v_ts, p_actor, p_entry ->> 'action', p_entry ->> 'cp_from', p_entry ->> 'cp_to',
            p_entry ->> 'state_checksum', v_head.head_hmac, v_hmac, v_key_id, v_metadata);
    return v_hmac;
end;
$$;

ALTER FUNCTION beamline_internal.devstate_append(p_entry jsonb, p_actor text) OWNER TO beamline_owner;

--
-- Name: FUNCTION devstate_append(p_entry jsonb, p_actor text); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.devstate_append(p_entry jsonb, p_actor text) IS 'Append a checked entry to the history chain under the chain_head row lock and return its hmac (BL012 without a secret, BL025 with an unregistered, retired or wrong key).';

--
-- Name: devstate_bad_input(text, text, text); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.devstate_bad_input(p_argument text, p_reason text, p_hint text DEFAULT NULL::text) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
begin
    perform beamline_internal.policy_bad_input(p_argument, p_reason,
        coalesce(p_hint, 'See docs/DEVSTATE_MCP.md for the arguments of the DevState functions.'));
end;
$$;

ALTER FUNCTION beamline_internal.devstate_bad_input(p_argument text, p_reason text, p_hint text) OWNER TO beamline_owner;

--
-- Name: FUNCTION devstate_bad_input(p_argument text, p_reason text, p_hint text); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.devstate_bad_input(p_argument text, p_reason text, p_hint text) IS 'Raise BL007 with detail {"argument", "reason"} for a bad DevState argument.';

--
-- Name: devstate_canonical_json(jsonb); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.devstate_canonical_json(p_doc jsonb) RETURNS text
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
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

ALTER FUNCTION beamline_internal.devstate_canonical_json(p_doc jsonb) OWNER TO beamline_owner;

--
-- Name: FUNCTION devstate_canonical_json(p_doc jsonb); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.devstate_canonical_json(p_doc jsonb) IS 'Canonical JSON text of a document: object keys sorted by UTF-8 bytes, no whitespace, strings escaped as PostgreSQL/JSON, numbers in plain notation (numeric output). See docs/DEVSTATE_MCP.md.';

--
-- Name: devstate_check_entry(jsonb); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.devstate_check_entry(p_entry jsonb) RETURNS jsonb
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $_$
declare
    v_key text;
    v_field text;
begin
    if p_entry is null or pg_catalog.jsonb_typeof(p_entry) <> 'object' then
        perform beamline_internal.devstate_bad_input('entry', 'must be a JSON object');
    end if;
    for v_key in select pg_catalog.jsonb_object_keys(p_entry) loop
        if v_key not in ('action', 'cp_from', 'cp_to', 'state_checksum', 'metadata') then
            perform beamline_internal.devstate_bad_input('entry', pg_catalog.format('unknown key %s', v_key),
                'An entry has action, and optionally cp_from, cp_to, state_checksum, metadata; the actor and time are set by the database.');
        end if;
    end loop;
    if pg_catalog.jsonb_typeof(p_entry -> 'action') is distinct from 'string'
       or pg_catalog.length(p_entry ->> 'action') not between 1 and 128 then
        perform beamline_internal.devstate_bad_input('entry.action', 'must be a string of 1-128 characters');
    end if;
    foreach v_field in array array['cp_from', 'cp_to'] loop
        if coalesce(pg_catalog.jsonb_typeof(p_entry -> v_field), 'null') not in ('null', 'string')
           or pg_catalog.length(p_entry ->> v_field) > 256 then
            perform beamline_internal.devstate_bad_input('entry.' || v_field, 'must be null or a string of at most 256 characters');
        end if;
    end loop;
    if coalesce(pg_catalog.jsonb_typeof(p_entry -> 'state_checksum'), 'null') not in ('null', 'string')
       or (p_entry ->> 'state_checksum') !~ '^[0-9a-f]{64}$' then
        perform beamline_internal.devstate_bad_input('entry.state_checksum', 'must be null or 64 lowercase hex digits');
    end if;
    if coalesce(pg_catalog.jsonb_typeof(p_entry -> 'metadata'), 'null') not in ('null', 'object') then
        perform beamline_internal.devstate_bad_input('entry.metadata', 'must be a JSON object');
    end if;
    perform beamline_internal.check_document_limits(p_entry -> 'metadata');
    return pg_catalog.jsonb_build_object(
        'action', p_entry -> 'action',
        'cp_from', coalesce(p_entry -> 'cp_from', 'null'),
        'cp_to', coalesce(p_entry -> 'cp_to', 'null'),
        'state_checksum', coalesce(p_entry -> 'state_checksum', 'null'),
        'metadata', coalesce(nullif(p_entry -> 'metadata', 'null'), '{}'));
end;
$_$;

ALTER FUNCTION beamline_internal.devstate_check_entry(p_entry jsonb) OWNER TO beamline_owner;

--
-- Name: FUNCTION devstate_check_entry(p_entry jsonb); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.devstate_check_entry(p_entry jsonb) IS 'Validate a DevState history entry argument (BL007 / BL009) and return it normalised to {action, cp_from, cp_to, state_checksum, metadata}.';

--
-- Name: devstate_check_keys(jsonb, text[], boolean); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.devstate_check_keys(p_keys jsonb, p_key_ids text[], p_signing boolean) RETURNS void
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
declare
    v_bad record;
begin
    select i.key_id,
           case when k.key_id is null then 'not registered'
                when p_signing and k.retired_at is not null then 'retired'
                else 'does not match' end as reason
      into v_bad
      from pg_catalog.unnest(p_key_ids) i(key_id)
      left join beamline_internal.devstate_hmac_keys k on k.key_id = i.key_id
     where p_keys ? i.key_id
       and (k.key_id is null
            or (p_signing and k.retired_at is not null)
            or k.fingerprint <> beamline_internal.devstate_key_fingerprint(
                   pg_catalog.decode(p_keys ->> i.key_id, 'hex'), i.key_id, k.salt))
     order by i.key_id
     limit 1;
    if found then
        raise exception using
            errcode = 'BL025',
            message = pg_catalog.format('the HMAC key %s of this session is refused: %s', v_bad.key_id, v_bad.reason),
            detail = pg_catalog.json_build_object('key_id', v_bad.key_id, 'reason', v_bad.reason)::text,
            hint = case v_bad.reason
                when 'not registered' then 'The owner registers a key id once with beamline_admin.register_hmac_key() (beamline devstate register-key); see docs/DEVSTATE_MCP.md.'
                when 'retired' then 'This key id was retired: sign with the current key (BEAMLINE_HMAC_KEY_ID / BEAMLINE_HMAC_SECRET).'
                else 'BEAMLINE_HMAC_SECRET is not the secret registered for this key id.' end;
    end if;
end;
$$;

ALTER FUNCTION beamline_internal.devstate_check_keys(p_keys jsonb, p_key_ids text[], p_signing boolean) OWNER TO beamline_owner;

--
-- Name: FUNCTION devstate_check_keys(p_keys jsonb, p_key_ids text[], p_signing boolean); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.devstate_check_keys(p_keys jsonb, p_key_ids text[], p_signing boolean) IS 'BL025 {"key_id", "reason"} unless the session''s key for each id matches its registered fingerprint (and, when signing, is not retired).';

--
-- Name: devstate_entry_message(bigint, timestamp with time zone, text, text, text, text, text, text, text, text); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.devstate_entry_message(p_id bigint, p_ts timestamp with time zone, p_actor text, p_action text, p_cp_from text, p_cp_to text, p_state_checksum text, p_key_id text, p_hmac_prev text, p_metadata_canonical text) RETURNS bytea
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN convert_to(((((((((((((((((((((((((((((((((('25:beamline-devstate-entry/1,'::text || (octet_length((p_id)::text))::text) || ':'::text) || (p_id)::text) || ','::text) || '27:'::text) || to_char(timezone('UTC'::text, p_ts), 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'::text)) || ','::text) || (octet_length(p_actor))::text) || ':'::text) || p_actor) || ','::text) || (octet_length(p_action))::text) || ':'::text) || p_action) || ','::text) || COALESCE((((octet_length(p_cp_from))::text || ':'::text) || p_cp_from), '-'::text)) || ','::text) || COALESCE((((octet_length(p_cp_to))::text || ':'::text) || p_cp_to), '-'::text)) || ','::text) || COALESCE((((octet_length(p_state_checksum))::text || ':'::text) || p_state_checksum), '-'::text)) || ','::text) || (octet_length(p_key_id))::text) || ':'::text) || p_key_id) || ','::text) || (octet_length(p_hmac_prev))::text) || ':'::text) || p_hmac_prev) || ','::text) || (octet_length(p_metadata_canonical))::text) || ':'::text) || p_metadata_canonical) || ','::text), 'UTF8'::name);

ALTER FUNCTION beamline_internal.devstate_entry_message(p_id bigint, p_ts timestamp with time zone, p_actor text, p_action text, p_cp_from text, p_cp_to text, p_state_checksum text, p_key_id text, p_hmac_prev text, p_metadata_canonical text) OWNER TO beamline_owner;

--
-- Name: FUNCTION devstate_entry_message(p_id bigint, p_ts timestamp with time zone, p_actor text, p_action text, p_cp_from text, p_cp_to text, p_state_checksum text, p_key_id text, p_hmac_prev text, p_metadata_canonical text); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.devstate_entry_message(p_id bigint, p_ts timestamp with time zone, p_actor text, p_action text, p_cp_from text, p_cp_to text, p_state_checksum text, p_key_id text, p_hmac_prev text, p_metadata_canonical text) IS 'The canonical message of a history entry (netstrings, UTF-8) that its HMAC-SHA256 covers; see docs/DEVSTATE_MCP.md.';

--
-- Name: devstate_history_guard(); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.devstate_history_guard() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
begin
    raise exception using
        errcode = 'BL011',
        message = pg_catalog.format('%s on devstate.history_entries is not allowed: the history is append-only', tg_op),
        detail = 'devstate.history_entries',
        hint = 'Add entries with devstate.append_history; the chain cannot be edited.';
end;
$$;

ALTER FUNCTION beamline_internal.devstate_history_guard() OWNER TO beamline_owner;

--
-- Name: FUNCTION devstate_history_guard(); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.devstate_history_guard() IS 'BEFORE statement trigger of devstate.history_entries: BL011 for UPDATE / DELETE / TRUNCATE.';

--
-- Name: devstate_history_link(); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.devstate_history_link() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
declare
    v_head devstate.chain_head;
    v_bad_id bigint;
    v_reason text;
    v_count bigint;
    v_last_id bigint;
    v_last_hmac text;
begin
    select * into strict v_head from devstate.chain_head h where h.id = 1 for update;
    select pg_catalog.count(*), pg_catalog.max(n.id) into v_count, v_last_id from new_rows n;
    if v_count = 0 then
        return null;
    end if;
    if v_count = 1 then  -- the common case (append_history): no window needed
        select n.id, case when n.id <= v_head.head_id then 'id not after head'
                          when n.hmac_prev <> v_head.head_hmac then 'bad link' end,
               n.hmac
          into v_bad_id, v_reason, v_last_hmac from new_rows n;
    else
        select s.id, s.reason into v_bad_id, v_reason
          from (select n.id,
                       case when n.id <= v_head.head_id then 'id not after head'
                            when n.hmac_prev <> pg_catalog.lag(n.hmac, 1, v_head.head_hmac) over (order by n.id) then 'bad link'
                       end as reason
                  from new_rows n) s
         where s.reason is not null
         order by s.id
         limit 1;
        select n.hmac into v_last_hmac from new_rows n where n.id = v_last_id;
    end if;
    if v_reason is not null then
        raise exception using
            errcode = 'BL008',
            message = pg_catalog.format('history entry %s does not extend the chain (%s)', v_bad_id, v_reason),
            detail = pg_catalog.json_build_object('id', v_bad_id, 'reason', v_reason)::text,
            hint = 'Append with devstate.append_history, which links the entry to the head.';
    end if;
    update devstate.chain_head h
       set head_id = v_last_id, head_hmac = v_last_hmac, entries = h.entries + v_count,
           updated_at = pg_catalog.now()
     where h.id = 1;
    return null;
end;
$$;

ALTER FUNCTION beamline_internal.devstate_history_link() OWNER TO beamline_owner;

--
-- Name: FUNCTION devstate_history_link(); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.devstate_history_link() IS 'AFTER INSERT statement trigger of devstate.history_entries: BL008 unless the new rows extend the chain from devstate.chain_head in id order; then advances the head.';

--
-- Name: devstate_history_no_fork(); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.devstate_history_no_fork() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
begin
    if exists (select 1 from devstate.history_entries e where e.hmac_prev = new.hmac_prev) then
        raise exception using
            errcode = 'BL008',
            message = pg_catalog.format('history entry %s would fork the chain: its predecessor already has a successor', new.id),
            detail = pg_catalog.json_build_object('id', new.id, 'reason', 'fork')::text,
            hint = 'Append with devstate.append_history, which links the entry to the head.';
    end if;
    return new;
end;
$$;

ALTER FUNCTION beamline_internal.devstate_history_no_fork() OWNER TO beamline_owner;

--
-- Name: FUNCTION devstate_history_no_fork(); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.devstate_history_no_fork() IS 'BEFORE INSERT row trigger of devstate.history_entries: BL008 (reason fork) when hmac_prev already has a successor.';

--
-- Name: devstate_import_rows(jsonb); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.devstate_import_rows(p_entries jsonb) RETURNS TABLE(ord bigint, id bigint, ts timestamp with time zone, actor text, action text, cp_from text, cp_to text, state_checksum text, key_id text, hmac_prev text, hmac text, metadata jsonb)
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
    select r.ord, (r.e ->> 'id')::bigint, (r.e ->> 'ts')::timestamptz, r.e ->> 'actor', r.e ->> 'action',
           r.e ->> 'cp_from', r.e ->> 'cp_to', r.e ->> 'state_checksum', r.e ->> 'key_id',
           r.e ->> 'hmac_prev', r.e ->> 'hmac', r.e -> 'metadata'
      from pg_catalog.jsonb_array_elements(p_entries) with ordinality r(e, ord);
$$;

ALTER FUNCTION beamline_internal.devstate_import_rows(p_entries jsonb) OWNER TO beamline_owner;

--
-- Name: FUNCTION devstate_import_rows(p_entries jsonb); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.devstate_import_rows(p_entries jsonb) IS 'The entries of a DevState import batch as typed rows, in order (used by devstate.import_entries).';

--
-- Name: devstate_initial_state(); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.devstate_initial_state() RETURNS jsonb
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog', 'pg_temp'
    RETURN '{"version": 1, "checkpoints": {}, "current_checkpoint": null}'::jsonb;

ALTER FUNCTION beamline_internal.devstate_initial_state() OWNER TO beamline_owner;

--
-- Name: FUNCTION devstate_initial_state(); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.devstate_initial_state() IS 'The initial DevState document {"version": 1, "current_checkpoint": null, "checkpoints": {}}.';

--
-- Name: devstate_key_fingerprint(bytea, text, bytea); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.devstate_key_fingerprint(p_key bytea, p_key_id text, p_salt bytea) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path TO 'pg_catalog', 'pg_temp'
    RETURN encode(beamline_ext.hmac(convert_to(((('beamline-devstate-key-fingerprint/1,'::text || p_key_id) || ','::text) || encode(p_salt, 'hex'::text)), 'UTF8'::name), p_key, 'sha256'::text), 'hex'::text);

ALTER FUNCTION beamline_internal.devstate_key_fingerprint(p_key bytea, p_key_id text, p_salt bytea) OWNER TO beamline_owner;

--
-- Name: FUNCTION devstate_key_fingerprint(p_key bytea, p_key_id text, p_salt bytea); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.devstate_key_fingerprint(p_key bytea, p_key_id text, p_salt bytea) IS 'Salted HMAC-SHA256 fingerprint of a DevState HMAC key (see beamline_internal.devstate_hmac_keys).';

--
-- Name: devstate_keys(); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.devstate_keys() RETURNS jsonb
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
declare
    v_secret text := pg_catalog.current_setting('beamline.hmac_secret', true);
    v_key_id text := coalesce(nullif(pg_catalog.current_setting('beamline.hmac_key_id', true), ''), 'k1');
    v_previous text := pg_catalog.current_setting('beamline.hmac_previous_keys', true);
    v_keys jsonb := '{}';
    v_pair text;
begin
    if v_secret is null or v_secret = '' then
        raise exception using
            errcode = 'BL012',
            message = 'the HMAC secret was not provided to this session',
            hint = 'Set BEAMLINE_HMAC_SECRET in the client''s environment (beamline passes it in the connection''s startup options; psql users: PGOPTIONS=''-c beamline.hmac_secret=...''). Never SET it in SQL: statements are logged.';
    end if;
    if v_previous is not null and v_previous <> '' then
        foreach v_pair in array pg_catalog.string_to_array(v_previous, ';') loop
            if pg_catalog.strpos(v_pair, ':') > 1 then
                v_keys := v_keys || pg_catalog.jsonb_build_object(
                    pg_catalog.split_part(v_pair, ':', 1),
                    pg_catalog.encode(pg_catalog.convert_to(pg_catalog.substr(v_pair, pg_catalog.strpos(v_pair, ':') + 1), 'UTF8'), 'hex'));
            end if;
        end loop;
    end if;
    -- the current key wins over a retired key of the same id
    return v_keys || pg_catalog.jsonb_build_object(
        v_key_id, pg_catalog.encode(pg_catalog.convert_to(v_secret, 'UTF8'), 'hex'),
        '', v_key_id);
end;
$$;

ALTER FUNCTION beamline_internal.devstate_keys() OWNER TO beamline_owner;

--
-- Name: FUNCTION devstate_keys(); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.devstate_keys() IS 'The session''s HMAC keys {key_id: hex key} from beamline.hmac_secret / hmac_key_id / hmac_previous_keys, with the current key id under the empty key ""; BL012 when no secret.';

--
-- Name: devstate_state_checksum(jsonb); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.devstate_state_checksum(p_doc jsonb) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path TO 'pg_catalog', 'pg_temp'
    RETURN encode(sha256(convert_to(beamline_internal.devstate_canonical_json(p_doc), 'UTF8'::name)), 'hex'::text);

ALTER FUNCTION beamline_internal.devstate_state_checksum(p_doc jsonb) OWNER TO beamline_owner;

--
-- Name: FUNCTION devstate_state_checksum(p_doc jsonb); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.devstate_state_checksum(p_doc jsonb) IS 'SHA-256 (hex) of the canonical JSON of a DevState document, UTF-8 encoded.';

--
-- Name: devstate_verify_hmacs(bigint, bigint, jsonb); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.devstate_verify_hmacs(p_from bigint, p_to bigint, p_keys jsonb) RETURNS TABLE(checked bigint, first_id bigint, last_id bigint, bad_id bigint)
    LANGUAGE sql STABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
    select pg_catalog.count(*), pg_catalog.min(e.id), pg_catalog.max(e.id),
           pg_catalog.min(e.id) filter (where e.metadata::text is distinct from e.metadata_canonical::jsonb::text
                                          or e.hmac is distinct from pg_catalog.encode(beamline_ext.hmac(
               beamline_internal.devstate_entry_message(e.id, e.ts, e.actor, e.action, e.cp_from, e.cp_to,
                   e.state_checksum, e.key_id, e.hmac_prev, e.metadata_canonical),
               pg_catalog.decode(p_keys ->> e.key_id, 'hex'), 'sha256'), 'hex'))
      from devstate.history_entries e
     where (p_from is null or e.id >= p_from) and (p_to is null or e.id <= p_to)
$$;

ALTER FUNCTION beamline_internal.devstate_verify_hmacs(p_from bigint, p_to bigint, p_keys jsonb) OWNER TO beamline_owner;

--
-- Name: FUNCTION devstate_verify_hmacs(p_from bigint, p_to bigint, p_keys jsonb); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.devstate_verify_hmacs(p_from bigint, p_to bigint, p_keys jsonb) IS 'Count, first / last id and the first id with a wrong hmac (or metadata that is not its signed canonical text) among entries p_from..p_to, under the keys {key_id: hex}; parallel-safe aggregate used by verify_hmac_chain.';

--
-- Name: has_permission(text, text, text); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.has_permission(p_tenant text, p_user text, p_permission text) RETURNS TABLE(allowed boolean)
    LANGUAGE sql STABLE ROWS 1 PARALLEL SAFE
    AS $$
    select case
             when not exists (select 1 from beamline.permissions k where k.permission = p_permission) then null
             else exists (
                 select 1
                   from beamline.user_roles ur
                  where ur.tenant_id = p_tenant
                    and ur.user_id = p_user
                    and (ur.expires_at is null or ur.expires_at > pg_catalog.statement_timestamp())
                    and (ur.permissions ?| array[p_permission, pg_catalog.split_part(p_permission, ':', 1) || ':*', '*']
                         or exists (select 1
                                      from beamline.role_permissions rp
                                     where rp.role = ur.role
                                       and rp.permission in (p_permission, pg_catalog.split_part(p_permission, ':', 1) || ':*', '*'))))
           end
$$;

ALTER FUNCTION beamline_internal.has_permission(p_tenant text, p_user text, p_permission text) OWNER TO beamline_owner;

--
-- Name: FUNCTION has_permission(p_tenant text, p_user text, p_permission text); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.has_permission(p_tenant text, p_user text, p_permission text) IS 'True if p_user holds p_permission in p_tenant (role grant or extra permission, wildcards policy:* and *, not expired); NULL if p_permission is unknown. One row; no id checks; inlined into callers.';

--
-- Name: jsonschema_ann_merge(jsonb, jsonb); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.jsonschema_ann_merge(p_a jsonb, p_b jsonb) RETURNS jsonb
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    select case when p_a is null then p_b when p_b is null then p_a
        else pg_catalog.jsonb_build_object(
            'p', coalesce(p_a -> 'p', '{}'::jsonb) || coalesce(p_b -> 'p', '{}'::jsonb),
            'i', greatest(coalesce((p_a ->> 'i')::integer, 0), coalesce((p_b ->> 'i')::integer, 0)),
            'c', coalesce(p_a -> 'c', '{}'::jsonb) || coalesce(p_b -> 'c', '{}'::jsonb)) end
$$;

ALTER FUNCTION beamline_internal.jsonschema_ann_merge(p_a jsonb, p_b jsonb) OWNER TO beamline_owner;

--
-- Name: FUNCTION jsonschema_ann_merge(p_a jsonb, p_b jsonb); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.jsonschema_ann_merge(p_a jsonb, p_b jsonb) IS 'Union of two evaluated-members/items annotation sets of the JSON Schema engine.';

--
-- Name: jsonschema_budget(text); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.jsonschema_budget(p_kind text DEFAULT 'call'::text) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
    select case p_kind when 'call' then 100000 when 'node' then 5000 end
$$;

ALTER FUNCTION beamline_internal.jsonschema_budget(p_kind text) OWNER TO beamline_owner;

--
-- Name: FUNCTION jsonschema_budget(p_kind text); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.jsonschema_budget(p_kind text) IS 'JSON Schema engine work budgets: ''call'' = subschema applications per validation (BL040 beyond), ''node'' = largest per-node cost a registered schema may have.';

--
-- Name: jsonschema_check_node(jsonb, jsonb, text, text[]); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.jsonschema_check_node(p_root jsonb, p_schema jsonb, p_path text, INOUT p_refs text[], OUT p_problems jsonb) RETURNS record
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $_$
declare
    v_key   text;
    v_val   jsonb;
    v_el    jsonb;
    v_sub   record;
    v_kpath text;
    v_msg   text;
    v_i     integer;
    c_types constant text[] := '{null,boolean,object,array,number,string,integer}';
    c_max_pattern constant integer := 1000;
begin
    p_problems := '[]'::jsonb;
    if pg_catalog.jsonb_typeof(p_schema) = 'boolean' then
        return;
    end if;
    if pg_catalog.jsonb_typeof(p_schema) is distinct from 'object' then
        p_problems := pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
            'path', p_path, 'keyword', '', 'message', 'a schema must be an object or a boolean'));
        return;
    end if;
    for v_key, v_val in select e.key, e.value from pg_catalog.jsonb_each(p_schema) as e loop
        v_kpath := p_path || '/' || pg_catalog.replace(pg_catalog.replace(v_key, '~', '~0'), '/', '~1');
        v_msg := null;
        case
        -- keywords holding one subschema
        when v_key in ('additionalProperties', 'propertyNames', 'items', 'contains', 'not', 'if', 'then', 'else',
                       'unevaluatedItems', 'unevaluatedProperties', 'contentSchema') then
            select * into v_sub from beamline_internal.jsonschema_check_node(p_root, v_val, v_kpath, p_refs);
            p_refs := v_sub.p_refs;
            p_problems := p_problems || v_sub.p_problems;
        -- keywords holding a non-empty array of subschemas
        when v_key in ('prefixItems', 'allOf', 'anyOf', 'oneOf') then
            if pg_catalog.jsonb_typeof(v_val) <> 'array' or pg_catalog.jsonb_array_length(v_val) = 0 then
                v_msg := 'must be a non-empty array of schemas';
            else
                for v_i in 0 .. pg_catalog.jsonb_array_length(v_val) - 1 loop
                    select * into v_sub from beamline_internal.jsonschema_check_node(
                        p_root, v_val -> v_i, v_kpath || '/' || v_i, p_refs);
                    p_refs := v_sub.p_refs;
                    p_problems := p_problems || v_sub.p_problems;
                end loop;
            end if;
        -- keywords holding an object of subschemas
        when v_key in ('properties', 'patternProperties', '$defs', 'dependentSchemas') then
            if pg_catalog.jsonb_typeof(v_val) <> 'object' then
                v_msg := 'must be an object of schemas';
            else
                for v_el in select pg_catalog.to_jsonb(e.key) from pg_catalog.jsonb_each(v_val) as e loop
                    if v_key = 'patternProperties' then
                        v_msg := beamline_internal.jsonschema_check_pattern(beamline_internal.jsonschema_regex(v_el #>> '{}'), c_max_pattern);
                        if v_msg is not null then
                            p_problems := p_problems || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                                'path', v_kpath, 'keyword', v_key,
                                'message', pg_catalog.format('pattern %s: %s', v_el, v_msg)));
                            v_msg := null;
                        end if;
                    end if;
                    select * into v_sub from beamline_internal.jsonschema_check_node(
                        p_root, v_val -> (v_el #>> '{}'),
                        v_kpath || '/' || pg_catalog.replace(pg_catalog.replace(v_el #>> '{}', '~', '~0'), '/', '~1'),
                        p_refs);
                    p_refs := v_sub.p_refs;
                    p_problems := p_problems || v_sub.p_problems;
                end loop;
            end if;
        when v_key = 'type' then
            if pg_catalog.jsonb_typeof(v_val) = 'string' then
                if not (v_val #>> '{}') = any (c_types) then
                    v_msg := pg_catalog.format('unknown type %s', v_val);
                end if;
            elsif pg_catalog.jsonb_typeof(v_val) = 'array' and pg_catalog.jsonb_array_length(v_val) > 0 then
                if exists (select 1 from pg_catalog.jsonb_array_elements(v_val) as t(v)
                            where pg_catalog.jsonb_typeof(t.v) <> 'string' or not (t.v #>> '{}') = any (c_types))
                   or (select pg_catalog.count(distinct t.v) from pg_catalog.jsonb_array_elements(v_val) as t(v))
                      <> pg_catalog.jsonb_array_length(v_val) then
                    v_msg := 'must list distinct known types';
                end if;
            else
                v_msg := 'must be a type name or a non-empty array of type names';
            end if;
        when v_key = 'enum' then
            if pg_catalog.jsonb_typeof(v_val) <> 'array' then
                v_msg := 'must be an array';
            end if;
        when v_key in ('const', 'default', 'examples', '$comment', 'title', 'description',
                       'deprecated', 'readOnly', 'writeOnly') then
            null;  -- annotations and const: any value
        when v_key in ('required') then
            if pg_catalog.jsonb_typeof(v_val) <> 'array'
               or exists (select 1 from pg_catalog.jsonb_array_elements(v_val) as t(v) where pg_catalog.jsonb_typeof(t.v) <> 'string')
               or (select pg_catalog.count(distinct t.v) from pg_catalog.jsonb_array_elements(v_val) as t(v))
                  <> pg_catalog.jsonb_array_length(v_val) then
                v_msg := 'must be an array of distinct strings';
            end if;
        when v_key = 'dependentRequired' then
            if pg_catalog.jsonb_typeof(v_val) <> 'object'
               or exists (select 1 from pg_catalog.jsonb_each(v_val) as d
                           where pg_catalog.jsonb_typeof(d.value) <> 'array'
                              or exists (select 1 from pg_catalog.jsonb_array_elements(d.value) as t(v)
                                          where pg_catalog.jsonb_typeof(t.v) <> 'string')) then
                v_msg := 'must be an object of arrays of strings';
            end if;
        when v_key in ('minProperties', 'maxProperties', 'minItems', 'maxItems', 'minLength', 'maxLength',
                       'minContains', 'maxContains') then
            if pg_catalog.jsonb_typeof(v_val) <> 'number' or (v_val::numeric) < 0
               or (v_val::numeric) <> pg_catalog.trunc(v_val::numeric) then
                v_msg := 'must be a non-negative integer';
            end if;
        when v_key in ('minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum') then
            if pg_catalog.jsonb_typeof(v_val) <> 'number' then
                v_msg := 'must be a number';
            end if;
        when v_key = 'multipleOf' then
            if pg_catalog.jsonb_typeof(v_val) <> 'number' or (v_val::numeric) <= 0 then
                v_msg := 'must be a number greater than 0';
            end if;
        when v_key = 'uniqueItems' then
            if pg_catalog.jsonb_typeof(v_val) <> 'boolean' then
                v_msg := 'must be a boolean';
            end if;
        when v_key = 'pattern' then
            if pg_catalog.jsonb_typeof(v_val) <> 'string' then
                v_msg := 'must be a string';
            else
                v_msg := beamline_internal.jsonschema_check_pattern(beamline_internal.jsonschema_regex(v_val #>> '{}'), c_max_pattern);
            end if;
        when v_key = 'format' then
            if pg_catalog.jsonb_typeof(v_val) <> 'string' then
                v_msg := 'must be a string';
            end if;
        when v_key in ('$ref', '$dynamicRef') then
            if pg_catalog.jsonb_typeof(v_val) <> 'string' then
                v_msg := 'must be a string (a URI reference)';
            end if;
        when v_key in ('$anchor', '$dynamicAnchor') then
            if pg_catalog.jsonb_typeof(v_val) <> 'string'
               or not ((v_val #>> '{}') operator(pg_catalog.~) '^[A-Za-z_][-A-Za-z0-9._]*$') then
                v_msg := 'must be a plain name (a letter or "_", then letters, digits, "-", "_", ".")';
            end if;
        when v_key = '$schema' then
            if pg_catalog.jsonb_typeof(v_val) <> 'string' then
                v_msg := 'must be a string (a meta-schema URI)';
            end if;
        when v_key = '$id' then
            if pg_catalog.jsonb_typeof(v_val) <> 'string' then
                v_msg := 'must be a string';
            elsif (v_val #>> '{}') operator(pg_catalog.~) '#.' then
                v_msg := 'must not have a fragment (use $anchor)';
            end if;
        when v_key = '$vocabulary' then
            if pg_catalog.jsonb_typeof(v_val) <> 'object'
               or exists (select 1 from pg_catalog.jsonb_each(v_val) as d where pg_catalog.jsonb_typeof(d.value) <> 'boolean') then
                v_msg := 'must be an object of booleans';
            end if;
        when v_key in ('contentEncoding', 'contentMediaType') then
            if pg_catalog.jsonb_typeof(v_val) <> 'string' then
                v_msg := 'must be a string';
            end if;
        when v_key = 'x-beamline-format-assertion' then
            if pg_catalog.jsonb_typeof(v_val) <> 'boolean' then
                v_msg := 'must be a boolean';
            elsif p_path <> '' then
                v_msg := 'allowed only at the root';
            end if;
        else
            v_msg := 'unsupported keyword';
        end case;
        if v_msg is not null then
            p_problems := p_problems || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                'path', v_kpath, 'keyword', v_key, 'message', v_msg));
        end if;
    end loop;
end
$_$;

ALTER FUNCTION beamline_internal.jsonschema_check_node(p_root jsonb, p_schema jsonb, p_path text, INOUT p_refs text[], OUT p_problems jsonb) OWNER TO beamline_owner;

--
-- Name: FUNCTION jsonschema_check_node(p_root jsonb, p_schema jsonb, p_path text, INOUT p_refs text[], OUT p_problems jsonb); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.jsonschema_check_node(p_root jsonb, p_schema jsonb, p_path text, INOUT p_refs text[], OUT p_problems jsonb) IS 'Problems of one JSON (sub)schema (unsupported keyword, bad value, bad pattern, unresolvable $ref) and the $refs it uses.';

--
-- Name: jsonschema_check_pattern(text, integer); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.jsonschema_check_pattern(p_pattern text, p_max_length integer) RETURNS text
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
begin
    if pg_catalog.char_length(p_pattern) > p_max_length then
        return pg_catalog.format('longer than %s characters', p_max_length);
    end if;
    perform '' operator(pg_catalog.~) p_pattern;
    return null;
exception
    when invalid_regular_expression or program_limit_exceeded then
        return 'not a valid regular expression: ' || sqlerrm;
end
$$;

ALTER FUNCTION beamline_internal.jsonschema_check_pattern(p_pattern text, p_max_length integer) OWNER TO beamline_owner;

--
-- Name: FUNCTION jsonschema_check_pattern(p_pattern text, p_max_length integer); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.jsonschema_check_pattern(p_pattern text, p_max_length integer) IS 'NULL when the regular expression is usable as a JSON Schema pattern (length cap, compiles), else the reason.';

--
-- Name: jsonschema_check_schema(jsonb); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.jsonschema_check_schema(p_schema jsonb) RETURNS jsonb
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $_$
declare
    v_res    record;
    c_max_bytes constant integer := 262144;
    c_max_depth constant integer := 128;
begin
    if p_schema is null then
        return '{"problems": [{"path": "", "keyword": "", "message": "the schema is null"}]}'::jsonb;
    end if;
    if pg_catalog.octet_length(p_schema::text) > c_max_bytes then
        return pg_catalog.jsonb_build_object('problems', pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
            'path', '', 'keyword', '', 'message', pg_catalog.format('the schema is larger than %s bytes', c_max_bytes))));
    end if;
    -- the checker and the engine recurse once per nesting level: bound it well below the
    -- server's stack limit (a 500-deep "not" chain overflowed it, SQLSTATE 54001)
    if pg_catalog.jsonb_path_exists(p_schema, pg_catalog.format(
           'strict $.**{%s} ? (@.type() == "object" || @.type() == "array")', c_max_depth)::jsonpath) then
        return pg_catalog.jsonb_build_object('problems', pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
            'path', '', 'keyword', '', 'message', pg_catalog.format('the schema is nested deeper than %s levels', c_max_depth))));
    end if;
    select * into v_res from beamline_internal.jsonschema_check_node(p_schema, p_schema, '', '{}'::text[]);
    if v_res.p_problems <> '[]'::jsonb then
        return pg_catalog.jsonb_build_object('problems', v_res.p_problems);
    end if;
    return beamline_internal.jsonschema_prepare(p_schema);
end
$_$;

ALTER FUNCTION beamline_internal.jsonschema_check_schema(p_schema jsonb) OWNER TO beamline_owner;

--
-- Name: FUNCTION jsonschema_check_schema(p_schema jsonb); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.jsonschema_check_schema(p_schema jsonb) IS 'Check and prepare a JSON Schema: {"problems": [...]} (unsupported keywords, malformed values, bad patterns, unresolvable or cycling references), else the prepared form with problems [].';

--
-- Name: jsonschema_compile(jsonb, jsonb); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.jsonschema_compile(p_root jsonb, p_ctx jsonb) RETURNS jsonb
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $_$
declare
    v_res record;
begin
    if pg_catalog.getdatabaseencoding() <> 'UTF8' or p_ctx ?| '{u,dyn}'::text[] then
        return null;
    end if;
    -- jsonpath evaluation has no work budget: a schema with many regular expressions (each
    -- match may recompile once PostgreSQL's 32-entry regex cache is exceeded) gets no fast
    -- path, so its documents go through the engine, which counts every pattern it tries
    if (select pg_catalog.count(*) from pg_catalog.jsonb_path_query(p_root, 'strict $.**.pattern') as t(v)
         where pg_catalog.jsonb_typeof(t.v) = 'string')
       + (select pg_catalog.count(*) from pg_catalog.jsonb_path_query(p_root, 'strict $.**.patternProperties.keyvalue()')) > 16 then
        return null;
    end if;
    select * into v_res from beamline_internal.jsonschema_compile_node(p_root, p_root -> '0', '$', '{}', p_ctx ? 'f', '[]'::jsonb, 5000);
    if v_res.p_pred is null then
        return null;
    end if;
    -- parse once here, so that a predicate that does not parse means "no fast path", not an error
    perform ('strict exists($ ? (' || coalesce(nullif(v_res.p_pred, ''), '@.type() != "none"') || '))')::jsonpath;
    perform ('strict ' || (c.value ->> 'path'))::jsonpath from pg_catalog.jsonb_array_elements(v_res.p_checks) as c;
    return pg_catalog.jsonb_build_object(
        'predicate', 'strict exists($ ? (' || coalesce(nullif(v_res.p_pred, ''), '@.type() != "none"') || '))',
        'checks', (select coalesce(pg_catalog.jsonb_agg(c.value || pg_catalog.jsonb_build_object(
                          'path', 'strict ' || (c.value ->> 'path'))), '[]'::jsonb)
                     from pg_catalog.jsonb_array_elements(v_res.p_checks) as c));
exception
    when syntax_error or program_limit_exceeded or invalid_regular_expression then
        return null;
end
$_$;

ALTER FUNCTION beamline_internal.jsonschema_compile(p_root jsonb, p_ctx jsonb) OWNER TO beamline_owner;

--
-- Name: FUNCTION jsonschema_compile(p_root jsonb, p_ctx jsonb); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.jsonschema_compile(p_root jsonb, p_ctx jsonb) IS 'Fast path of a checked JSON Schema: {"predicate": strict jsonpath, "checks": [{"path", "schema"}]}, NULL when it cannot be expressed exactly.';

--
-- Name: jsonschema_compile_node(jsonb, jsonb, text, text[], boolean, jsonb, integer); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.jsonschema_compile_node(p_root jsonb, p_schema jsonb, p_path text, p_refs text[], p_fmt boolean, INOUT p_checks jsonb, INOUT p_budget integer, OUT p_pred text) RETURNS record
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $_$
declare
    v_terms  text[] := '{}';
    v_grp    text[];
    v_alts   text[];
    v_kv     text[];
    v_known  text[];
    v_sub    record;
    v_kw     jsonb;
    v_el     jsonb;
    v_key    text;
    v_q      text;
    v_t      text;
    v_i      integer;
    v_j      integer;
    v_n      integer;
    v_opaque boolean := false;
    c_true   constant text := '';
    c_false  constant text := '(@.type() == "none")';
    c_max_len constant integer := 4080;     -- longest length bound compiled into a regex (16 x 255)
    c_max_pred constant integer := 200000;  -- give up on larger predicates
begin
    -- a work bound: $ref targets are expanded inline, so a schema that shares subschemas through
    -- many references (an anyOf chain) would otherwise compile in exponential time
    p_budget := p_budget - 1;
    if p_budget < 0 then
        p_pred := null;
        return;
    end if;
    -- keywords the predicate does not express at all: no fast path (the engine always runs)
    if p_schema ?| '{$dynamicRef,dependentSchemas,unevaluatedItems,unevaluatedProperties}'::text[] then
        p_pred := null;
        return;
    end if;
    if pg_catalog.jsonb_typeof(p_schema) = 'boolean' then
        p_pred := case when p_schema = 'true'::jsonb then c_true else c_false end;
        return;
    end if;

    -- Opaque subschemas: keywords the predicate cannot express exactly.
    v_opaque := p_schema ?| '{minProperties,maxProperties,minContains,maxContains}'::text[]
        or p_schema -> 'uniqueItems' = 'true'::jsonb
        or (p_fmt and (p_schema ->> 'format') in ('date-time', 'date'))
        or coalesce((p_schema ->> 'minLength')::numeric, 0) > c_max_len
        or coalesce((p_schema ->> 'maxLength')::numeric, 0) > c_max_len
        or pg_catalog.jsonb_typeof(p_schema -> 'const') in ('object', 'array')
        or (p_schema ? 'enum' and exists (
            select 1 from pg_catalog.jsonb_array_elements(p_schema -> 'enum') as e(v)
             where pg_catalog.jsonb_typeof(e.v) in ('object', 'array')))
        or coalesce((p_schema ->> '$ref') = any (p_refs), false);
    if v_opaque then
        if p_path is null then
            p_pred := null;
        else
            p_checks := p_checks || pg_catalog.jsonb_build_array(
                pg_catalog.jsonb_build_object('path', p_path, 'schema', p_schema));
            p_pred := c_true;
        end if;
        return;
    end if;

    -- type
    v_kw := p_schema -> 'type';
    if v_kw is not null then
        v_alts := '{}';
        for v_t in select pg_catalog.jsonb_array_elements_text(
                       case when pg_catalog.jsonb_typeof(v_kw) = 'array' then v_kw
                            else pg_catalog.jsonb_build_array(v_kw) end) loop
            v_alts := v_alts || case when v_t = 'integer'
                then '(@.type() == "number" && @.floor() == @)'
                else pg_catalog.format('@.type() == "%s"', v_t) end;
        end loop;
        v_terms := v_terms || ('(' || pg_catalog.array_to_string(v_alts, ' || ') || ')');
    end if;
    -- enum, const (scalars only, see above): equal type and equal value
    for v_kw in select k.v from (select p_schema -> 'enum' as v
                                 union all
                                 select pg_catalog.jsonb_build_array(p_schema -> 'const')
                                  where p_schema ? 'const') as k
                 where k.v is not null loop
        v_alts := '{}';
        for v_el in select e.v from pg_catalog.jsonb_array_elements(v_kw) as e(v) loop
            v_alts := v_alts || case when v_el = 'null'::jsonb then '@.type() == "null"'
                else pg_catalog.format('(@.type() == "%s" && @ == %s)', pg_catalog.jsonb_typeof(v_el), v_el::text) end;
        end loop;
        v_terms := v_terms || case when pg_catalog.cardinality(v_alts) = 0 then c_false
            else '(' || pg_catalog.array_to_string(v_alts, ' || ') || ')' end;
    end loop;

    -- objects
    v_grp := '{}';
    for v_key in select pg_catalog.jsonb_array_elements_text(p_schema -> 'required') loop
        v_grp := v_grp || pg_catalog.format('exists(@ ? (exists(@.%s)))', pg_catalog.to_jsonb(v_key)::text);
    end loop;
    for v_key, v_kw in select d.key, d.value from pg_catalog.jsonb_each(p_schema -> 'dependentRequired') as d loop
        v_alts := '{}';
        for v_q in select pg_catalog.jsonb_array_elements_text(v_kw) loop
            v_alts := v_alts || pg_catalog.format('exists(@ ? (exists(@.%s)))', pg_catalog.to_jsonb(v_q)::text);
        end loop;
        if pg_catalog.cardinality(v_alts) > 0 then
            v_grp := v_grp || pg_catalog.format('(!exists(@ ? (exists(@.%s))) || (%s))',
                pg_catalog.to_jsonb(v_key)::text, pg_catalog.array_to_string(v_alts, ' && '));
        end if;
    end loop;
    -- additionalProperties: false on a structurally reached object becomes a key check done
    -- outside the predicate ({"path", "keys"}: no member but these), because .keyvalue() copies
    -- every member value and is the slowest jsonpath step by far
    if p_schema -> 'additionalProperties' = 'false'::jsonb and p_path is not null
       and not (p_schema ?| '{patternProperties,propertyNames}'::text[]) then
        p_checks := p_checks || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
            'path', p_path || ' ? (@.type() == "object")',
            'keys', (select coalesce(pg_catalog.jsonb_agg(k.key), '[]'::jsonb)
                       from pg_catalog.jsonb_object_keys(coalesce(p_schema -> 'properties', '{}'::jsonb)) as k(key))));
    end if;
    if p_schema ?| '{patternProperties,propertyNames}'::text[]
       or (p_schema ? 'additionalProperties' and p_path is null)
       or (p_schema -> 'additionalProperties') not in ('false'::jsonb, 'true'::jsonb) then
        -- one pass over the members: .keyvalue() gives {"key", "value", "id"} items
        v_kv := '{}';
        v_known := '{}';
        for v_key, v_kw in select d.key, d.value from pg_catalog.jsonb_each(p_schema -> 'properties') as d loop
            v_q := pg_catalog.to_jsonb(v_key)::text;
            v_known := v_known || ('@.key == ' || v_q);
            select * into v_sub from beamline_internal.jsonschema_compile_node(p_root, v_kw,
                p_path || pg_catalog.format(' ? (@.type() == "object" && exists(@.%s)).%s', v_q, v_q), p_refs, p_fmt, p_checks, p_budget); p_budget := v_sub.p_budget;
            if v_sub.p_pred is null then p_pred := null; return; end if;
            p_checks := v_sub.p_checks;
            if v_sub.p_pred <> c_true then
                v_kv := v_kv || pg_catalog.format('(@.key != %s || exists(@.value ? (%s)))', v_q, v_sub.p_pred);
            end if;
        end loop;
        for v_key, v_kw in select d.key, d.value from pg_catalog.jsonb_each(p_schema -> 'patternProperties') as d loop
            v_q := pg_catalog.format('@.key like_regex %s flag "s"', pg_catalog.to_jsonb(v_key)::text);
            v_known := v_known || v_q;
            select * into v_sub from beamline_internal.jsonschema_compile_node(p_root, v_kw,
                p_path || pg_catalog.format(' ? (@.type() == "object").keyvalue() ? (%s).value', v_q), p_refs, p_fmt, p_checks, p_budget); p_budget := v_sub.p_budget;
            if v_sub.p_pred is null then p_pred := null; return; end if;
            p_checks := v_sub.p_checks;
            if v_sub.p_pred <> c_true then
                v_kv := v_kv || pg_catalog.format('(!(%s) || exists(@.value ? (%s)))', v_q, v_sub.p_pred);
            end if;
        end loop;
        v_kw := p_schema -> 'additionalProperties';
        if v_kw is not null then
            select * into v_sub from beamline_internal.jsonschema_compile_node(p_root, v_kw,
                p_path || pg_catalog.format(' ? (@.type() == "object").keyvalue() ? (%s).value',
                    case when pg_catalog.cardinality(v_known) = 0 then '@.type() == "object"'
                         else '!(' || pg_catalog.array_to_string(v_known, ' || ') || ')' end),
                p_refs, p_fmt, p_checks, p_budget); p_budget := v_sub.p_budget;
            if v_sub.p_pred is null then p_pred := null; return; end if;
            p_checks := v_sub.p_checks;
            if v_sub.p_pred <> c_true then
                v_kv := v_kv || case when pg_catalog.cardinality(v_known) = 0
                    then pg_catalog.format('exists(@.value ? (%s))', v_sub.p_pred)
                    else pg_catalog.format('(%s || exists(@.value ? (%s)))',
                        pg_catalog.array_to_string(v_known, ' || '), v_sub.p_pred) end;
            end if;
        end if;
        v_kw := p_schema -> 'propertyNames';
        if v_kw is not null then
            select * into v_sub from beamline_internal.jsonschema_compile_node(p_root, v_kw, null, p_refs, p_fmt, p_checks, p_budget); p_budget := v_sub.p_budget;
            if v_sub.p_pred is null then p_pred := null; return; end if;
            if v_sub.p_pred <> c_true then
                v_kv := v_kv || pg_catalog.format('exists(@.key ? (%s))', v_sub.p_pred);
            end if;
        end if;
        if pg_catalog.cardinality(v_kv) > 0 then
            v_grp := v_grp || pg_catalog.format('!exists(@.keyvalue() ? (!(%s)))',
                pg_catalog.array_to_string(v_kv, ' && '));
        end if;
    else
        for v_key, v_kw in select d.key, d.value from pg_catalog.jsonb_each(p_schema -> 'properties') as d loop
            v_q := pg_catalog.to_jsonb(v_key)::text;
            select * into v_sub from beamline_internal.jsonschema_compile_node(p_root, v_kw,
                p_path || pg_catalog.format(' ? (@.type() == "object" && exists(@.%s)).%s', v_q, v_q), p_refs, p_fmt, p_checks, p_budget); p_budget := v_sub.p_budget;
            if v_sub.p_pred is null then p_pred := null; return; end if;
            p_checks := v_sub.p_checks;
            if v_sub.p_pred <> c_true then
                -- FALSE only when the member exists and fails (a missing member is UNKNOWN inside)
                v_grp := v_grp || pg_catalog.format('!exists(@ ? (exists(@.%s ? (!(%s)))))', v_q, v_sub.p_pred);
            end if;
        end loop;
    end if;
    if pg_catalog.cardinality(v_grp) > 0 then
        v_terms := v_terms || pg_catalog.format('(@.type() != "object" || (%s))', pg_catalog.array_to_string(v_grp, ' && '));
    end if;

    -- arrays
    v_grp := '{}';
    if p_schema ? 'minItems' then
        v_grp := v_grp || ('@.size() >= ' || (p_schema ->> 'minItems'));
    end if;
    if p_schema ? 'maxItems' then
        v_grp := v_grp || ('@.size() <= ' || (p_schema ->> 'maxItems'));
    end if;
    v_n := 0;
    if p_schema ? 'prefixItems' then
        v_n := pg_catalog.jsonb_array_length(p_schema -> 'prefixItems');
        for v_i in 0 .. v_n - 1 loop
            select * into v_sub from beamline_internal.jsonschema_compile_node(p_root, p_schema -> 'prefixItems' -> v_i,
                p_path || pg_catalog.format(' ? (@.type() == "array" && @.size() > %s)[%s]', v_i, v_i), p_refs, p_fmt, p_checks, p_budget); p_budget := v_sub.p_budget;
            if v_sub.p_pred is null then p_pred := null; return; end if;
            p_checks := v_sub.p_checks;
            if v_sub.p_pred <> c_true then
                v_grp := v_grp || pg_catalog.format('(@.size() <= %s || exists(@[%s] ? (%s)))', v_i, v_i, v_sub.p_pred);
            end if;
        end loop;
    end if;
    if p_schema ? 'items' then
        select * into v_sub from beamline_internal.jsonschema_compile_node(p_root, p_schema -> 'items',
            p_path || case when v_n = 0 then ' ? (@.type() == "array")[*]'
                else pg_catalog.format(' ? (@.type() == "array" && @.size() > %s)[%s to last]', v_n, v_n) end,
            p_refs, p_fmt, p_checks, p_budget); p_budget := v_sub.p_budget;
        if v_sub.p_pred is null then p_pred := null; return; end if;
        p_checks := v_sub.p_checks;
        if v_sub.p_pred <> c_true then
            v_grp := v_grp || case when v_n = 0
                then pg_catalog.format('!exists(@[*] ? (!(%s)))', v_sub.p_pred)
                else pg_catalog.format('(@.size() <= %s || !exists(@[%s to last] ? (!(%s))))', v_n, v_n, v_sub.p_pred) end;
        end if;
    end if;
    if p_schema ? 'contains' then
        select * into v_sub from beamline_internal.jsonschema_compile_node(p_root, p_schema -> 'contains', null, p_refs, p_fmt, p_checks, p_budget); p_budget := v_sub.p_budget;
        if v_sub.p_pred is null then p_pred := null; return; end if;
        v_grp := v_grp || case when v_sub.p_pred = c_true then '@.size() > 0'
            else pg_catalog.format('exists(@[*] ? (%s))', v_sub.p_pred) end;
    end if;
    if pg_catalog.cardinality(v_grp) > 0 then
        v_terms := v_terms || pg_catalog.format('(@.type() != "array" || (%s))', pg_catalog.array_to_string(v_grp, ' && '));
    end if;

    -- strings: lengths in characters, as unanchored regexes that stay cheap on short strings
    -- ("." is any character with flag "s"; {n} allows at most 255, so longer counts repeat a
    -- group): length >= m  <=>  some m characters in a row;  length <= n  <=>  not n + 1
    v_grp := '{}';
    foreach v_key in array array['minLength', 'maxLength'] loop
        continue when not (p_schema ? v_key);
        v_i := (p_schema ->> v_key)::numeric::integer + case when v_key = 'maxLength' then 1 else 0 end;
        continue when v_i = 0;
        v_q := '';
        if v_i >= 255 then v_q := pg_catalog.format('(?:.{255}){%s}', v_i / 255); end if;
        if v_i % 255 > 0 then v_q := v_q || pg_catalog.format('.{%s}', v_i % 255); end if;
        v_grp := v_grp || pg_catalog.format('%s(@ like_regex %s flag "s")',
            case when v_key = 'maxLength' then '!' else '' end, pg_catalog.to_jsonb(v_q)::text);
    end loop;
    if p_schema ? 'pattern' then
        -- "^[C]{m,n}$" and "^[P][C]{m,n}$" (bracket expressions without [ ] \ inside) are
        -- rewritten to the equivalent "^[P][C]*$" plus the length bounds: a counted repetition
        -- makes every match walk ~n regex states per character, the rewrite does not
        v_alts := pg_catalog.regexp_match(p_schema ->> 'pattern',
            '^\^(\[[^][\\]+\])?\[([^][\\]+)\]\{([0-9]{1,3}),([0-9]{1,3})\}\$$');
        if v_alts is null then
            v_grp := v_grp || pg_catalog.format('@ like_regex %s flag "s"', (p_schema -> 'pattern')::text);
        else
            v_i := case when v_alts[1] is null then 0 else 1 end;
            v_grp := v_grp || pg_catalog.format('@ like_regex %s flag "s"',
                pg_catalog.to_jsonb('^' || coalesce(v_alts[1], '') || '[' || v_alts[2] || ']*$')::text);
            if v_i + v_alts[3]::integer > 0 then
                v_grp := v_grp || pg_catalog.format('@ like_regex ".{%s}" flag "s"', v_i + v_alts[3]::integer);
            end if;
            v_grp := v_grp || pg_catalog.format('!(@ like_regex ".{%s}" flag "s")', v_i + v_alts[4]::integer + 1);
        end if;
    end if;
    v_q := case when p_fmt then p_schema ->> 'format' end;
    v_q := case v_q
        when 'uuid' then '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'
        when 'email' then '^[^@[:space:]]+@[^@[:space:]]+$' end;  -- as jsonschema_format
    if v_q is not null then
        v_grp := v_grp || pg_catalog.format('@ like_regex %s flag "s"', pg_catalog.to_jsonb(v_q)::text);
    end if;
    if pg_catalog.cardinality(v_grp) > 0 then
        v_terms := v_terms || pg_catalog.format('(@.type() != "string" || (%s))', pg_catalog.array_to_string(v_grp, ' && '));
    end if;

    -- numbers (numeric, exact: the same comparisons and mod as the engine)
    v_grp := '{}';
    for v_key, v_q in select k, op from (values ('minimum', '>='), ('maximum', '<='),
                      ('exclusiveMinimum', '>'), ('exclusiveMaximum', '<')) as o(k, op)
                      where p_schema ? o.k loop
        v_grp := v_grp || pg_catalog.format('@ %s (%s)', v_q, (p_schema -> v_key)::text);
    end loop;
    if p_schema ? 'multipleOf' then
        v_grp := v_grp || pg_catalog.format('@ %% (%s) == 0', (p_schema -> 'multipleOf')::text);
    end if;
    if pg_catalog.cardinality(v_grp) > 0 then
        v_terms := v_terms || pg_catalog.format('(@.type() != "number" || (%s))', pg_catalog.array_to_string(v_grp, ' && '));
    end if;

    -- applicators on the same node
    v_key := p_schema ->> '$ref';
    if v_key is not null then
        select * into v_sub from beamline_internal.jsonschema_compile_node(p_root,
            p_root #> beamline_internal.jsonschema_pointer(v_key), p_path, p_refs || v_key, p_fmt, p_checks, p_budget); p_budget := v_sub.p_budget;
        if v_sub.p_pred is null then p_pred := null; return; end if;
        p_checks := v_sub.p_checks;
        if v_sub.p_pred <> c_true then v_terms := v_terms || ('(' || v_sub.p_pred || ')'); end if;
    end if;
    if p_schema ? 'allOf' then
        for v_i in 0 .. pg_catalog.jsonb_array_length(p_schema -> 'allOf') - 1 loop
            select * into v_sub from beamline_internal.jsonschema_compile_node(p_root, p_schema -> 'allOf' -> v_i,
                p_path, p_refs, p_fmt, p_checks, p_budget); p_budget := v_sub.p_budget;
            if v_sub.p_pred is null then p_pred := null; return; end if;
            p_checks := v_sub.p_checks;
            if v_sub.p_pred <> c_true then v_terms := v_terms || ('(' || v_sub.p_pred || ')'); end if;
        end loop;
    end if;
    -- conditional applicators: no structural path below them (p_path NULL), and their
    -- predicates are combined with ! and ||, which is exact because each is two-valued
    foreach v_key in array array['anyOf', 'oneOf'] loop
        continue when not (p_schema ? v_key);
        v_alts := '{}';
        for v_i in 0 .. pg_catalog.jsonb_array_length(p_schema -> v_key) - 1 loop
            select * into v_sub from beamline_internal.jsonschema_compile_node(p_root, p_schema -> v_key -> v_i,
                null, p_refs, p_fmt, p_checks, p_budget); p_budget := v_sub.p_budget;
            if v_sub.p_pred is null then p_pred := null; return; end if;
            v_alts := v_alts || case when v_sub.p_pred = c_true then '@.type() != "none"' else '(' || v_sub.p_pred || ')' end;
        end loop;
        if v_key = 'anyOf' then
            v_terms := v_terms || ('(' || pg_catalog.array_to_string(v_alts, ' || ') || ')');
        else
            -- exactly one: for each i, alternative i holds and no other does
            v_kv := '{}';
            for v_i in 1 .. pg_catalog.cardinality(v_alts) loop
                v_known := array[v_alts[v_i]];
                for v_j in 1 .. pg_catalog.cardinality(v_alts) loop
                    if v_j <> v_i then v_known := v_known || ('!' || v_alts[v_j]); end if;
                end loop;
                v_kv := v_kv || ('(' || pg_catalog.array_to_string(v_known, ' && ') || ')');
            end loop;
            v_terms := v_terms || ('(' || pg_catalog.array_to_string(v_kv, ' || ') || ')');
        end if;
    end loop;
    if p_schema ? 'not' then
        select * into v_sub from beamline_internal.jsonschema_compile_node(p_root, p_schema -> 'not', null, p_refs, p_fmt, p_checks, p_budget); p_budget := v_sub.p_budget;
        if v_sub.p_pred is null then p_pred := null; return; end if;
        v_terms := v_terms || case when v_sub.p_pred = c_true then c_false else '!(' || v_sub.p_pred || ')' end;
    end if;
    if p_schema ? 'if' and p_schema ?| '{then,else}'::text[] then
        v_alts := '{}';
        foreach v_key in array array['if', 'then', 'else'] loop
            if p_schema ? v_key then
                select * into v_sub from beamline_internal.jsonschema_compile_node(p_root, p_schema -> v_key, null, p_refs, p_fmt, p_checks, p_budget); p_budget := v_sub.p_budget;
                if v_sub.p_pred is null then p_pred := null; return; end if;
                v_alts := v_alts || case when v_sub.p_pred = c_true then '@.type() != "none"' else '(' || v_sub.p_pred || ')' end;
            else
                v_alts := v_alts || '@.type() != "none"'::text;
            end if;
        end loop;
        v_terms := v_terms || pg_catalog.format('((%s && %s) || (!%s && %s))', v_alts[1], v_alts[2], v_alts[1], v_alts[3]);
    end if;

    p_pred := pg_catalog.array_to_string(v_terms, ' && ');
    if pg_catalog.octet_length(p_pred) > c_max_pred then
        p_pred := null;
    end if;
end
$_$;

ALTER FUNCTION beamline_internal.jsonschema_compile_node(p_root jsonb, p_schema jsonb, p_path text, p_refs text[], p_fmt boolean, INOUT p_checks jsonb, INOUT p_budget integer, OUT p_pred text) OWNER TO beamline_owner;

--
-- Name: FUNCTION jsonschema_compile_node(p_root jsonb, p_schema jsonb, p_path text, p_refs text[], p_fmt boolean, INOUT p_checks jsonb, INOUT p_budget integer, OUT p_pred text); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.jsonschema_compile_node(p_root jsonb, p_schema jsonb, p_path text, p_refs text[], p_fmt boolean, INOUT p_checks jsonb, INOUT p_budget integer, OUT p_pred text) IS 'Fast-path compiler core: a two-valued jsonpath predicate for one checked (sub)schema ('''' = always true, NULL = not expressible), plus the opaque subschemas to check with the engine.';

--
-- Name: jsonschema_cost(jsonb, jsonb); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.jsonschema_cost(p_root jsonb, p_ctx jsonb) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $_$
    select (2 * (select pg_catalog.count(*) from pg_catalog.jsonb_path_query(p_root, 'strict $.**') as v(n)
                  where pg_catalog.jsonb_typeof(v.n) = 'object')
              * greatest(1, (select pg_catalog.count(*) from pg_catalog.jsonb_object_keys(coalesce(p_ctx -> 'dyn', '{}'::jsonb)))))
           ::integer
$_$;

ALTER FUNCTION beamline_internal.jsonschema_cost(p_root jsonb, p_ctx jsonb) OWNER TO beamline_owner;

--
-- Name: FUNCTION jsonschema_cost(p_root jsonb, p_ctx jsonb); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.jsonschema_cost(p_root jsonb, p_ctx jsonb) IS 'Static bound on the JSON Schema engine''s subschema applications per document node for a prepared schema.';

--
-- Name: jsonschema_eval(jsonb, jsonb, jsonb, jsonb, text, boolean, text[], integer, jsonb, integer); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.jsonschema_eval(p_root jsonb, p_ctx jsonb, p_schema jsonb, p_doc jsonb, p_path text, p_all boolean, p_scope text[], p_hops integer, INOUT p_memo jsonb, INOUT p_left integer, OUT p_errs jsonb, OUT p_ann jsonb) RETURNS record
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    AS $_$
declare
    v_u      boolean;
    v_scope  text[] := p_scope;
    v_t      text;
    v_kw     jsonb;
    v_sub    jsonb;
    v_item   jsonb;
    v_key    text;
    v_child  text;
    v_num    numeric;
    v_lim    numeric;
    v_len    integer;
    v_i      integer;
    v_n      integer;
    v_ok     boolean;
    v_e      jsonb;
    v_a      jsonb;
    v_props  jsonb;
    v_pprops jsonb;
    v_addl   jsonb;
    v_pnames jsonb;
    v_target text;
    v_npp    integer;
    v_r      record;
begin
    -- one unit per subschema application, plus one per 8 KiB of memo this call carries in and
    -- out (the memo travels by value, jsonschema_ref), so the budget bounds the real work
    p_left := p_left - 1 - (pg_catalog.pg_column_size(p_memo) >> 13);
    if p_left < 0 then
        raise exception using errcode = 'BL040',
            message = 'JSON Schema validation exceeded its work budget',
            detail = pg_catalog.jsonb_build_object('limit', 'validation_steps', 'path', p_path)::text,
            hint = 'The schema applies too many subschemas to this document (docs/VALIDATION.md, "Work budget"): simplify the schema or split the document.';
    end if;
    if pg_catalog.jsonb_typeof(p_schema) = 'boolean' then
        if p_schema = 'false'::jsonb then
            p_errs := pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                'path', p_path, 'keyword', 'false', 'message', 'no value is allowed here (false schema)'));
        end if;
        return;
    end if;
    v_u := p_ctx ? 'u';
    if v_u then
        p_ann := '{"i": 0}';
    end if;
    if p_schema ? '$id' and p_ctx ? 'dyn' then
        v_scope := v_scope || (p_schema ->> '$id');
    end if;
    v_t := pg_catalog.jsonb_typeof(p_doc);

    -- references: memoised (jsonschema_ref)
    v_target := p_schema ->> '$ref';
    if v_target is not null then
        v_r := beamline_internal.jsonschema_ref(p_root, p_ctx, v_target, p_schema ? '$refShared', p_doc, p_path, p_all,
                   case when p_ctx ? 'dyn' then v_scope || (p_schema ->> '$refResource') else v_scope end,
                   p_hops, p_memo, p_left);
        v_e := v_r.p_errs; v_a := v_r.p_ann; p_memo := v_r.p_memo; p_left := v_r.p_left;
        if v_e is not null then
            p_errs := coalesce(p_errs, '[]'::jsonb) || v_e;
            p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
            if not p_all then return; end if;
        elsif v_u then
            p_ann := beamline_internal.jsonschema_ann_merge(p_ann, v_a);
        end if;
    end if;
    v_kw := p_schema -> '$dynamicRef';
    if v_kw is not null then
        v_target := v_kw ->> 't';
        v_key := v_kw ->> 'n';
        v_child := v_kw ->> 'r';  -- the static target's resource, entered unless the scope wins
        if v_key is not null then
            -- the outermost resource in the dynamic scope with this dynamic anchor wins
            for v_i in 1 .. coalesce(pg_catalog.cardinality(v_scope), 0) loop
                v_sub := p_ctx -> 'dyn' -> v_scope[v_i] -> v_key;
                if v_sub is not null then
                    v_target := '#' || (v_sub #>> '{}');
                    v_child := null;  -- that resource is in the scope already
                    exit;
                end if;
            end loop;
        end if;
        v_r := beamline_internal.jsonschema_ref(p_root, p_ctx, v_target, true, p_doc, p_path, p_all,
                   case when v_child is not null and p_ctx ? 'dyn' then v_scope || v_child else v_scope end,
                   p_hops, p_memo, p_left);
        v_e := v_r.p_errs; v_a := v_r.p_ann; p_memo := v_r.p_memo; p_left := v_r.p_left;
        if v_e is not null then
            p_errs := coalesce(p_errs, '[]'::jsonb) || v_e;
            p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
            if not p_all then return; end if;
        elsif v_u then
            p_ann := beamline_internal.jsonschema_ann_merge(p_ann, v_a);
        end if;
    end if;

    -- type, enum, const
    if p_schema ?| '{type,enum,const}'::text[] then
        v_kw := p_schema -> 'type';
        if v_kw is not null and not (v_kw ? v_t) then
            v_ok := v_t = 'number' and v_kw ? 'integer' and (p_doc::numeric) = pg_catalog.trunc(p_doc::numeric);
            if not v_ok then
                p_errs := coalesce(p_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                    'path', p_path, 'keyword', 'type',
                    'message', pg_catalog.format('expected %s, got %s',
                        case when pg_catalog.jsonb_typeof(v_kw) = 'array'
                             then 'one of ' || pg_catalog.array_to_string(array(
                                 select pg_catalog.jsonb_array_elements_text(v_kw)), ', ')
                             else v_kw ->> 0 end, v_t)));
                p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                if not p_all then return; end if;
            end if;
        end if;
        v_kw := p_schema -> 'enum';
        if v_kw is not null then
            if v_t in ('object', 'array') then
                -- containment is subset-based for containers: compare element by element
                v_ok := false;
                for v_i in 0 .. pg_catalog.jsonb_array_length(v_kw) - 1 loop
                    if v_kw -> v_i = p_doc then v_ok := true; exit; end if;
                end loop;
            else
                v_ok := v_kw @> pg_catalog.jsonb_build_array(p_doc);
            end if;
            if not v_ok then
                p_errs := coalesce(p_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                    'path', p_path, 'keyword', 'enum',
                    'message', pg_catalog.format('%s is not one of %s',
                        pg_catalog.left(p_doc::text, 200), pg_catalog.left(v_kw::text, 200))));
                p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                if not p_all then return; end if;
            end if;
        end if;
        v_kw := p_schema -> 'const';
        if v_kw is not null and v_kw <> p_doc then
            p_errs := coalesce(p_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                'path', p_path, 'keyword', 'const', 'message', pg_catalog.format('expected %s', pg_catalog.left(v_kw::text, 200))));
            p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
            if not p_all then return; end if;
        end if;
    end if;

    if v_t = 'object' then
        if p_schema ?| '{properties,patternProperties,additionalProperties,propertyNames,required,minProperties,maxProperties,dependentRequired,dependentSchemas}'::text[] then
            v_kw := p_schema -> 'required';
            if v_kw is not null then
                for v_i in 0 .. pg_catalog.jsonb_array_length(v_kw) - 1 loop
                    v_key := v_kw ->> v_i;
                    if not (p_doc ? v_key) then
                        p_errs := coalesce(p_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                            'path', p_path, 'keyword', 'required',
                            'message', pg_catalog.format('missing required property %s', pg_catalog.to_jsonb(v_key))));
                        p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                        if not p_all then return; end if;
                    end if;
                end loop;
            end if;
            v_kw := p_schema -> 'dependentRequired';
            if v_kw is not null then
                for v_key, v_sub in select d.key, d.value from pg_catalog.jsonb_each(v_kw) as d loop
                    if p_doc ? v_key then
                        for v_i in 0 .. pg_catalog.jsonb_array_length(v_sub) - 1 loop
                            if not (p_doc ? (v_sub ->> v_i)) then
                                p_errs := coalesce(p_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                                    'path', p_path, 'keyword', 'dependentRequired',
                                    'message', pg_catalog.format('property %s requires property %s', pg_catalog.to_jsonb(v_key), v_sub -> v_i)));
                                p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                                if not p_all then return; end if;
                            end if;
                        end loop;
                    end if;
                end loop;
            end if;
            v_props := p_schema -> 'properties';
            v_pprops := p_schema -> 'patternProperties';
            v_addl := p_schema -> 'additionalProperties';
            v_pnames := p_schema -> 'propertyNames';
            v_npp := case when v_pprops is null then 0 else (select pg_catalog.count(*)::integer from pg_catalog.jsonb_object_keys(v_pprops)) end;
            v_n := 0;
            if v_props is not null or v_pprops is not null or v_addl is not null or v_pnames is not null
               or p_schema ?| '{minProperties,maxProperties}'::text[] then
                for v_key, v_item in select d.key, d.value from pg_catalog.jsonb_each(p_doc) as d loop
                    v_n := v_n + 1;
                    v_child := p_path || '/' || pg_catalog.replace(pg_catalog.replace(v_key, '~', '~0'), '/', '~1');
                    v_ok := false;  -- matched by properties or patternProperties
                    if v_props is not null then
                        v_sub := v_props -> v_key;
                        if v_sub is not null then
                            v_ok := true;
                            if v_sub <> 'true'::jsonb then
                                v_r := beamline_internal.jsonschema_eval(p_root, p_ctx, v_sub, v_item, v_child, p_all, v_scope, 0, p_memo, p_left);
                                v_e := v_r.p_errs; p_memo := v_r.p_memo; p_left := v_r.p_left;
                                if v_e is not null then
                                    p_errs := coalesce(p_errs, '[]'::jsonb) || v_e;
                                    p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                                    if not p_all then return; end if;
                                end if;
                            end if;
                        end if;
                    end if;
                    if v_pprops is not null then
                        -- one unit per pattern tried: keys x patterns regex matches (compiled
                        -- again once PostgreSQL's small regex cache is exceeded) are real work
                        p_left := p_left - v_npp;
                        for v_sub in select pp.value from pg_catalog.jsonb_each(v_pprops) as pp
                                      where v_key operator(pg_catalog.~) pp.key loop
                            v_ok := true;
                            v_r := beamline_internal.jsonschema_eval(p_root, p_ctx, v_sub, v_item, v_child, p_all, v_scope, 0, p_memo, p_left);
                            v_e := v_r.p_errs; p_memo := v_r.p_memo; p_left := v_r.p_left;
                            if v_e is not null then
                                p_errs := coalesce(p_errs, '[]'::jsonb) || v_e;
                                p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                                if not p_all then return; end if;
                            end if;
                        end loop;
                    end if;
                    if not v_ok and v_addl is not null then
                        v_ok := true;  -- evaluated (an annotation) by additionalProperties
                        if v_addl = 'false'::jsonb then
                            p_errs := coalesce(p_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                                'path', v_child, 'keyword', 'additionalProperties',
                                'message', pg_catalog.format('additional property %s is not allowed', pg_catalog.to_jsonb(v_key))));
                            p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                            if not p_all then return; end if;
                        elsif v_addl <> 'true'::jsonb then
                            v_r := beamline_internal.jsonschema_eval(p_root, p_ctx, v_addl, v_item, v_child, p_all, v_scope, 0, p_memo, p_left);
                            v_e := v_r.p_errs; p_memo := v_r.p_memo; p_left := v_r.p_left;
                            if v_e is not null then
                                p_errs := coalesce(p_errs, '[]'::jsonb) || v_e;
                                p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                                if not p_all then return; end if;
                            end if;
                        end if;
                    end if;
                    if v_ok and v_u then
                        p_ann := pg_catalog.jsonb_set(p_ann, '{p}', coalesce(p_ann -> 'p', '{}'::jsonb) || pg_catalog.jsonb_build_object(v_key, true));
                    end if;
                    if v_pnames is not null then
                        -- the name is a string instance of its own ("/~2name": never a real pointer)
                        v_r := beamline_internal.jsonschema_eval(p_root, p_ctx, v_pnames, pg_catalog.to_jsonb(v_key),
                              p_path || '/~2' || pg_catalog.replace(pg_catalog.replace(v_key, '~', '~0'), '/', '~1'),
                              false, v_scope, 0, p_memo, p_left);
                        v_e := v_r.p_errs; p_memo := v_r.p_memo; p_left := v_r.p_left;
                        if v_e is not null then
                            p_errs := coalesce(p_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                                'path', v_child, 'keyword', 'propertyNames',
                                'message', pg_catalog.format('property name %s is invalid: %s', pg_catalog.to_jsonb(v_key), v_e -> 0 ->> 'message')));
                            p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                            if not p_all then return; end if;
                        end if;
                    end if;
                end loop;
                v_lim := (p_schema ->> 'minProperties')::numeric;
                if v_lim is not null and v_n < v_lim then
                    p_errs := coalesce(p_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                        'path', p_path, 'keyword', 'minProperties',
                        'message', pg_catalog.format('has %s properties, fewer than %s', v_n, v_lim)));
                    p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                    if not p_all then return; end if;
                end if;
                v_lim := (p_schema ->> 'maxProperties')::numeric;
                if v_lim is not null and v_n > v_lim then
                    p_errs := coalesce(p_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                        'path', p_path, 'keyword', 'maxProperties',
                        'message', pg_catalog.format('has %s properties, more than %s', v_n, v_lim)));
                    p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                    if not p_all then return; end if;
                end if;
            end if;
            v_kw := p_schema -> 'dependentSchemas';
            if v_kw is not null then
                for v_key, v_sub in select d.key, d.value from pg_catalog.jsonb_each(v_kw) as d loop
                    continue when not (p_doc ? v_key);
                    v_r := beamline_internal.jsonschema_eval(p_root, p_ctx, v_sub, p_doc, p_path, p_all, v_scope, p_hops, p_memo, p_left);
                    v_e := v_r.p_errs; v_a := v_r.p_ann; p_memo := v_r.p_memo; p_left := v_r.p_left;
                    if v_e is not null then
                        p_errs := coalesce(p_errs, '[]'::jsonb) || v_e;
                        p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                        if not p_all then return; end if;
                    elsif v_u then
                        p_ann := beamline_internal.jsonschema_ann_merge(p_ann, v_a);
                    end if;
                end loop;
            end if;
        end if;

    elsif v_t = 'array' then
        if p_schema ?| '{items,prefixItems,minItems,maxItems,uniqueItems,contains}'::text[] then
            v_len := pg_catalog.jsonb_array_length(p_doc);
            v_lim := (p_schema ->> 'minItems')::numeric;
            if v_lim is not null and v_len < v_lim then
                p_errs := coalesce(p_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                    'path', p_path, 'keyword', 'minItems', 'message', pg_catalog.format('has %s items, fewer than %s', v_len, v_lim)));
                p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                if not p_all then return; end if;
            end if;
            v_lim := (p_schema ->> 'maxItems')::numeric;
            if v_lim is not null and v_len > v_lim then
                p_errs := coalesce(p_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                    'path', p_path, 'keyword', 'maxItems', 'message', pg_catalog.format('has %s items, more than %s', v_len, v_lim)));
                p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                if not p_all then return; end if;
            end if;
            -- prefixItems, then items after the prefix
            v_kw := p_schema -> 'prefixItems';
            v_n := 0;
            if v_kw is not null then
                v_n := least(v_len, pg_catalog.jsonb_array_length(v_kw));
                for v_i in 0 .. v_n - 1 loop
                    v_r := beamline_internal.jsonschema_eval(p_root, p_ctx, v_kw -> v_i, p_doc -> v_i, p_path || '/' || v_i, p_all, v_scope, 0, p_memo, p_left);
                    v_e := v_r.p_errs; p_memo := v_r.p_memo; p_left := v_r.p_left;
                    if v_e is not null then
                        p_errs := coalesce(p_errs, '[]'::jsonb) || v_e;
                        p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                        if not p_all then return; end if;
                    end if;
                end loop;
            end if;
            v_kw := p_schema -> 'items';
            if v_kw is not null then
                if v_kw <> 'true'::jsonb then
                    for v_i in v_n .. v_len - 1 loop
                        v_r := beamline_internal.jsonschema_eval(p_root, p_ctx, v_kw, p_doc -> v_i, p_path || '/' || v_i, p_all, v_scope, 0, p_memo, p_left);
                        v_e := v_r.p_errs; p_memo := v_r.p_memo; p_left := v_r.p_left;
                        if v_e is not null then
                            p_errs := coalesce(p_errs, '[]'::jsonb) || v_e;
                            p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                            if not p_all then return; end if;
                        end if;
                    end loop;
                end if;
                v_n := v_len;
            end if;
            if v_u and v_n > 0 then
                p_ann := pg_catalog.jsonb_set(p_ann, '{i}', pg_catalog.to_jsonb(greatest(v_n, (p_ann ->> 'i')::integer)));
            end if;
            if p_schema -> 'uniqueItems' = 'true'::jsonb and v_len > 1 then
                -- the first item equal to an earlier one: a sort, O(n log n) (jsonb equality:
                -- 1 = 1.0, objects unordered); the sort costs about one unit per item
                p_left := p_left - v_len;
                select pg_catalog.min(d.i) into v_i
                  from (select a.i, pg_catalog.row_number() over (partition by a.v order by a.i) as rn
                          from pg_catalog.jsonb_array_elements(p_doc) with ordinality as a(v, i)) as d
                 where d.rn = 2;
                if v_i is not null then
                    p_errs := coalesce(p_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                        'path', p_path || '/' || (v_i - 1), 'keyword', 'uniqueItems', 'message', 'duplicate of an earlier item'));
                    p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                    if not p_all then return; end if;
                end if;
            end if;
            v_kw := p_schema -> 'contains';
            if v_kw is not null then
                v_n := 0;
                for v_i in 0 .. v_len - 1 loop
                    v_r := beamline_internal.jsonschema_eval(p_root, p_ctx, v_kw, p_doc -> v_i, p_path || '/' || v_i, false, v_scope, 0, p_memo, p_left);
                    v_e := v_r.p_errs; p_memo := v_r.p_memo; p_left := v_r.p_left;
                    if v_e is null then
                        v_n := v_n + 1;
                        if v_u then
                            p_ann := pg_catalog.jsonb_set(p_ann, '{c}', coalesce(p_ann -> 'c', '{}'::jsonb) || pg_catalog.jsonb_build_object(v_i::text, true));
                        end if;
                    end if;
                end loop;
                v_lim := coalesce((p_schema ->> 'minContains')::numeric, 1);
                if v_n < v_lim then
                    p_errs := coalesce(p_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                        'path', p_path, 'keyword', case when p_schema ? 'minContains' then 'minContains' else 'contains' end,
                        'message', pg_catalog.format('%s items match "contains", fewer than %s', v_n, v_lim)));
                    p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                    if not p_all then return; end if;
                end if;
                v_lim := (p_schema ->> 'maxContains')::numeric;
                if v_lim is not null and v_n > v_lim then
                    p_errs := coalesce(p_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                        'path', p_path, 'keyword', 'maxContains',
                        'message', pg_catalog.format('%s items match "contains", more than %s', v_n, v_lim)));
                    p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                    if not p_all then return; end if;
                end if;
            end if;
        end if;

    elsif v_t = 'string' then
        if p_schema ?| '{minLength,maxLength,pattern,format}'::text[] then
            v_key := p_doc #>> '{}';
            if p_schema ?| '{minLength,maxLength}'::text[] then
                v_len := pg_catalog.char_length(v_key);
                v_lim := (p_schema ->> 'minLength')::numeric;
                if v_lim is not null and v_len < v_lim then
                    p_errs := coalesce(p_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                        'path', p_path, 'keyword', 'minLength',
                        'message', pg_catalog.format('is %s characters long, shorter than %s', v_len, v_lim)));
                    p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                    if not p_all then return; end if;
                end if;
                v_lim := (p_schema ->> 'maxLength')::numeric;
                if v_lim is not null and v_len > v_lim then
                    p_errs := coalesce(p_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                        'path', p_path, 'keyword', 'maxLength',
                        'message', pg_catalog.format('is %s characters long, longer than %s', v_len, v_lim)));
                    p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                    if not p_all then return; end if;
                end if;
            end if;
            v_child := p_schema ->> 'pattern';
            if v_child is not null and not (v_key operator(pg_catalog.~) v_child) then
                p_errs := coalesce(p_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                    'path', p_path, 'keyword', 'pattern',
                    'message', pg_catalog.format('does not match the pattern %s', p_schema -> 'pattern')));
                p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                if not p_all then return; end if;
            end if;
            v_child := p_schema ->> 'format';
            if v_child is not null and p_ctx ? 'f' and not beamline_internal.jsonschema_format(v_child, v_key) then
                p_errs := coalesce(p_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                    'path', p_path, 'keyword', 'format', 'message', pg_catalog.format('is not a valid %s', v_child)));
                p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                if not p_all then return; end if;
            end if;
        end if;

    elsif v_t = 'number' then
        if p_schema ?| '{minimum,maximum,exclusiveMinimum,exclusiveMaximum,multipleOf}'::text[] then
            v_num := p_doc::numeric;
            v_lim := (p_schema ->> 'minimum')::numeric;
            if v_lim is not null and v_num < v_lim then
                p_errs := coalesce(p_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                    'path', p_path, 'keyword', 'minimum', 'message', pg_catalog.format('%s is less than the minimum %s', v_num, v_lim)));
                p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                if not p_all then return; end if;
            end if;
            v_lim := (p_schema ->> 'maximum')::numeric;
            if v_lim is not null and v_num > v_lim then
                p_errs := coalesce(p_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                    'path', p_path, 'keyword', 'maximum', 'message', pg_catalog.format('%s is greater than the maximum %s', v_num, v_lim)));
                p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                if not p_all then return; end if;
            end if;
            v_lim := (p_schema ->> 'exclusiveMinimum')::numeric;
            if v_lim is not null and v_num <= v_lim then
                p_errs := coalesce(p_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                    'path', p_path, 'keyword', 'exclusiveMinimum', 'message', pg_catalog.format('%s is not greater than %s', v_num, v_lim)));
                p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                if not p_all then return; end if;
            end if;
            v_lim := (p_schema ->> 'exclusiveMaximum')::numeric;
            if v_lim is not null and v_num >= v_lim then
                p_errs := coalesce(p_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                    'path', p_path, 'keyword', 'exclusiveMaximum', 'message', pg_catalog.format('%s is not less than %s', v_num, v_lim)));
                p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                if not p_all then return; end if;
            end if;
            v_lim := (p_schema ->> 'multipleOf')::numeric;
            if v_lim is not null and pg_catalog.mod(v_num, v_lim) <> 0 then
                p_errs := coalesce(p_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                    'path', p_path, 'keyword', 'multipleOf', 'message', pg_catalog.format('%s is not a multiple of %s', v_num, v_lim)));
                p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                if not p_all then return; end if;
            end if;
        end if;
    end if;

    -- applicators on this node
    if p_schema ?| '{allOf,anyOf,oneOf,not,if}'::text[] then
        v_kw := p_schema -> 'allOf';
        if v_kw is not null then
            for v_i in 0 .. pg_catalog.jsonb_array_length(v_kw) - 1 loop
                v_r := beamline_internal.jsonschema_eval(p_root, p_ctx, v_kw -> v_i, p_doc, p_path, p_all, v_scope, p_hops, p_memo, p_left);
                v_e := v_r.p_errs; v_a := v_r.p_ann; p_memo := v_r.p_memo; p_left := v_r.p_left;
                if v_e is not null then
                    p_errs := coalesce(p_errs, '[]'::jsonb) || v_e;
                    p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                    if not p_all then return; end if;
                elsif v_u then
                    p_ann := beamline_internal.jsonschema_ann_merge(p_ann, v_a);
                end if;
            end loop;
        end if;
        v_kw := p_schema -> 'anyOf';
        if v_kw is not null then
            v_ok := false;
            for v_i in 0 .. pg_catalog.jsonb_array_length(v_kw) - 1 loop
                v_r := beamline_internal.jsonschema_eval(p_root, p_ctx, v_kw -> v_i, p_doc, p_path, false, v_scope, p_hops, p_memo, p_left);
                v_e := v_r.p_errs; v_a := v_r.p_ann; p_memo := v_r.p_memo; p_left := v_r.p_left;
                if v_e is null then
                    v_ok := true;
                    exit when not v_u;  -- annotations need every valid branch
                    p_ann := beamline_internal.jsonschema_ann_merge(p_ann, v_a);
                end if;
            end loop;
            if not v_ok then
                p_errs := coalesce(p_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                    'path', p_path, 'keyword', 'anyOf',
                    'message', pg_catalog.format('matches none of the %s schemas in anyOf', pg_catalog.jsonb_array_length(v_kw))));
                p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                if not p_all then return; end if;
            end if;
        end if;
        v_kw := p_schema -> 'oneOf';
        if v_kw is not null then
            v_n := 0;
            v_child := '';
            for v_i in 0 .. pg_catalog.jsonb_array_length(v_kw) - 1 loop
                v_r := beamline_internal.jsonschema_eval(p_root, p_ctx, v_kw -> v_i, p_doc, p_path, false, v_scope, p_hops, p_memo, p_left);
                v_e := v_r.p_errs; v_sub := v_r.p_ann; p_memo := v_r.p_memo; p_left := v_r.p_left;
                if v_e is null then
                    v_n := v_n + 1;
                    v_child := v_child || case when v_n > 1 then ', ' else '' end || v_i;
                    v_a := v_sub;
                end if;
            end loop;
            if v_n <> 1 then
                p_errs := coalesce(p_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                    'path', p_path, 'keyword', 'oneOf',
                    'message', case when v_n = 0
                        then pg_catalog.format('matches none of the %s schemas in oneOf', pg_catalog.jsonb_array_length(v_kw))
                        else pg_catalog.format('matches more than one schema in oneOf (indexes %s)', v_child) end));
                p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                if not p_all then return; end if;
            elsif v_u then
                p_ann := beamline_internal.jsonschema_ann_merge(p_ann, v_a);
            end if;
        end if;
        v_kw := p_schema -> 'not';
        if v_kw is not null then
            v_r := beamline_internal.jsonschema_eval(p_root, p_ctx, v_kw, p_doc, p_path, false, v_scope, p_hops, p_memo, p_left);
            v_e := v_r.p_errs; p_memo := v_r.p_memo; p_left := v_r.p_left;
            if v_e is null then
                p_errs := coalesce(p_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                    'path', p_path, 'keyword', 'not', 'message', 'must not match the schema in "not"'));
                p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                if not p_all then return; end if;
            end if;
        end if;
        v_kw := p_schema -> 'if';
        if v_kw is not null then
            v_r := beamline_internal.jsonschema_eval(p_root, p_ctx, v_kw, p_doc, p_path, false, v_scope, p_hops, p_memo, p_left);
            v_e := v_r.p_errs; v_a := v_r.p_ann; p_memo := v_r.p_memo; p_left := v_r.p_left;
            if v_e is null then
                if v_u then p_ann := beamline_internal.jsonschema_ann_merge(p_ann, v_a); end if;
                v_kw := p_schema -> 'then';
            else
                v_kw := p_schema -> 'else';
            end if;
            if v_kw is not null then
                v_r := beamline_internal.jsonschema_eval(p_root, p_ctx, v_kw, p_doc, p_path, p_all, v_scope, p_hops, p_memo, p_left);
                v_e := v_r.p_errs; v_a := v_r.p_ann; p_memo := v_r.p_memo; p_left := v_r.p_left;
                if v_e is not null then
                    p_errs := coalesce(p_errs, '[]'::jsonb) || v_e;
                    p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                    if not p_all then return; end if;
                elsif v_u then
                    p_ann := beamline_internal.jsonschema_ann_merge(p_ann, v_a);
                end if;
            end if;
        end if;
    end if;

    -- unevaluated*: last, over what this node's keywords (and its valid in-place subschemas)
    -- have not evaluated
    if v_u then
        v_kw := p_schema -> 'unevaluatedProperties';
        if v_kw is not null and v_t = 'object' then
            for v_key, v_item in select d.key, d.value from pg_catalog.jsonb_each(p_doc) as d loop
                continue when p_ann -> 'p' ? v_key;
                v_child := p_path || '/' || pg_catalog.replace(pg_catalog.replace(v_key, '~', '~0'), '/', '~1');
                if v_kw = 'false'::jsonb then
                    p_errs := coalesce(p_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                        'path', v_child, 'keyword', 'unevaluatedProperties',
                        'message', pg_catalog.format('unevaluated property %s is not allowed', pg_catalog.to_jsonb(v_key))));
                    p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                    if not p_all then return; end if;
                else
                    v_r := beamline_internal.jsonschema_eval(p_root, p_ctx, v_kw, v_item, v_child, p_all, v_scope, 0, p_memo, p_left);
                    v_e := v_r.p_errs; p_memo := v_r.p_memo; p_left := v_r.p_left;
                    if v_e is not null then
                        p_errs := coalesce(p_errs, '[]'::jsonb) || v_e;
                        p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                        if not p_all then return; end if;
                    end if;
                end if;
                p_ann := pg_catalog.jsonb_set(p_ann, '{p}', coalesce(p_ann -> 'p', '{}'::jsonb) || pg_catalog.jsonb_build_object(v_key, true));
            end loop;
        end if;
        v_kw := p_schema -> 'unevaluatedItems';
        if v_kw is not null and v_t = 'array' then
            v_len := pg_catalog.jsonb_array_length(p_doc);
            for v_i in (p_ann ->> 'i')::integer .. v_len - 1 loop
                continue when p_ann -> 'c' ? v_i::text;
                if v_kw = 'false'::jsonb then
                    p_errs := coalesce(p_errs, '[]'::jsonb) || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                        'path', p_path || '/' || v_i, 'keyword', 'unevaluatedItems', 'message', 'unevaluated item is not allowed'));
                    p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                    if not p_all then return; end if;
                else
                    v_r := beamline_internal.jsonschema_eval(p_root, p_ctx, v_kw, p_doc -> v_i, p_path || '/' || v_i, p_all, v_scope, 0, p_memo, p_left);
                    v_e := v_r.p_errs; p_memo := v_r.p_memo; p_left := v_r.p_left;
                    if v_e is not null then
                        p_errs := coalesce(p_errs, '[]'::jsonb) || v_e;
                        p_left := p_left - (pg_catalog.pg_column_size(p_errs) >> 13);  -- the list is copied on append
                        if not p_all then return; end if;
                    end if;
                end if;
            end loop;
            p_ann := pg_catalog.jsonb_set(p_ann, '{i}', pg_catalog.to_jsonb(greatest(v_len, (p_ann ->> 'i')::integer)));
        end if;
    end if;
end
$_$;

ALTER FUNCTION beamline_internal.jsonschema_eval(p_root jsonb, p_ctx jsonb, p_schema jsonb, p_doc jsonb, p_path text, p_all boolean, p_scope text[], p_hops integer, INOUT p_memo jsonb, INOUT p_left integer, OUT p_errs jsonb, OUT p_ann jsonb) OWNER TO beamline_owner;

--
-- Name: FUNCTION jsonschema_eval(p_root jsonb, p_ctx jsonb, p_schema jsonb, p_doc jsonb, p_path text, p_all boolean, p_scope text[], p_hops integer, INOUT p_memo jsonb, INOUT p_left integer, OUT p_errs jsonb, OUT p_ann jsonb); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.jsonschema_eval(p_root jsonb, p_ctx jsonb, p_schema jsonb, p_doc jsonb, p_path text, p_all boolean, p_scope text[], p_hops integer, INOUT p_memo jsonb, INOUT p_left integer, OUT p_errs jsonb, OUT p_ann jsonb) IS 'JSON Schema engine core: errors (NULL when valid) and evaluated-member annotations of one document node against one prepared subschema. Use beamline.validate.';

--
-- Name: jsonschema_fast_check(text, jsonpath, jsonb); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.jsonschema_fast_check(p_checksum text, p_predicate jsonpath, p_doc jsonb) RETURNS boolean
    LANGUAGE plpgsql STABLE
    AS $$
begin
    return p_predicate is not null
       and pg_catalog.jsonb_path_match(p_doc, p_predicate)
       and not exists (
           select 1
             from beamline.json_schema_fast_checks c
            cross join lateral pg_catalog.jsonb_path_query(p_doc, c.path) as n(v)
            where c.checksum = p_checksum
              and case when c.keys is not null
                       then (n.v operator(pg_catalog.-) c.keys) operator(pg_catalog.<>) '{}'::jsonb
                       else (select (beamline_internal.jsonschema_eval(f.root, f.ctx, c.schema, n.v, '', false,
                                         '{}'::text[], 0, '{}'::jsonb, beamline_internal.jsonschema_budget())).p_errs
                               from beamline.json_schema_fast f where f.checksum = p_checksum) is not null
                  end);
end
$$;

ALTER FUNCTION beamline_internal.jsonschema_fast_check(p_checksum text, p_predicate jsonpath, p_doc jsonb) OWNER TO beamline_owner;

--
-- Name: FUNCTION jsonschema_fast_check(p_checksum text, p_predicate jsonpath, p_doc jsonb); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.jsonschema_fast_check(p_checksum text, p_predicate jsonpath, p_doc jsonb) IS 'Evaluate the stored fast path of the schema with checksum p_checksum (its predicate passed in, then its checks): TRUE = certainly valid, FALSE = run the engine.';

--
-- Name: jsonschema_fast_registered(text, jsonb, jsonb); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.jsonschema_fast_registered(p_checksum text, p_root jsonb, p_doc jsonb) RETURNS boolean
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
declare
    v_pred jsonpath;
begin
    -- root and ctx (the prepared schema) are read only for opaque checks: on the hot path the
    -- large jsonb values are never detoasted
    select f.predicate into v_pred
      from beamline.json_schema_fast f where f.checksum = p_checksum and f.root is not null;
    if not found then
        return null;
    end if;
    return beamline_internal.jsonschema_fast_check(p_checksum, v_pred, p_doc);
end
$$;

ALTER FUNCTION beamline_internal.jsonschema_fast_registered(p_checksum text, p_root jsonb, p_doc jsonb) OWNER TO beamline_owner;

--
-- Name: FUNCTION jsonschema_fast_registered(p_checksum text, p_root jsonb, p_doc jsonb); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.jsonschema_fast_registered(p_checksum text, p_root jsonb, p_doc jsonb) IS 'Stored fast path of a registered schema by checksum: TRUE = certainly valid, FALSE = run the engine, NULL = not a registered schema.';

--
-- Name: jsonschema_fast_store(text, jsonb); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.jsonschema_fast_store(p_checksum text, p_prep jsonb) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
declare
    v_fast jsonb;
begin
    if exists (select 1 from beamline.json_schema_fast f where f.checksum = p_checksum and f.root is not null) then
        return;
    end if;
    delete from beamline.json_schema_fast f where f.checksum = p_checksum;
    v_fast := beamline_internal.jsonschema_compile(p_prep -> 'root', p_prep -> 'ctx');
    insert into beamline.json_schema_fast as f (checksum, predicate, root, ctx, cost)
    values (p_checksum, (v_fast ->> 'predicate')::jsonpath, p_prep -> 'root', p_prep -> 'ctx',
            beamline_internal.jsonschema_cost(p_prep -> 'root', p_prep -> 'ctx'));
    if v_fast is null then
        return;
    end if;
    insert into beamline.json_schema_fast_checks (checksum, ord, path, keys, schema)
    select p_checksum, c.ord::integer, (c.value ->> 'path')::jsonpath,
           case when c.value ? 'keys' then array(select pg_catalog.jsonb_array_elements_text(c.value -> 'keys')) end,
           case when c.value ? 'keys' then null else c.value -> 'schema' end
      from pg_catalog.jsonb_array_elements(v_fast -> 'checks') with ordinality as c(value, ord);
end
$$;

ALTER FUNCTION beamline_internal.jsonschema_fast_store(p_checksum text, p_prep jsonb) OWNER TO beamline_owner;

--
-- Name: FUNCTION jsonschema_fast_store(p_checksum text, p_prep jsonb); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.jsonschema_fast_store(p_checksum text, p_prep jsonb) IS 'Store the prepared form and compiled fast path (jsonschema_compile) of a checked schema under its checksum, once.';

--
-- Name: jsonschema_format(text, text); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.jsonschema_format(p_format text, p_value text) RETURNS boolean
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    AS $_$
declare
    v_m text[];
begin
    case p_format
    when 'date-time' then
        v_m := pg_catalog.regexp_match(p_value,
            '^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?([Zz]|[+-]([0-9]{2}):([0-9]{2}))$');
        if v_m is null or v_m[4]::integer > 23 or v_m[5]::integer > 59 or v_m[6]::integer > 60
           or coalesce(v_m[9]::integer, 0) > 23 or coalesce(v_m[10]::integer, 0) > 59 then
            return false;
        end if;
        return beamline_internal.jsonschema_format('date', v_m[1] || '-' || v_m[2] || '-' || v_m[3]);
    when 'date' then
        v_m := pg_catalog.regexp_match(p_value, '^([0-9]{4})-([0-9]{2})-([0-9]{2})$');
        if v_m is null or v_m[2]::integer not between 1 and 12 or v_m[3]::integer < 1 then
            return false;
        end if;
        return v_m[3]::integer <= case
            when v_m[2]::integer in (4, 6, 9, 11) then 30
            when v_m[2]::integer <> 2 then 31
            when v_m[1]::integer % 4 = 0 and (v_m[1]::integer % 100 <> 0 or v_m[1]::integer % 400 = 0) then 29
            else 28 end;
    when 'uuid' then
        return p_value operator(pg_catalog.~)
            '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
    when 'email' then
        return p_value operator(pg_catalog.~) '^[^@[:space:]]+@[^@[:space:]]+$';
    else
        return true;
    end case;
end
$_$;

ALTER FUNCTION beamline_internal.jsonschema_format(p_format text, p_value text) OWNER TO beamline_owner;

--
-- Name: FUNCTION jsonschema_format(p_format text, p_value text); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.jsonschema_format(p_format text, p_value text) IS 'Asserted JSON Schema formats (date-time, date, uuid, email); other formats are annotations (true).';

--
-- Name: jsonschema_index(jsonb, text, text, text); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.jsonschema_index(p_schema jsonb, p_ptr text, p_base text, p_res text) RETURNS SETOF jsonb
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $_$
declare
    v_base text := p_base;
    v_res  text := p_res;
    v_kw   text;
    v_key  text;
    v_i    integer;
begin
    if pg_catalog.jsonb_typeof(p_schema) <> 'object' then
        return;
    end if;
    if pg_catalog.jsonb_typeof(p_schema -> '$id') = 'string' then
        v_base := pg_catalog.split_part(beamline_internal.jsonschema_uri_resolve(p_base, p_schema ->> '$id'), '#', 1);
        v_res := p_ptr;
    end if;
    if v_res = p_ptr then
        return next pg_catalog.jsonb_build_object('k', 'res', 'uri', v_base, 'ptr', p_ptr);
        if pg_catalog.jsonb_typeof(p_schema -> '$schema') = 'string'
           and p_schema ->> '$schema' not in ('https://json-schema.org/draft/2020-12/schema',
                                              'https://json-schema.org/draft/2020-12/schema#') then
            return next pg_catalog.jsonb_build_object('k', 'meta', 'ptr', p_ptr, 'uri', p_schema ->> '$schema');
        end if;
    end if;
    if pg_catalog.jsonb_typeof(p_schema -> '$anchor') = 'string' then
        return next pg_catalog.jsonb_build_object('k', 'anc', 'uri', v_base || '#' || (p_schema ->> '$anchor'), 'ptr', p_ptr);
    end if;
    if pg_catalog.jsonb_typeof(p_schema -> '$dynamicAnchor') = 'string' then
        return next pg_catalog.jsonb_build_object('k', 'anc', 'uri', v_base || '#' || (p_schema ->> '$dynamicAnchor'), 'ptr', p_ptr);
        return next pg_catalog.jsonb_build_object('k', 'dyn', 'res', v_res, 'name', p_schema ->> '$dynamicAnchor', 'ptr', p_ptr);
    end if;
    if pg_catalog.jsonb_typeof(p_schema -> '$ref') = 'string' then
        return next pg_catalog.jsonb_build_object('k', 'ref', 'ptr', p_ptr, 'base', v_base, 'ref', p_schema ->> '$ref');
    end if;
    if pg_catalog.jsonb_typeof(p_schema -> '$dynamicRef') = 'string' then
        return next pg_catalog.jsonb_build_object('k', 'dref', 'ptr', p_ptr, 'base', v_base, 'ref', p_schema ->> '$dynamicRef');
    end if;
    foreach v_kw in array array['additionalProperties', 'propertyNames', 'items', 'contains', 'not', 'if',
                                'then', 'else', 'unevaluatedItems', 'unevaluatedProperties', 'contentSchema'] loop
        if p_schema ? v_kw then
            return query select * from beamline_internal.jsonschema_index(p_schema -> v_kw, p_ptr || '/' || v_kw, v_base, v_res);
        end if;
    end loop;
    foreach v_kw in array array['prefixItems', 'allOf', 'anyOf', 'oneOf'] loop
        if pg_catalog.jsonb_typeof(p_schema -> v_kw) = 'array' then
            for v_i in 0 .. pg_catalog.jsonb_array_length(p_schema -> v_kw) - 1 loop
                return query select * from beamline_internal.jsonschema_index(p_schema -> v_kw -> v_i, p_ptr || '/' || v_kw || '/' || v_i, v_base, v_res);
            end loop;
        end if;
    end loop;
    foreach v_kw in array array['properties', 'patternProperties', '$defs', 'dependentSchemas'] loop
        if pg_catalog.jsonb_typeof(p_schema -> v_kw) = 'object' then
            for v_key in select pg_catalog.jsonb_object_keys(p_schema -> v_kw) loop
                return query select * from beamline_internal.jsonschema_index(p_schema -> v_kw -> v_key,
                    p_ptr || '/' || pg_catalog.replace(v_kw, '~', '~0') || '/'
                          || pg_catalog.replace(pg_catalog.replace(v_key, '~', '~0'), '/', '~1'), v_base, v_res);
            end loop;
        end if;
    end loop;
    return;
end
$_$;

ALTER FUNCTION beamline_internal.jsonschema_index(p_schema jsonb, p_ptr text, p_base text, p_res text) OWNER TO beamline_owner;

--
-- Name: FUNCTION jsonschema_index(p_schema jsonb, p_ptr text, p_base text, p_res text); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.jsonschema_index(p_schema jsonb, p_ptr text, p_base text, p_res text) IS 'Resources, anchors, dynamic anchors and references of a JSON Schema tree (for jsonschema_prepare).';

--
-- Name: jsonschema_inplace_refs(jsonb); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.jsonschema_inplace_refs(p_schema jsonb) RETURNS text[]
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $_$
declare
    v_refs text[] := '{}';
    v_kw   text;
    v_i    integer;
begin
    if pg_catalog.jsonb_typeof(p_schema) is distinct from 'object' then
        return v_refs;
    end if;
    if p_schema ? '$ref' then
        v_refs := v_refs || (p_schema ->> '$ref');
    end if;
    if pg_catalog.jsonb_typeof(p_schema -> '$dynamicRef') = 'object' then
        v_refs := v_refs || (p_schema -> '$dynamicRef' ->> 't');
    end if;
    if pg_catalog.jsonb_typeof(p_schema -> 'dependentSchemas') = 'object' then
        for v_kw in select pg_catalog.jsonb_object_keys(p_schema -> 'dependentSchemas') loop
            v_refs := v_refs || beamline_internal.jsonschema_inplace_refs(p_schema -> 'dependentSchemas' -> v_kw);
        end loop;
    end if;
    foreach v_kw in array array['not', 'if', 'then', 'else'] loop
        if p_schema ? v_kw then
            v_refs := v_refs || beamline_internal.jsonschema_inplace_refs(p_schema -> v_kw);
        end if;
    end loop;
    foreach v_kw in array array['allOf', 'anyOf', 'oneOf'] loop
        if pg_catalog.jsonb_typeof(p_schema -> v_kw) = 'array' then
            for v_i in 0 .. pg_catalog.jsonb_array_length(p_schema -> v_kw) - 1 loop
                v_refs := v_refs || beamline_internal.jsonschema_inplace_refs(p_schema -> v_kw -> v_i);
            end loop;
        end if;
    end loop;
    return v_refs;
end
$_$;

ALTER FUNCTION beamline_internal.jsonschema_inplace_refs(p_schema jsonb) OWNER TO beamline_owner;

--
-- Name: FUNCTION jsonschema_inplace_refs(p_schema jsonb); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.jsonschema_inplace_refs(p_schema jsonb) IS 'The $refs a JSON schema applies to the same document node (for $ref cycle detection).';

--
-- Name: jsonschema_merge(jsonb, jsonb); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.jsonschema_merge(p_target jsonb, p_patch jsonb) RETURNS jsonb
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
declare
    v_result jsonb;
    v_key    text;
    v_value  jsonb;
begin
    if pg_catalog.jsonb_typeof(p_patch) <> 'object' then
        return p_patch;
    end if;
    if pg_catalog.jsonb_typeof(p_target) = 'object' then
        v_result := p_target;
    else
        v_result := '{}'::jsonb;
    end if;
    for v_key, v_value in select e.key, e.value from pg_catalog.jsonb_each(p_patch) as e loop
        if v_value = 'null'::jsonb then
            v_result := v_result - v_key;
        else
            v_result := pg_catalog.jsonb_set(v_result, array[v_key],
                beamline_internal.jsonschema_merge(v_result -> v_key, v_value), true);
        end if;
    end loop;
    return v_result;
end
$$;

ALTER FUNCTION beamline_internal.jsonschema_merge(p_target jsonb, p_patch jsonb) OWNER TO beamline_owner;

--
-- Name: FUNCTION jsonschema_merge(p_target jsonb, p_patch jsonb); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.jsonschema_merge(p_target jsonb, p_patch jsonb) IS 'RFC 7396 MergePatch recursion behind beamline.merge_patch (NULL target = absent member).';

--
-- Name: jsonschema_pct_decode(text); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.jsonschema_pct_decode(p_text text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
begin
    if pg_catalog.strpos(p_text, '%') = 0 then
        return p_text;
    end if;
    return (select pg_catalog.string_agg(
                case when pg_catalog.left(t.m[1], 1) = '%'
                     then pg_catalog.convert_from(pg_catalog.decode(pg_catalog.replace(t.m[1], '%', ''), 'hex'), 'UTF8')
                     else t.m[1] end, '' order by t.n)
              from pg_catalog.regexp_matches(p_text, '((?:%[0-9A-Fa-f]{2})+|[^%]+|%)', 'g') with ordinality as t(m, n)
             having pg_catalog.bool_and(t.m[1] <> '%'));
exception
    when character_not_in_repertoire or untranslatable_character then
        return null;
end
$$;

ALTER FUNCTION beamline_internal.jsonschema_pct_decode(p_text text) OWNER TO beamline_owner;

--
-- Name: FUNCTION jsonschema_pct_decode(p_text text); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.jsonschema_pct_decode(p_text text) IS 'Percent-decode a URI fragment (UTF-8); NULL when malformed.';

--
-- Name: jsonschema_pointer(text); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.jsonschema_pointer(p_ref text) RETURNS text[]
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    AS $$
declare
    v_parts text[];
begin
    if p_ref = '#' then
        return '{}'::text[];
    end if;
    v_parts := pg_catalog.string_to_array(pg_catalog.substr(p_ref, 3), '/');
    if pg_catalog.strpos(p_ref, '~') = 0 then
        return v_parts;
    end if;
    for v_i in 1 .. pg_catalog.cardinality(v_parts) loop
        v_parts[v_i] := pg_catalog.replace(pg_catalog.replace(v_parts[v_i], '~1', '/'), '~0', '~');
    end loop;
    return v_parts;
end
$$;

ALTER FUNCTION beamline_internal.jsonschema_pointer(p_ref text) OWNER TO beamline_owner;

--
-- Name: FUNCTION jsonschema_pointer(p_ref text); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.jsonschema_pointer(p_ref text) IS 'A local JSON Schema $ref ("#/$defs/x") as a text[] path for #>, with RFC 6901 ~0/~1 unescaping.';

--
-- Name: jsonschema_prepare(jsonb); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.jsonschema_prepare(p_schema jsonb) RETURNS jsonb
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $_$
declare
    c_base   constant text := 'https://beamline.invalid/schema';
    v_root   jsonb := pg_catalog.jsonb_build_object('0', p_schema);
    v_batch  jsonb[];
    v_next   jsonb[];
    v_e      jsonb;
    v_res    jsonb := '{}';   -- resource URI -> pointer
    v_resptr jsonb := '{}';   -- resource pointer -> true
    v_anc    jsonb := '{}';   -- URI#anchor -> pointer
    v_dyn    jsonb := '{}';   -- resource pointer -> {dynamic anchor -> pointer}
    v_ctx    jsonb := '{}';
    v_probs  jsonb[] := '{}';
    -- one entry per resolved reference (parallel arrays, appended in place)
    v_site   text[] := '{}';  -- pointer of the subschema holding the reference
    v_tgt    text[] := '{}';  -- "#" || target pointer
    v_kind   text[] := '{}';  -- ref / dref
    v_dname  text[] := '{}';  -- $dynamicRef: the dynamic anchor name, or null
    v_tres   text[] := '{}';  -- the target's resource pointer
    v_strip  jsonb := '{}';   -- resource pointer -> keywords its meta-schema leaves out
    v_patch  jsonb;
    v_n      integer := 1;
    v_abs    text;
    v_uri    text;
    v_frag   text;
    v_rp     text;
    v_target text;
    v_remote jsonb;
    v_name   text;
    v_p      text;
    v_src    text[];
    v_dst    text[];
    v_cnt    integer;
    v_round  integer := 0;
    v_dynref boolean := false;
    v_fmt    boolean := false;
    v_voc    jsonb;
    -- draft 2020-12 vocabularies and the keywords of each (core is always on)
    c_vocabs constant text[] := array[
        'https://json-schema.org/draft/2020-12/vocab/core', 'https://json-schema.org/draft/2020-12/vocab/applicator',
        'https://json-schema.org/draft/2020-12/vocab/unevaluated', 'https://json-schema.org/draft/2020-12/vocab/validation',
        'https://json-schema.org/draft/2020-12/vocab/meta-data', 'https://json-schema.org/draft/2020-12/vocab/format-annotation',
        'https://json-schema.org/draft/2020-12/vocab/format-assertion', 'https://json-schema.org/draft/2020-12/vocab/content'];
    c_vocab_keywords constant jsonb := '{
        "https://json-schema.org/draft/2020-12/vocab/applicator": ["prefixItems", "items", "contains", "additionalProperties",
            "properties", "patternProperties", "dependentSchemas", "propertyNames", "if", "then", "else", "allOf", "anyOf", "oneOf", "not"],
        "https://json-schema.org/draft/2020-12/vocab/unevaluated": ["unevaluatedItems", "unevaluatedProperties"],
        "https://json-schema.org/draft/2020-12/vocab/validation": ["type", "enum", "const", "multipleOf", "maximum",
            "exclusiveMaximum", "minimum", "exclusiveMinimum", "maxLength", "minLength", "pattern", "maxItems", "minItems",
            "uniqueItems", "maxContains", "minContains", "maxProperties", "minProperties", "required", "dependentRequired"]}';
begin
    v_batch := array(select beamline_internal.jsonschema_index(p_schema, '/0', c_base, '/0'));
    while pg_catalog.cardinality(v_batch) > 0 loop
        -- register this batch's resources and anchors first (the first definition wins)
        select v_res || coalesce(pg_catalog.jsonb_object_agg(e.uri, e.ptr), '{}'::jsonb) into v_res
          from (select distinct on (b.e ->> 'uri') b.e ->> 'uri' as uri, b.e ->> 'ptr' as ptr
                  from pg_catalog.unnest(v_batch) with ordinality as b(e, n)
                 where b.e ->> 'k' = 'res' and not (v_res ? (b.e ->> 'uri'))
                 order by b.e ->> 'uri', b.n) as e;
        select v_resptr || coalesce(pg_catalog.jsonb_object_agg(b.e ->> 'ptr', true), '{}'::jsonb) into v_resptr
          from (select distinct b.e from pg_catalog.unnest(v_batch) as b(e) where b.e ->> 'k' = 'res') as b;
        select v_anc || coalesce(pg_catalog.jsonb_object_agg(e.uri, e.ptr), '{}'::jsonb) into v_anc
          from (select distinct on (b.e ->> 'uri') b.e ->> 'uri' as uri, b.e ->> 'ptr' as ptr
                  from pg_catalog.unnest(v_batch) with ordinality as b(e, n)
                 where b.e ->> 'k' = 'anc' and not (v_anc ? (b.e ->> 'uri'))
                 order by b.e ->> 'uri', b.n) as e;
        select v_dyn || coalesce(pg_catalog.jsonb_object_agg(d.res, d.names), '{}'::jsonb) into v_dyn
          from (select b.e ->> 'res' as res, pg_catalog.jsonb_object_agg(b.e ->> 'name', b.e ->> 'ptr') as names
                  from pg_catalog.unnest(v_batch) as b(e) where b.e ->> 'k' = 'dyn' group by b.e ->> 'res') as d;

        v_next := '{}';
        foreach v_e in array v_batch loop
            continue when v_e ->> 'k' in ('res', 'anc', 'dyn');
            exit when pg_catalog.cardinality(v_probs) >= 100;
            if v_e ->> 'k' = 'meta' then
                -- "$schema" other than draft 2020-12: a registered meta-schema, whose "$vocabulary"
                -- says which keywords this resource uses (the others are dropped: annotations)
                v_uri := pg_catalog.split_part(v_e ->> 'uri', '#', 1);
                select s.schema -> '$vocabulary' into v_voc
                  from beamline.json_schemas as s
                 where s.tenant_id is null and s.schema ->> '$id' in (v_uri, v_uri || '#')
                 order by s.version desc, s.created_at desc
                 limit 1;
                if not found then
                    v_probs := v_probs || pg_catalog.jsonb_build_object(
                        'path', pg_catalog.regexp_replace(v_e ->> 'ptr', '^/0', ''), 'keyword', '$schema',
                        'message', pg_catalog.format('unknown meta-schema %s: only draft 2020-12 or a registered meta-schema',
                            pg_catalog.to_jsonb(v_e ->> 'uri')));
                elsif v_voc is not null then
                    select pg_catalog.string_agg(d.key, ', ') into v_name
                      from pg_catalog.jsonb_each(v_voc) as d
                     where d.value = 'true'::jsonb and not (d.key = any (c_vocabs));
                    if v_name is not null then
                        v_probs := v_probs || pg_catalog.jsonb_build_object(
                            'path', pg_catalog.regexp_replace(v_e ->> 'ptr', '^/0', ''), 'keyword', '$schema',
                            'message', pg_catalog.format('the meta-schema requires unknown vocabularies: %s', v_name));
                    end if;
                    v_strip := v_strip || pg_catalog.jsonb_build_object(v_e ->> 'ptr',
                        (select coalesce(pg_catalog.jsonb_agg(k.kw), '[]'::jsonb)
                           from pg_catalog.jsonb_each(c_vocab_keywords) as v(uri, kws)
                           cross join lateral pg_catalog.jsonb_array_elements_text(v.kws) as k(kw)
                          where not (v_voc ? v.uri)));
                    if v_voc ? 'https://json-schema.org/draft/2020-12/vocab/format-assertion' then
                        v_fmt := true;
                    end if;
                end if;
                continue;
            end if;
            -- ref, dref
            v_abs := beamline_internal.jsonschema_uri_resolve(v_e ->> 'base', v_e ->> 'ref');
            v_uri := pg_catalog.split_part(v_abs, '#', 1);
            v_frag := case when pg_catalog.strpos(v_abs, '#') > 0
                           then beamline_internal.jsonschema_pct_decode(pg_catalog.substr(v_abs, pg_catalog.strpos(v_abs, '#') + 1))
                           else '' end;
            v_rp := v_res ->> v_uri;
            if v_rp is null then
                -- a registered schema, copied in; its events join the next batch, and this
                -- reference is resolved again once they are registered
                select s.schema into v_remote
                  from beamline.json_schemas as s
                 where s.tenant_id is null
                   and s.schema ->> '$id' in (v_uri, v_uri || '#')
                 order by s.version desc, s.created_at desc
                 limit 1;
                if found then
                    v_root := v_root || pg_catalog.jsonb_build_object(v_n::text, v_remote);
                    v_res := v_res || pg_catalog.jsonb_build_object(v_uri, '/' || v_n);
                    v_resptr := v_resptr || pg_catalog.jsonb_build_object('/' || v_n, true);
                    v_next := v_next || array(select beamline_internal.jsonschema_index(v_remote, '/' || v_n, v_uri, '/' || v_n));
                    v_next := v_next || v_e;
                    v_n := v_n + 1;
                    continue;
                end if;
            end if;
            v_target := case
                when v_rp is null or v_frag is null then null
                when v_frag = '' then v_rp
                when pg_catalog.left(v_frag, 1) = '/' then v_rp || v_frag
                else v_anc ->> (v_uri || '#' || v_frag) end;
            if v_target is not null and pg_catalog.left(v_frag, 1) = '/'
               and coalesce(pg_catalog.jsonb_typeof(v_root #> beamline_internal.jsonschema_pointer('#' || v_target)), '')
                   not in ('object', 'boolean') then
                v_target := null;
            end if;
            if v_target is null then
                v_probs := v_probs || pg_catalog.jsonb_build_object(
                    'path', pg_catalog.regexp_replace(v_e ->> 'ptr', '^/0', ''),
                    'keyword', case when v_e ->> 'k' = 'ref' then '$ref' else '$dynamicRef' end,
                    'message', pg_catalog.format('%s does not resolve to a schema here or in a registered schema (resolved: %s)',
                        pg_catalog.to_jsonb(v_e ->> 'ref'), pg_catalog.to_jsonb(v_abs)));
                continue;
            end if;
            -- the resource holding the target (the longest resource pointer that prefixes it):
            -- entering it extends the dynamic scope
            v_p := v_target;
            while not (v_resptr ? v_p) and v_p <> '' loop
                v_p := pg_catalog.regexp_replace(v_p, '/[^/]*$', '');
            end loop;
            v_name := null;
            if v_e ->> 'k' = 'dref' then
                v_name := case when pg_catalog.left(v_frag, 1) <> '/' and v_frag <> ''
                                and v_root #> beamline_internal.jsonschema_pointer('#' || v_target) ->> '$dynamicAnchor' = v_frag
                               then v_frag end;
                v_dynref := v_dynref or v_name is not null;
            end if;
            v_site := v_site || (v_e ->> 'ptr');
            v_tgt := v_tgt || ('#' || v_target);
            v_kind := v_kind || (v_e ->> 'k');
            v_dname := v_dname || v_name;
            v_tres := v_tres || v_p;
        end loop;
        v_batch := v_next;
    end loop;
    if pg_catalog.cardinality(v_probs) > 0 then
        return pg_catalog.jsonb_build_object('problems', pg_catalog.to_jsonb(v_probs));
    end if;

    -- The rewrite, one set of members per subschema pointer:
    --   "$ref" (the target), "$refResource" (its resource), "$refShared" (memoised: more than
    --   one reference site points at the target, or it is also reached by plain descent, i.e.
    --   anything but a direct member of "$defs"; only such targets let one (subschema,
    --   location) pair be reached along several paths, see jsonschema_ref); "$dynamicRef" as
    --   {"t", "n", "r"}; "$strip"; and, when a dynamic reference exists, every resource's "$id"
    --   becomes its own pointer (its identity in the dynamic scope).
    with r as (
        select t.site, t.tgt, t.kind, t.dname, t.tres,
               pg_catalog.count(*) over (partition by t.tgt) as sites
          from rows from (pg_catalog.unnest(v_site), pg_catalog.unnest(v_tgt), pg_catalog.unnest(v_kind),
                          pg_catalog.unnest(v_dname), pg_catalog.unnest(v_tres)) as t(site, tgt, kind, dname, tres)
    ), members(ptr, k, v) as (
        select r.site, '$ref', pg_catalog.to_jsonb(r.tgt) from r where r.kind = 'ref'
        union all
        select r.site, '$refResource', pg_catalog.to_jsonb(r.tres) from r where r.kind = 'ref'
        union all
        select r.site, '$refShared', 'true'::jsonb from r
         where r.kind = 'ref'
           and (r.sites > 1 or not (r.tgt operator(pg_catalog.~) '^#/[0-9]+/(.*/)?\$defs/[^/]+$'))
        union all
        select r.site, '$dynamicRef', pg_catalog.jsonb_build_object('t', r.tgt, 'n', r.dname, 'r', r.tres) from r where r.kind = 'dref'
        union all
        select s.key, '$strip', s.value from pg_catalog.jsonb_each(v_strip) as s
        union all
        select e.key, '$id', pg_catalog.to_jsonb(e.key) from pg_catalog.jsonb_each(v_resptr) as e where v_dynref
    )
    select coalesce(pg_catalog.jsonb_object_agg(m.ptr, m.obj), '{}'::jsonb) into v_patch
      from (select members.ptr, pg_catalog.jsonb_object_agg(members.k, members.v) as obj
              from members group by members.ptr) as m;
    if v_dynref then
        v_ctx := v_ctx || pg_catalog.jsonb_build_object('dyn', v_dyn);
    end if;
    select pg_catalog.jsonb_object_agg(r.key, beamline_internal.jsonschema_rewrite(r.value, '/' || r.key, v_patch))
      into v_root from pg_catalog.jsonb_each(v_root) as r;

    -- $ref cycles that never consume the document: in the graph "target -> the references its
    -- subschema applies to the same node", drop edges into nodes without outgoing edges until
    -- nothing changes; edges left over lie on or lead into a cycle. At most 256 rounds: a
    -- longer non-descending chain is refused like a cycle (the engine stops at 256 hops).
    select pg_catalog.array_agg(t.tgt), pg_catalog.array_agg(d.ref) into v_src, v_dst
      from (select distinct u.tgt from pg_catalog.unnest(v_tgt) as u(tgt)) as t
      cross join lateral pg_catalog.unnest(beamline_internal.jsonschema_inplace_refs(
          v_root #> beamline_internal.jsonschema_pointer(t.tgt))) as d(ref);
    loop
        v_cnt := coalesce(pg_catalog.cardinality(v_src), 0);
        exit when v_cnt = 0 or v_round >= 256;
        v_round := v_round + 1;
        select pg_catalog.array_agg(e.s), pg_catalog.array_agg(e.d) into v_src, v_dst
          from rows from (pg_catalog.unnest(v_src), pg_catalog.unnest(v_dst)) as e(s, d)
         where e.d in (select x.s from pg_catalog.unnest(v_src) as x(s));
        exit when coalesce(pg_catalog.cardinality(v_src), 0) = v_cnt;
    end loop;
    if coalesce(pg_catalog.cardinality(v_src), 0) > 0 then
        return pg_catalog.jsonb_build_object('problems', pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
            'path', '', 'keyword', '$ref',
            'message', pg_catalog.format('$ref to %s is on (or leads into) a cycle, or a chain over 256 deep, that never descends into the document',
                pg_catalog.to_jsonb(pg_catalog.regexp_replace(v_src[1], '^#/0', '#'))))));
    end if;
    if pg_catalog.strpos(v_root::text, '"unevaluated') > 0 then
        v_ctx := v_ctx || '{"u": true}';
    end if;
    if v_fmt or p_schema -> 'x-beamline-format-assertion' = 'true'::jsonb then
        v_ctx := v_ctx || '{"f": true}';
    end if;
    return pg_catalog.jsonb_build_object('root', v_root, 'ctx', v_ctx, 'problems', '[]'::jsonb);
end
$_$;

ALTER FUNCTION beamline_internal.jsonschema_prepare(p_schema jsonb) OWNER TO beamline_owner;

--
-- Name: FUNCTION jsonschema_prepare(p_schema jsonb); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.jsonschema_prepare(p_schema jsonb) IS 'Resolve the $ref/$dynamicRef of a checked JSON Schema ($id, anchors, registered schemas) into pointers of a prepared document for the engine; problems when one does not resolve or cycles.';

--
-- Name: jsonschema_ref(jsonb, jsonb, text, boolean, jsonb, text, boolean, text[], integer, jsonb, integer); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.jsonschema_ref(p_root jsonb, p_ctx jsonb, p_target text, p_shared boolean, p_doc jsonb, p_path text, p_all boolean, p_scope text[], p_hops integer, INOUT p_memo jsonb, INOUT p_left integer, OUT p_errs jsonb, OUT p_ann jsonb) RETURNS record
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    AS $_$
declare
    v_key text;
    v_m   jsonb;
    v_r   record;
begin
    if p_hops >= 256 then
        raise exception using errcode = 'BL010',
            message = 'JSON Schema $ref chain does not terminate',
            detail = pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                'path', p_path, 'keyword', '$ref', 'message', 'more than 256 $ref hops without consuming the document'))::text,
            hint = 'A $ref cycle must pass through properties, items or another keyword that descends into the document.';
    end if;
    if p_shared then
        v_key := p_target || E'\x01' || p_path;
        if p_ctx ? 'dyn' then
            v_key := v_key || E'\x01' || pg_catalog.array_to_string(p_scope, E'\x02');
        end if;
        v_m := p_memo -> v_key;
        if v_m is not null and (v_m -> 'e' = 'null'::jsonb or not p_all or v_m -> 'f' = 'true'::jsonb) then
            p_errs := nullif(v_m -> 'e', 'null'::jsonb);
            p_ann := nullif(v_m -> 'a', 'null'::jsonb);
            return;
        end if;
    end if;
    v_r := beamline_internal.jsonschema_eval(p_root, p_ctx, p_root #> beamline_internal.jsonschema_pointer(p_target),
                                             p_doc, p_path, p_all, p_scope, p_hops + 1, p_memo, p_left);
    p_errs := v_r.p_errs; p_ann := v_r.p_ann; p_memo := v_r.p_memo; p_left := v_r.p_left;
    if p_shared and (p_ann is null or pg_catalog.pg_column_size(p_ann) <= 1024) then
        if pg_catalog.pg_column_size(p_memo) > 16384 then
            p_memo := '{}';
        end if;
        p_memo := p_memo || pg_catalog.jsonb_build_object(v_key, case
            when p_errs is null or pg_catalog.jsonb_array_length(p_errs) <= 4
                then pg_catalog.jsonb_build_object('e', p_errs, 'a', p_ann, 'f', p_all)
            else pg_catalog.jsonb_build_object('e', pg_catalog.jsonb_build_array(p_errs -> 0), 'f', false) end);
    end if;
end
$_$;

ALTER FUNCTION beamline_internal.jsonschema_ref(p_root jsonb, p_ctx jsonb, p_target text, p_shared boolean, p_doc jsonb, p_path text, p_all boolean, p_scope text[], p_hops integer, INOUT p_memo jsonb, INOUT p_left integer, OUT p_errs jsonb, OUT p_ann jsonb) OWNER TO beamline_owner;

--
-- Name: FUNCTION jsonschema_ref(p_root jsonb, p_ctx jsonb, p_target text, p_shared boolean, p_doc jsonb, p_path text, p_all boolean, p_scope text[], p_hops integer, INOUT p_memo jsonb, INOUT p_left integer, OUT p_errs jsonb, OUT p_ann jsonb); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.jsonschema_ref(p_root jsonb, p_ctx jsonb, p_target text, p_shared boolean, p_doc jsonb, p_path text, p_all boolean, p_scope text[], p_hops integer, INOUT p_memo jsonb, INOUT p_left integer, OUT p_errs jsonb, OUT p_ann jsonb) IS 'JSON Schema engine: apply a resolved reference target to a document node, memoised per (target, location, dynamic scope) when the target is shared.';

--
-- Name: jsonschema_regex(text); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.jsonschema_regex(p_pattern text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
declare
    v_out  text := '';
    v_i    integer := 1;
    v_len  integer := pg_catalog.char_length(p_pattern);
    v_c    text;
    v_in   boolean := false;  -- inside [...]
    v_m    text[];
    v_cls  text;
begin
    if pg_catalog.strpos(p_pattern, '\p{') = 0 and pg_catalog.strpos(p_pattern, '\P{') = 0 then
        return p_pattern;
    end if;
    while v_i <= v_len loop
        v_c := pg_catalog.substr(p_pattern, v_i, 1);
        if v_c = '\' then
            v_m := pg_catalog.regexp_match(pg_catalog.substr(p_pattern, v_i), '^\\([pP])\{([A-Za-z_]+)\}');
            v_cls := case when v_m is null then null
                          when v_m[2] in ('L', 'Letter') then 'alpha'
                          when v_m[2] in ('N', 'Nd', 'digit', 'Decimal_Number') then 'digit' end;
            if v_cls is not null and not (v_in and v_m[1] = 'P') then
                v_out := v_out || case when v_in then '[:' || v_cls || ':]'
                                       when v_m[1] = 'p' then '[[:' || v_cls || ':]]'
                                       else '[^[:' || v_cls || ':]]' end;
                v_i := v_i + pg_catalog.char_length(v_m[1]) + pg_catalog.char_length(v_m[2]) + 3;
                continue;
            end if;
            v_out := v_out || pg_catalog.substr(p_pattern, v_i, 2);
            v_i := v_i + 2;
            continue;
        end if;
        if v_c = '[' and not v_in then
            v_in := true;
        elsif v_c = ']' and v_in then
            v_in := false;
        end if;
        v_out := v_out || v_c;
        v_i := v_i + 1;
    end loop;
    return v_out;
end
$$;

ALTER FUNCTION beamline_internal.jsonschema_regex(p_pattern text) OWNER TO beamline_owner;

--
-- Name: FUNCTION jsonschema_regex(p_pattern text); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.jsonschema_regex(p_pattern text) IS 'ECMA-262 pattern syntax PostgreSQL lacks (Unicode property escapes \p{L}, \p{Nd}, ...) translated to ARE classes.';

--
-- Name: jsonschema_register(text, text, jsonb, text); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.jsonschema_register(p_name text, p_tenant text, p_schema jsonb, p_actor text) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $_$
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
$_$;

ALTER FUNCTION beamline_internal.jsonschema_register(p_name text, p_tenant text, p_schema jsonb, p_actor text) OWNER TO beamline_owner;

--
-- Name: FUNCTION jsonschema_register(p_name text, p_tenant text, p_schema jsonb, p_actor text); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.jsonschema_register(p_name text, p_tenant text, p_schema jsonb, p_actor text) IS 'Check a JSON Schema (BL010) and store it as the next version of (name, tenant); returns the current version, unchanged when identical.';

--
-- Name: jsonschema_rewrite(jsonb, text, jsonb, text[]); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.jsonschema_rewrite(p_schema jsonb, p_ptr text, p_patch jsonb, p_strip text[] DEFAULT '{}'::text[]) RETURNS jsonb
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $_$
declare
    v_out jsonb := p_schema;
    v_kw  text;
    v_key text;
    v_sub jsonb;
    v_strip text[] := p_strip;
begin
    if pg_catalog.jsonb_typeof(p_schema) <> 'object' then
        return p_schema;
    end if;
    if p_patch ? p_ptr then
        if p_patch -> p_ptr ? '$strip' then
            v_strip := v_strip || array(select pg_catalog.jsonb_array_elements_text(p_patch -> p_ptr -> '$strip'));
        end if;
        v_out := v_out || ((p_patch -> p_ptr) - '$strip');
    end if;
    v_out := v_out - v_strip;
    -- ECMA-262 regex syntax PostgreSQL lacks (\p{Letter}, ...), translated once here
    if pg_catalog.jsonb_typeof(v_out -> 'pattern') = 'string' then
        v_out := v_out || pg_catalog.jsonb_build_object('pattern', beamline_internal.jsonschema_regex(v_out ->> 'pattern'));
    end if;
    foreach v_kw in array array['additionalProperties', 'propertyNames', 'items', 'contains', 'not', 'if',
                                'then', 'else', 'unevaluatedItems', 'unevaluatedProperties', 'contentSchema'] loop
        if pg_catalog.jsonb_typeof(v_out -> v_kw) = 'object' then
            v_out := v_out || pg_catalog.jsonb_build_object(v_kw,
                beamline_internal.jsonschema_rewrite(v_out -> v_kw, p_ptr || '/' || v_kw, p_patch, v_strip));
        end if;
    end loop;
    foreach v_kw in array array['prefixItems', 'allOf', 'anyOf', 'oneOf'] loop
        if pg_catalog.jsonb_typeof(v_out -> v_kw) = 'array' then
            select pg_catalog.jsonb_agg(beamline_internal.jsonschema_rewrite(e.value, p_ptr || '/' || v_kw || '/' || (e.n - 1), p_patch, v_strip) order by e.n)
              into v_sub from pg_catalog.jsonb_array_elements(v_out -> v_kw) with ordinality as e(value, n);
            v_out := v_out || pg_catalog.jsonb_build_object(v_kw, v_sub);
        end if;
    end loop;
    foreach v_kw in array array['properties', 'patternProperties', '$defs', 'dependentSchemas'] loop
        if pg_catalog.jsonb_typeof(v_out -> v_kw) = 'object' then
            select pg_catalog.jsonb_object_agg(
                       case when v_kw = 'patternProperties' then beamline_internal.jsonschema_regex(e.key) else e.key end,
                       beamline_internal.jsonschema_rewrite(e.value,
                       p_ptr || '/' || pg_catalog.replace(v_kw, '~', '~0') || '/'
                             || pg_catalog.replace(pg_catalog.replace(e.key, '~', '~0'), '/', '~1'), p_patch, v_strip))
              into v_sub from pg_catalog.jsonb_each(v_out -> v_kw) as e;
            v_out := v_out || pg_catalog.jsonb_build_object(v_kw, coalesce(v_sub, '{}'::jsonb));
        end if;
    end loop;
    return v_out;
end
$_$;

ALTER FUNCTION beamline_internal.jsonschema_rewrite(p_schema jsonb, p_ptr text, p_patch jsonb, p_strip text[]) OWNER TO beamline_owner;

--
-- Name: FUNCTION jsonschema_rewrite(p_schema jsonb, p_ptr text, p_patch jsonb, p_strip text[]); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.jsonschema_rewrite(p_schema jsonb, p_ptr text, p_patch jsonb, p_strip text[]) IS 'Replace members of the subschemas named by JSON pointer in p_patch (jsonschema_prepare''s resolved references).';

--
-- Name: jsonschema_run(jsonb, jsonb, jsonb); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.jsonschema_run(p_root jsonb, p_ctx jsonb, p_doc jsonb) RETURNS jsonb
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
declare
    v_errs jsonb;
    v_r    record;
begin
    v_r := beamline_internal.jsonschema_eval(p_root, p_ctx, p_root -> '0', p_doc, '', true, '{}'::text[], 0,
                                             '{}'::jsonb, beamline_internal.jsonschema_budget());
    v_errs := v_r.p_errs;
    if v_r.p_left < 0 then  -- charges after the last subschema application
        raise exception using errcode = 'BL040',
            message = 'JSON Schema validation exceeded its work budget',
            detail = pg_catalog.jsonb_build_object('limit', 'validation_steps', 'path', '')::text,
            hint = 'The schema applies too many subschemas to this document (docs/VALIDATION.md, "Work budget"): simplify the schema or split the document.';
    end if;
    if v_errs is null then
        return '[]'::jsonb;
    end if;
    return (select pg_catalog.jsonb_agg(e.value order by
                        pg_catalog.length(e.value ->> 'path') - pg_catalog.length(pg_catalog.replace(e.value ->> 'path', '/', '')), e.n)
              from pg_catalog.jsonb_array_elements(v_errs) with ordinality as e(value, n));
end
$$;

ALTER FUNCTION beamline_internal.jsonschema_run(p_root jsonb, p_ctx jsonb, p_doc jsonb) OWNER TO beamline_owner;

--
-- Name: FUNCTION jsonschema_run(p_root jsonb, p_ctx jsonb, p_doc jsonb); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.jsonschema_run(p_root jsonb, p_ctx jsonb, p_doc jsonb) IS 'Every error of a document against a prepared JSON Schema, shallow paths first; BL040 over the work budget.';

--
-- Name: jsonschema_uri_resolve(text, text); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.jsonschema_uri_resolve(p_base text, p_ref text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $_$
declare
    v_base   text := pg_catalog.split_part(p_base, '#', 1);
    v_m      text[];
    v_path   text;
    v_seg    text;
    v_out    text[] := '{}';
    v_prefix text;
    v_tail   text := '';
begin
    if p_ref operator(pg_catalog.~) '^[A-Za-z][A-Za-z0-9+.-]*:' then
        v_prefix := null;  -- absolute: only normalise its path below
        v_m := pg_catalog.regexp_match(p_ref, '^([A-Za-z][A-Za-z0-9+.-]*:(//[^/?#]*)?)([^?#]*)(.*)$');
        if v_m[2] is null then
            return p_ref;  -- urn:..., tag:...: no hierarchy
        end if;
        v_prefix := v_m[1]; v_path := v_m[3]; v_tail := v_m[4];
    elsif p_ref = '' or pg_catalog.left(p_ref, 1) = '#' then
        return v_base || p_ref;
    else
        v_m := pg_catalog.regexp_match(v_base, '^([A-Za-z][A-Za-z0-9+.-]*:(//[^/?#]*)?)([^?#]*)');
        if v_m is null or v_m[2] is null then
            return p_ref;
        end if;
        if pg_catalog.left(p_ref, 2) = '//' then
            return pg_catalog.split_part(v_m[1], ':', 1) || ':' || p_ref;
        end if;
        v_prefix := v_m[1];
        v_m := pg_catalog.regexp_match(p_ref, '^([^?#]*)(.*)$');
        v_tail := v_m[2];
        if pg_catalog.left(v_m[1], 1) = '/' then
            v_path := v_m[1];
        elsif v_m[1] = '' then
            v_path := (pg_catalog.regexp_match(v_base, '^[A-Za-z][A-Za-z0-9+.-]*:(//[^/?#]*)?([^?#]*)'))[2];
            if pg_catalog.left(v_tail, 1) = '#' then
                v_tail := coalesce((pg_catalog.regexp_match(v_base, '(\?[^#]*)'))[1], '') || v_tail;
            end if;
        else
            v_path := (pg_catalog.regexp_match(v_base, '^[A-Za-z][A-Za-z0-9+.-]*:(//[^/?#]*)?([^?#]*)'))[2];
            v_path := pg_catalog.regexp_replace(v_path, '[^/]*$', '');
            if v_path = '' then v_path := '/'; end if;
            v_path := v_path || v_m[1];
        end if;
    end if;
    -- remove dot segments (RFC 3986 §5.2.4)
    foreach v_seg in array pg_catalog.string_to_array(v_path, '/') loop
        if v_seg = '..' then
            if pg_catalog.cardinality(v_out) > 1 then v_out := v_out[1:pg_catalog.cardinality(v_out) - 1]; end if;
        elsif v_seg <> '.' then
            v_out := v_out || v_seg;
        end if;
    end loop;
    -- a path ending in "." or ".." names a directory
    if pg_catalog.split_part(v_path, '/', -1) in ('.', '..') and pg_catalog.cardinality(v_out) > 0 then
        v_out := v_out || ''::text;
    end if;
    v_path := pg_catalog.array_to_string(v_out, '/');
    return v_prefix || v_path || v_tail;
end
$_$;

ALTER FUNCTION beamline_internal.jsonschema_uri_resolve(p_base text, p_ref text) OWNER TO beamline_owner;

--
-- Name: FUNCTION jsonschema_uri_resolve(p_base text, p_ref text); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.jsonschema_uri_resolve(p_base text, p_ref text) IS 'RFC 3986 resolution of a JSON Schema URI reference against an absolute base URI.';

--
-- Name: notify_change(); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.notify_change() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
declare
    v_won boolean := false;  -- a PL/pgSQL variable keeps its value when a block is rolled back
begin
    if tg_op = 'UPDATE' then
        -- The probe below. Nested in the INSERT event's run, the constraint was made IMMEDIATE
        -- (SET CONSTRAINTS); at COMMIT it fires after that run, at depth 1, and does nothing.
        if pg_catalog.pg_trigger_depth() > 1 then
            raise exception using errcode = 'BL907', message = 'change_log__notify fired before commit';
        end if;
        return null;
    end if;
    -- The transaction's first change (ORDER BY + LIMIT on the (xid, id) index: a plain EXISTS
    -- got a generic plan that scanned the whole change log, 0.5 ms and growing per call).
    if (select c.id from beamline.change_log c where c.xid = new.xid order by c.id limit 1) < new.id then
        return null;  -- an earlier change of this transaction already had its chance
    end if;
    -- The notifier row is the promise "I signal at my commit, which is under way": the other
    -- writers rely on its holder. A caller can fire this trigger early, with SET CONSTRAINTS
    -- ... IMMEDIATE before or after its write, and then keep its transaction open or roll it
    -- back -- holding that promise without keeping it (helper review, 2026-12-03). So the row
    -- is locked in a subtransaction, and the winner probes whether it runs at COMMIT: a no-op
    -- UPDATE of its change row queues this trigger's UPDATE event, which fires nested (and
    -- raises) only when the constraint is IMMEDIATE. Then the subtransaction is rolled back,
    -- releasing the row. Either way a winner signals (queued to its commit, if any).
    begin
        perform 1 from beamline_internal.notifier n where n.id = 1 for update skip locked;
        v_won := found;
        if v_won then
            update beamline.change_log c set xid = c.xid where c.id = new.id;
        end if;
    exception when sqlstate 'BL907' then
        null;  -- fired before commit: the row is released, v_won still true
    end;
    if v_won then
        perform pg_catalog.pg_notify('beamline_changes',
            pg_catalog.json_build_object(
                'change_id', new.id, 'xid', new.xid::text::bigint, 'kind', new.kind,
                'tenant', new.tenant_id, 'key', new.object_id, 'version', new.version)::text);
    end if;
    return null;
end;
$$;

ALTER FUNCTION beamline_internal.notify_change() OWNER TO beamline_owner;

--
-- Name: FUNCTION notify_change(); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.notify_change() IS 'Deferred trigger function: at commit, NOTIFY beamline_changes once per transaction, only if no other notifying transaction is in flight (coalescing; see docs/CACHE_COHERENCE.md).';

--
-- Name: policy_bad_input(text, text, text); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.policy_bad_input(p_argument text, p_reason text, p_hint text DEFAULT NULL::text) RETURNS void
    LANGUAGE plpgsql IMMUTABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
begin
    raise exception using
        errcode = 'BL007',
        message = pg_catalog.format('invalid %s: %s', p_argument, p_reason),
        detail = pg_catalog.json_build_object('argument', p_argument, 'reason', p_reason)::text,
        hint = coalesce(p_hint, 'See docs/POLICIES.md for the arguments of the policy and quota functions.');
end;
$$;

ALTER FUNCTION beamline_internal.policy_bad_input(p_argument text, p_reason text, p_hint text) OWNER TO beamline_owner;

--
-- Name: FUNCTION policy_bad_input(p_argument text, p_reason text, p_hint text); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.policy_bad_input(p_argument text, p_reason text, p_hint text) IS 'Raise BL007 with detail {"argument", "reason"}; never returns.';

--
-- Name: policy_cursor_decode(text); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.policy_cursor_decode(p_cursor text, OUT policy_id text, OUT version integer) RETURNS record
    LANGUAGE plpgsql IMMUTABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $_$
declare
    v_json jsonb;
begin
    begin
        v_json := pg_catalog.convert_from(pg_catalog.decode(p_cursor, 'base64'), 'UTF8')::jsonb;
    exception
        when invalid_parameter_value or invalid_text_representation or character_not_in_repertoire
             or untranslatable_character or data_exception then
            v_json := null;
    end;
    if pg_catalog.jsonb_typeof(v_json) is distinct from 'array'
       or pg_catalog.jsonb_array_length(v_json) <> 2
       or pg_catalog.jsonb_typeof(v_json -> 0) <> 'string'
       or pg_catalog.jsonb_typeof(v_json -> 1) <> 'number'
       or (v_json ->> 1) !~ '^[0-9]{1,9}$' then
        perform beamline_internal.policy_bad_input('cursor', 'not a cursor returned by beamline.list_policies');
    end if;
    policy_id := v_json ->> 0;
    version := (v_json ->> 1)::integer;
end;
$_$;

ALTER FUNCTION beamline_internal.policy_cursor_decode(p_cursor text, OUT policy_id text, OUT version integer) OWNER TO beamline_owner;

--
-- Name: FUNCTION policy_cursor_decode(p_cursor text, OUT policy_id text, OUT version integer); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.policy_cursor_decode(p_cursor text, OUT policy_id text, OUT version integer) IS 'Decode a list_policies cursor into (policy_id, version); BL007 if it is not one.';

--
-- Name: policy_cursor_encode(text, integer); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.policy_cursor_encode(p_policy_id text, p_version integer) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
    select pg_catalog.translate(
        pg_catalog.encode(pg_catalog.convert_to(pg_catalog.json_build_array(p_policy_id, p_version)::text, 'UTF8'), 'base64'),
        E'\n', '')
$$;

ALTER FUNCTION beamline_internal.policy_cursor_encode(p_policy_id text, p_version integer) OWNER TO beamline_owner;

--
-- Name: FUNCTION policy_cursor_encode(p_policy_id text, p_version integer); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.policy_cursor_encode(p_policy_id text, p_version integer) IS 'Opaque list_policies cursor for the position after (policy_id, version).';

--
-- Name: policy_deactivate(text, text, text, text); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.policy_deactivate(p_tenant text, p_policy_id text, p_actor text, p_action text) RETURNS beamline.policies
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
declare
    v_row beamline.policies;
begin
    perform beamline_internal.policy_lock(p_tenant, p_policy_id);
    if p_action = 'DELETE' then
        perform beamline_internal.audit_set_intent(p_tenant, p_policy_id, 'DELETE');
    else
        -- Always set: an intent a caller left in its session must not hide this deactivation.
        perform pg_catalog.set_config('beamline.audit_intent', '', true);
    end if;
    update beamline.policies p
       set is_active = false, updated_at = pg_catalog.now(), updated_by = p_actor
     where p.tenant_id = p_tenant and p.policy_id = p_policy_id and p.is_active
    returning p.* into v_row;
    perform pg_catalog.set_config('beamline.audit_intent', '', true);  -- it covered this flip only
    if v_row.id is null then
        perform beamline_internal.policy_not_found(p_tenant, p_policy_id);
    end if;
    return v_row;
end;
$$;

ALTER FUNCTION beamline_internal.policy_deactivate(p_tenant text, p_policy_id text, p_actor text, p_action text) OWNER TO beamline_owner;

--
-- Name: FUNCTION policy_deactivate(p_tenant text, p_policy_id text, p_actor text, p_action text); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.policy_deactivate(p_tenant text, p_policy_id text, p_actor text, p_action text) IS 'Deactivate the active version of a policy under its lock (p_action DELETE is audited as DELETE); BL002 if none is active.';

--
-- Name: policy_is_sound(jsonb); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.policy_is_sound(p_data jsonb) RETURNS boolean
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    AS $_$
declare
    v_provider_ids jsonb;
    v_rule_ids     jsonb;
    v_i            integer;
begin
    if not pg_catalog.jsonb_path_match(p_data, $jp$ lax
           $.type() == "object"
        && (!exists($.providers) || ($.providers.type() == "array"
            && !exists($.providers[*].type() ? (@ != "object"))
            && !exists($.providers[*] ? (!(@.id.type() == "string") || @.id == ""
                   || (exists(@.weight) && (@.weight.type() != "number" || @.weight < 0 || @.weight > 100))))
            && ($.providers.size() == 0 || exists($.providers[*] ? (!exists(@.weight) || @.weight > 0)))))
        && (!exists($.rules) || ($.rules.type() == "array"
            && !exists($.rules[*].type() ? (@ != "object"))
            && !exists($.rules[*] ? (!(@.id.type() == "string") || @.id == ""
                   || (exists(@.route) && (@.route.type() != "array"
                       || exists(@.route[*].type() ? (@ != "string"))
                       || exists(@.route[*] ? (!(@ == $.providers[*].id)))))))))
        && (!exists($.fallback) || ($.fallback.type() == "object"
            && (!exists($.fallback.provider)
                || ($.fallback.provider.type() == "string" && $.fallback.provider == $.providers[*].id))))
        $jp$) then
        return false;
    end if;
    -- Unique ids: deleting a list's i-th id (a non-empty string, as checked above) from the list
    -- removes exactly one element; past the list's end ('' matches nothing) it removes none.
    v_provider_ids := pg_catalog.jsonb_path_query_array(p_data, 'lax $.providers[*].id');
    v_rule_ids := pg_catalog.jsonb_path_query_array(p_data, 'lax $.rules[*].id');
    for v_i in 0 .. greatest(pg_catalog.jsonb_array_length(v_provider_ids),
                             pg_catalog.jsonb_array_length(v_rule_ids)) - 1 loop
        if v_i >= 100
           or pg_catalog.jsonb_array_length(v_provider_ids operator(pg_catalog.-) coalesce(v_provider_ids ->> v_i, ''))
              < pg_catalog.jsonb_array_length(v_provider_ids) - 1
           or pg_catalog.jsonb_array_length(v_rule_ids operator(pg_catalog.-) coalesce(v_rule_ids ->> v_i, ''))
              < pg_catalog.jsonb_array_length(v_rule_ids) - 1 then
            return false;
        end if;
    end loop;
    return true;
end;
$_$;

ALTER FUNCTION beamline_internal.policy_is_sound(p_data jsonb) OWNER TO beamline_owner;

--
-- Name: FUNCTION policy_is_sound(p_data jsonb); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.policy_is_sound(p_data jsonb) IS 'Fast path of the semantic checks: TRUE only when policy_semantic_errors(p_data) is empty; FALSE means run policy_semantic_errors for the errors.';

--
-- Name: policy_list_sql(boolean, boolean, boolean, boolean); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.policy_list_sql(p_active boolean, p_contains boolean, p_since boolean, p_cursor boolean) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $_$
    select 'select p.tenant_id, p.policy_id, p.version, p.is_active, p.data, p.created_at, p.updated_at,'
        || ' p.created_by, p.updated_by, beamline_internal.policy_cursor_encode(p.policy_id, p.version)'
        || ' from beamline.policies p where p.tenant_id = $1'
        || case when p_active is null then '' when p_active then ' and p.is_active' else ' and not p.is_active' end
        || case when p_contains then ' and p.data @> $2' else '' end
        || case when p_since then ' and p.updated_at >= $3' else '' end
        || case when p_cursor then ' and (p.policy_id, p.version) > ($4, $5)' else '' end
        || ' order by p.policy_id, p.version limit $6'
$_$;

ALTER FUNCTION beamline_internal.policy_list_sql(p_active boolean, p_contains boolean, p_since boolean, p_cursor boolean) OWNER TO beamline_owner;

--
-- Name: FUNCTION policy_list_sql(p_active boolean, p_contains boolean, p_since boolean, p_cursor boolean); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.policy_list_sql(p_active boolean, p_contains boolean, p_since boolean, p_cursor boolean) IS 'The SQL text list_policies runs for a given combination of filters (parameters $1..$6).';

--
-- Name: policy_lock(text, text); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.policy_lock(p_tenant text, p_policy_id text) RETURNS void
    LANGUAGE plpgsql
    AS $$
begin
    if pg_catalog.current_setting('transaction_isolation') <> 'read committed' then
        perform beamline_internal.policy_bad_input('transaction_isolation',
            'policy writes need READ COMMITTED',
            'Call the policy write functions outside REPEATABLE READ / SERIALIZABLE transactions.');
    end if;
    -- Tenant ids never contain '/', so tenant || '/' || policy is unambiguous.
    perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended(p_tenant || '/' || p_policy_id, 4243));
end;
$$;

ALTER FUNCTION beamline_internal.policy_lock(p_tenant text, p_policy_id text) OWNER TO beamline_owner;

--
-- Name: FUNCTION policy_lock(p_tenant text, p_policy_id text); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.policy_lock(p_tenant text, p_policy_id text) IS 'Take the per-policy advisory transaction lock of the policy writers (BL007 unless READ COMMITTED).';

--
-- Name: policy_not_found(text, text, integer, text); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.policy_not_found(p_tenant text, p_policy_id text, p_version integer DEFAULT NULL::integer, p_what text DEFAULT NULL::text) RETURNS void
    LANGUAGE plpgsql IMMUTABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
begin
    raise exception using
        errcode = 'BL002',
        message = coalesce(p_what, case when p_version is null
                                        then pg_catalog.format('policy %s has no active version in tenant %s', p_policy_id, p_tenant)
                                        else pg_catalog.format('policy %s version %s not found in tenant %s', p_policy_id, p_version, p_tenant) end),
        detail = pg_catalog.json_build_object('tenant', p_tenant, 'policy_id', p_policy_id, 'version', p_version)::text,
        hint = 'beamline.list_policies and beamline.policy_history show what exists.';
end;
$$;

ALTER FUNCTION beamline_internal.policy_not_found(p_tenant text, p_policy_id text, p_version integer, p_what text) OWNER TO beamline_owner;

--
-- Name: FUNCTION policy_not_found(p_tenant text, p_policy_id text, p_version integer, p_what text); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.policy_not_found(p_tenant text, p_policy_id text, p_version integer, p_what text) IS 'Raise BL002 with detail {"tenant", "policy_id", "version"}; never returns.';

--
-- Name: policy_reject_change(); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.policy_reject_change() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
begin
    if tg_op = 'UPDATE'
       and (new.id, new.tenant_id, new.policy_id, new.version, new.data, new.created_at, new.created_by)
           is not distinct from
           (old.id, old.tenant_id, old.policy_id, old.version, old.data, old.created_at, old.created_by) then
        return new;
    end if;
    raise exception using
        errcode = 'BL011',
        message = pg_catalog.format('policy versions are immutable: %s rejected', tg_op),
        detail = 'beamline.policies',
        hint = case when tg_op = 'UPDATE'
                    then 'Only is_active, updated_at and updated_by may change; write a new version with beamline.put_policy.'
                    else 'History stays: use beamline.delete_policy or beamline.deactivate_policy.' end;
end;
$$;

ALTER FUNCTION beamline_internal.policy_reject_change() OWNER TO beamline_owner;

--
-- Name: FUNCTION policy_reject_change(); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.policy_reject_change() IS 'Trigger function: BL011 for UPDATE of anything but is_active/updated_at/updated_by, and for DELETE/TRUNCATE of beamline.policies.';

--
-- Name: policy_semantic_errors(jsonb); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.policy_semantic_errors(p_data jsonb) RETURNS jsonb
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    AS $$
declare
    v_errors    jsonb := '[]';
    v_providers jsonb := p_data -> 'providers';
    v_rules     jsonb := p_data -> 'rules';
    v_fallback  jsonb := p_data -> 'fallback';
    v_ids       text[] := '{}';
    v_rule_ids  text[] := '{}';
    v_item      jsonb;
    v_value     jsonb;
    v_id        text;
    v_path      text;
    v_routable  boolean := false;
    v_i         integer;
    v_j         integer;
begin
    if pg_catalog.jsonb_typeof(p_data) is distinct from 'object' then
        return pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
            'path', '', 'keyword', 'type', 'message', 'the policy must be a JSON object'));
    end if;

    if v_providers is not null then
        if pg_catalog.jsonb_typeof(v_providers) <> 'array' then
            v_errors := v_errors || pg_catalog.jsonb_build_object('path', '/providers', 'keyword', 'type', 'message', 'providers must be an array');
        else
            for v_i in 0 .. pg_catalog.jsonb_array_length(v_providers) - 1 loop
                v_item := v_providers -> v_i;
                v_path := '/providers/' || v_i;
                if pg_catalog.jsonb_typeof(v_item) <> 'object' then
                    v_errors := v_errors || pg_catalog.jsonb_build_object('path', v_path, 'keyword', 'type', 'message', 'a provider must be an object');
                    continue;
                end if;
                v_id := case when pg_catalog.jsonb_typeof(v_item -> 'id') = 'string' then v_item ->> 'id' end;
                if v_id is null or v_id = '' then
                    v_errors := v_errors || pg_catalog.jsonb_build_object('path', v_path || '/id', 'keyword', 'required', 'message', 'a provider needs an id (non-empty string)');
                elsif v_id = any (v_ids) then
                    v_errors := v_errors || pg_catalog.jsonb_build_object('path', v_path || '/id', 'keyword', 'uniqueProviderId', 'message', pg_catalog.format('duplicate provider id %s', v_id));
                else
                    v_ids := v_ids || v_id;
                end if;
                v_value := v_item -> 'weight';
                if v_value is null then
                    v_routable := true;
                elsif pg_catalog.jsonb_typeof(v_value) <> 'number' then
                    v_errors := v_errors || pg_catalog.jsonb_build_object('path', v_path || '/weight', 'keyword', 'type', 'message', 'weight must be a number');
                elsif (v_value #>> '{}')::numeric < 0 or (v_value #>> '{}')::numeric > 100 then
                    v_errors := v_errors || pg_catalog.jsonb_build_object('path', v_path || '/weight', 'keyword', 'weight', 'message', 'weight must be between 0 and 100');
                elsif (v_value #>> '{}')::numeric > 0 then
                    v_routable := true;
                end if;
            end loop;
            if pg_catalog.jsonb_array_length(v_providers) > 0 and not v_routable then
                v_errors := v_errors || pg_catalog.jsonb_build_object('path', '/providers', 'keyword', 'weight', 'message', 'at least one provider needs a weight above 0');
            end if;
        end if;
    end if;

    if v_rules is not null then
        if pg_catalog.jsonb_typeof(v_rules) <> 'array' then
            v_errors := v_errors || pg_catalog.jsonb_build_object('path', '/rules', 'keyword', 'type', 'message', 'rules must be an array');
        else
            for v_i in 0 .. pg_catalog.jsonb_array_length(v_rules) - 1 loop
                v_item := v_rules -> v_i;
                v_path := '/rules/' || v_i;
                if pg_catalog.jsonb_typeof(v_item) <> 'object' then
                    v_errors := v_errors || pg_catalog.jsonb_build_object('path', v_path, 'keyword', 'type', 'message', 'a rule must be an object');
                    continue;
                end if;
                v_id := case when pg_catalog.jsonb_typeof(v_item -> 'id') = 'string' then v_item ->> 'id' end;
                if v_id is null or v_id = '' then
                    v_errors := v_errors || pg_catalog.jsonb_build_object('path', v_path || '/id', 'keyword', 'required', 'message', 'a rule needs an id (non-empty string)');
                elsif v_id = any (v_rule_ids) then
                    v_errors := v_errors || pg_catalog.jsonb_build_object('path', v_path || '/id', 'keyword', 'uniqueRuleId', 'message', pg_catalog.format('duplicate rule id %s', v_id));
                else
                    v_rule_ids := v_rule_ids || v_id;
                end if;
                v_value := v_item -> 'route';
                if v_value is null then
                    continue;
                elsif pg_catalog.jsonb_typeof(v_value) <> 'array' then
                    v_errors := v_errors || pg_catalog.jsonb_build_object('path', v_path || '/route', 'keyword', 'type', 'message', 'route must be an array of provider ids');
                    continue;
                end if;
                for v_j in 0 .. pg_catalog.jsonb_array_length(v_value) - 1 loop
                    if pg_catalog.jsonb_typeof(v_value -> v_j) <> 'string' then
                        v_errors := v_errors || pg_catalog.jsonb_build_object('path', v_path || '/route/' || v_j, 'keyword', 'type', 'message', 'a route entry must be a provider id (string)');
                    elsif not ((v_value ->> v_j) = any (v_ids)) then
                        v_errors := v_errors || pg_catalog.jsonb_build_object('path', v_path || '/route/' || v_j, 'keyword', 'providerRef',
                            'message', pg_catalog.format('route to provider %s, which this policy does not define', v_value ->> v_j));
                    end if;
                end loop;
            end loop;
        end if;
    end if;

    if v_fallback is not null then
        if pg_catalog.jsonb_typeof(v_fallback) <> 'object' then
            v_errors := v_errors || pg_catalog.jsonb_build_object('path', '/fallback', 'keyword', 'type', 'message', 'fallback must be an object');
        elsif v_fallback -> 'provider' is not null then
            if pg_catalog.jsonb_typeof(v_fallback -> 'provider') <> 'string' then
                v_errors := v_errors || pg_catalog.jsonb_build_object('path', '/fallback/provider', 'keyword', 'type', 'message', 'fallback.provider must be a provider id (string)');
            elsif not ((v_fallback ->> 'provider') = any (v_ids)) then
                v_errors := v_errors || pg_catalog.jsonb_build_object('path', '/fallback/provider', 'keyword', 'providerRef',
                    'message', pg_catalog.format('fallback to provider %s, which this policy does not define', v_fallback ->> 'provider'));
            end if;
        end if;
    end if;
    return v_errors;
end;
$$;

ALTER FUNCTION beamline_internal.policy_semantic_errors(p_data jsonb) OWNER TO beamline_owner;

--
-- Name: FUNCTION policy_semantic_errors(p_data jsonb); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.policy_semantic_errors(p_data jsonb) IS 'Semantic checks of a policy document (unique provider/rule ids, weights 0..100 with one above 0, routes and fallback only to defined providers); returns the BL004 error list, [] when sound.';

--
-- Name: quota_check_active(text); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.quota_check_active(p_tenant text) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
declare
    v_limit integer;
    v_used  integer;
begin
    perform beamline_internal.quota_lock(p_tenant);
    v_limit := (beamline_internal.quota_of(p_tenant)).max_policies;
    select pg_catalog.count(*) into v_used
      from beamline.policies p where p.tenant_id = p_tenant and p.is_active;
    if v_used + 1 > v_limit then
        perform beamline_internal.quota_exceeded(p_tenant, 'max_policies', v_limit, v_used + 1);
    end if;
end;
$$;

ALTER FUNCTION beamline_internal.quota_check_active(p_tenant text) OWNER TO beamline_owner;

--
-- Name: FUNCTION quota_check_active(p_tenant text); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.quota_check_active(p_tenant text) IS 'Under the tenant lock, BL003 unless one more active policy fits max_policies.';

--
-- Name: quota_exceeded(text, text, integer, integer); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.quota_exceeded(p_tenant text, p_quota text, p_limit integer, p_requested integer) RETURNS void
    LANGUAGE plpgsql IMMUTABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
begin
    raise exception using
        errcode = 'BL003',
        message = pg_catalog.format('quota %s of tenant %s exceeded: limit %s, requested %s', p_quota, p_tenant, p_limit, p_requested),
        detail = pg_catalog.json_build_object('quota', p_quota, 'limit', p_limit, 'requested', p_requested)::text,
        hint = 'A user with quota:manage can raise it with beamline.set_quota.';
end;
$$;

ALTER FUNCTION beamline_internal.quota_exceeded(p_tenant text, p_quota text, p_limit integer, p_requested integer) OWNER TO beamline_owner;

--
-- Name: FUNCTION quota_exceeded(p_tenant text, p_quota text, p_limit integer, p_requested integer); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.quota_exceeded(p_tenant text, p_quota text, p_limit integer, p_requested integer) IS 'Raise BL003 with detail {"quota", "limit", "requested"}; never returns.';

--
-- Name: quota_lock(text); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.quota_lock(p_tenant text) RETURNS void
    LANGUAGE sql
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$ select pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended(p_tenant, 4242)) $$;

ALTER FUNCTION beamline_internal.quota_lock(p_tenant text) OWNER TO beamline_owner;

--
-- Name: FUNCTION quota_lock(p_tenant text); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.quota_lock(p_tenant text) IS 'Take the per-tenant advisory transaction lock that makes the max_policies check race-free.';

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
    platform_max_policies integer DEFAULT 10 NOT NULL,
    platform_max_rules_per_policy integer DEFAULT 50 NOT NULL,
    platform_max_providers_per_policy integer DEFAULT 20 NOT NULL,
    CONSTRAINT tenant_quotas_max_policies_ceiling CHECK ((max_policies <= platform_max_policies)),
    CONSTRAINT tenant_quotas_max_policies_range CHECK (((max_policies >= 0) AND (max_policies <= 1000000))),
    CONSTRAINT tenant_quotas_max_providers_ceiling CHECK ((max_providers_per_policy <= platform_max_providers_per_policy)),
    CONSTRAINT tenant_quotas_max_providers_range CHECK (((max_providers_per_policy >= 0) AND (max_providers_per_policy <= 1000))),
    CONSTRAINT tenant_quotas_max_rules_ceiling CHECK ((max_rules_per_policy <= platform_max_rules_per_policy)),
    CONSTRAINT tenant_quotas_max_rules_range CHECK (((max_rules_per_policy >= 0) AND (max_rules_per_policy <= 10000))),
    CONSTRAINT tenant_quotas_platform_max_policies_range CHECK (((platform_max_policies >= 0) AND (platform_max_policies <= 1000000))),
    CONSTRAINT tenant_quotas_platform_max_providers_range CHECK (((platform_max_providers_per_policy >= 0) AND (platform_max_providers_per_policy <= 1000))),
    CONSTRAINT tenant_quotas_platform_max_rules_range CHECK (((platform_max_rules_per_policy >= 0) AND (platform_max_rules_per_policy <= 10000))),
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
-- Name: COLUMN tenant_quotas.platform_max_policies; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON COLUMN beamline.tenant_quotas.platform_max_policies IS 'Ceiling of max_policies, set only by the platform (quota:manage in tenant global); the tenant''s own quota:manage stays at or below it.';

--
-- Name: COLUMN tenant_quotas.platform_max_rules_per_policy; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON COLUMN beamline.tenant_quotas.platform_max_rules_per_policy IS 'Ceiling of max_rules_per_policy (platform only, as platform_max_policies).';

--
-- Name: COLUMN tenant_quotas.platform_max_providers_per_policy; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON COLUMN beamline.tenant_quotas.platform_max_providers_per_policy IS 'Ceiling of max_providers_per_policy (platform only, as platform_max_policies).';

--
-- Name: quota_of(text); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.quota_of(p_tenant text) RETURNS beamline.tenant_quotas
    LANGUAGE plpgsql STABLE
    AS $$
declare
    v_row beamline.tenant_quotas;
begin
    select q.* into v_row from beamline.tenant_quotas q where q.tenant_id = p_tenant;
    if not found then
        v_row.tenant_id := p_tenant;
        v_row.max_policies := 10;
        v_row.max_rules_per_policy := 50;
        v_row.max_providers_per_policy := 20;
        -- the ceilings default to the same values (migrations/0060_quota_ceilings.sql)
        v_row.platform_max_policies := 10;
        v_row.platform_max_rules_per_policy := 50;
        v_row.platform_max_providers_per_policy := 20;
    end if;
    return v_row;
end;
$$;

ALTER FUNCTION beamline_internal.quota_of(p_tenant text) OWNER TO beamline_owner;

--
-- Name: FUNCTION quota_of(p_tenant text); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.quota_of(p_tenant text) IS 'The tenant''s tenant_quotas row, or the column defaults (limits and platform ceilings; id null) when it has none.';

--
-- Name: quota_report(text); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.quota_report(p_tenant text, OUT tenant_id character varying, OUT max_policies integer, OUT max_rules_per_policy integer, OUT max_providers_per_policy integer, OUT is_default boolean, OUT active_policies integer, OUT updated_at timestamp with time zone, OUT platform_max_policies integer, OUT platform_max_rules_per_policy integer, OUT platform_max_providers_per_policy integer) RETURNS record
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
declare
    v_quota beamline.tenant_quotas;
begin
    v_quota := beamline_internal.quota_of(p_tenant);
    tenant_id := p_tenant;
    max_policies := v_quota.max_policies;
    max_rules_per_policy := v_quota.max_rules_per_policy;
    max_providers_per_policy := v_quota.max_providers_per_policy;
    is_default := v_quota.id is null;
    updated_at := v_quota.updated_at;
    platform_max_policies := v_quota.platform_max_policies;
    platform_max_rules_per_policy := v_quota.platform_max_rules_per_policy;
    platform_max_providers_per_policy := v_quota.platform_max_providers_per_policy;
    select pg_catalog.count(*)::integer into active_policies
      from beamline.policies p where p.tenant_id = p_tenant and p.is_active;
end;
$$;

ALTER FUNCTION beamline_internal.quota_report(p_tenant text, OUT tenant_id character varying, OUT max_policies integer, OUT max_rules_per_policy integer, OUT max_providers_per_policy integer, OUT is_default boolean, OUT active_policies integer, OUT updated_at timestamp with time zone, OUT platform_max_policies integer, OUT platform_max_rules_per_policy integer, OUT platform_max_providers_per_policy integer) OWNER TO beamline_owner;

--
-- Name: FUNCTION quota_report(p_tenant text, OUT tenant_id character varying, OUT max_policies integer, OUT max_rules_per_policy integer, OUT max_providers_per_policy integer, OUT is_default boolean, OUT active_policies integer, OUT updated_at timestamp with time zone, OUT platform_max_policies integer, OUT platform_max_rules_per_policy integer, OUT platform_max_providers_per_policy integer); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.quota_report(p_tenant text, OUT tenant_id character varying, OUT max_policies integer, OUT max_rules_per_policy integer, OUT max_providers_per_policy integer, OUT is_default boolean, OUT active_policies integer, OUT updated_at timestamp with time zone, OUT platform_max_policies integer, OUT platform_max_rules_per_policy integer, OUT platform_max_providers_per_policy integer) IS 'A tenant''s quota (or the defaults, is_default) with its active policy count and the platform ceilings of its limits.';

--
-- Name: require_grantable(text, text, text, jsonb); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.require_grantable(p_tenant text, p_actor text, p_role text, p_permissions jsonb) RETURNS void
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
declare
    v_missing text;
begin
    -- The actor's effective grant set (role permissions + extras), when not expired; a needed
    -- entry g is held if the set contains g, g's namespace wildcard, or '*'. Wildcard entries
    -- ('policy:*', '*') are needed verbatim, so only holders of them can hand them out.
    with held as (
        select rp.permission::text as p
          from beamline.user_roles ur
          join beamline.role_permissions rp on rp.role = ur.role
         where ur.tenant_id = p_tenant and ur.user_id = p_actor
           and (ur.expires_at is null or ur.expires_at > pg_catalog.statement_timestamp())
        union
        select e.value
          from beamline.user_roles ur, pg_catalog.jsonb_array_elements_text(ur.permissions) e
         where ur.tenant_id = p_tenant and ur.user_id = p_actor
           and (ur.expires_at is null or ur.expires_at > pg_catalog.statement_timestamp()))
    select g.permission into v_missing
      from (select rp.permission::text as permission from beamline.role_permissions rp where rp.role = p_role
            union
            select e.value from pg_catalog.jsonb_array_elements_text(coalesce(p_permissions, '[]')) e) g
     where not exists (select 1 from held h
                        where h.p in (g.permission, pg_catalog.split_part(g.permission, ':', 1) || ':*', '*'))
     order by g.permission
     limit 1;
    if found then
        raise exception using
            errcode = 'BL001',
            message = pg_catalog.format('permission denied: %s cannot grant or revoke %s in tenant %s', p_actor, v_missing, p_tenant),
            detail = pg_catalog.json_build_object('tenant', p_tenant, 'actor', p_actor, 'permission', v_missing)::text,
            hint = 'An actor can only assign, change or revoke grants it holds itself; admins hold everything.';
    end if;
end;
$$;

ALTER FUNCTION beamline_internal.require_grantable(p_tenant text, p_actor text, p_role text, p_permissions jsonb) OWNER TO beamline_owner;

--
-- Name: FUNCTION require_grantable(p_tenant text, p_actor text, p_role text, p_permissions jsonb); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.require_grantable(p_tenant text, p_actor text, p_role text, p_permissions jsonb) IS 'Raise BL001 unless p_actor holds every permission of p_role and of the extra list p_permissions in p_tenant (no escalation through rbac:manage).';

--
-- Name: require_permission(text, text, text); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.require_permission(p_tenant text, p_actor text, p_permission text) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
declare
    v_allowed boolean;
begin
    perform beamline_internal.check_identifier('tenant', p_tenant, 64);
    perform beamline_internal.check_identifier('actor', p_actor, 128);
    if p_permission not like '%:read' and pg_catalog.current_setting('transaction_read_only') = 'off' then
        perform 1 from beamline.user_roles ur
         where ur.tenant_id = p_tenant and ur.user_id = p_actor
           for share;
    end if;
    select h.allowed into v_allowed from beamline_internal.has_permission(p_tenant, p_actor, p_permission) h;
    if v_allowed is null then
        raise exception using
            errcode = 'BL007',
            message = pg_catalog.format('unknown permission: %s', coalesce(p_permission, 'null')),
            detail = pg_catalog.json_build_object('argument', 'permission',
                                                  'reason', 'not a known permission')::text,
            hint = 'The known permissions are listed in beamline.permissions.';
    elsif not v_allowed then
        raise exception using
            errcode = 'BL001',
            message = pg_catalog.format('permission denied: %s lacks %s in tenant %s', p_actor, p_permission, p_tenant),
            detail = pg_catalog.json_build_object('tenant', p_tenant, 'actor', p_actor,
                                                  'permission', p_permission)::text,
            hint = 'An admin of the tenant can grant it with beamline.assign_role; grants expire at expires_at.';
    end if;
    perform pg_catalog.set_config('beamline.actor', p_actor, true);
end;
$$;

ALTER FUNCTION beamline_internal.require_permission(p_tenant text, p_actor text, p_permission text) OWNER TO beamline_owner;

--
-- Name: FUNCTION require_permission(p_tenant text, p_actor text, p_permission text); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.require_permission(p_tenant text, p_actor text, p_permission text) IS 'Raise BL001 unless p_actor holds p_permission in p_tenant (BL007 for bad ids or an unknown permission); on success record the actor in beamline.actor. For non-read permissions the actor''s grant stays locked FOR SHARE until commit (serialises with revoke_role).';

--
-- Name: schema_for(text, text); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.schema_for(p_name text, p_tenant text DEFAULT NULL::text) RETURNS jsonb
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
declare
    v_schema jsonb;
begin
    select s.schema into v_schema
      from beamline.json_schemas as s
     where s.name = p_name
       and (s.tenant_id = p_tenant or s.tenant_id is null)
     order by s.tenant_id nulls last, s.version desc
     limit 1;
    if v_schema is null then
        raise exception using errcode = 'BL002',
            message = pg_catalog.format('no JSON Schema is registered under the name %s', pg_catalog.quote_literal(p_name)),
            detail = pg_catalog.jsonb_build_object('schema', p_name, 'tenant', p_tenant)::text,
            hint = 'Run beamline migrate (loads policy/default and state/default), or register it with beamline.register_schema.';
    end if;
    return v_schema;
end
$$;

ALTER FUNCTION beamline_internal.schema_for(p_name text, p_tenant text) OWNER TO beamline_owner;

--
-- Name: FUNCTION schema_for(p_name text, p_tenant text); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.schema_for(p_name text, p_tenant text) IS 'The JSON Schema in force for a name: the tenant''s newest override, else the newest global version; BL002 when none.';

--
-- Name: set_actor(text); Type: FUNCTION; Schema: beamline_internal; Owner: beamline_owner
--

CREATE FUNCTION beamline_internal.set_actor(p_actor text) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
begin
    perform beamline_internal.check_identifier('actor', p_actor, 128);
    perform pg_catalog.set_config('beamline.actor', p_actor, true);
end;
$$;

ALTER FUNCTION beamline_internal.set_actor(p_actor text) OWNER TO beamline_owner;

--
-- Name: FUNCTION set_actor(p_actor text); Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON FUNCTION beamline_internal.set_actor(p_actor text) IS 'Validate p_actor (BL007) and record it in the transaction-local setting beamline.actor for the audit triggers.';

--
-- Name: append_history(jsonb, text); Type: FUNCTION; Schema: devstate; Owner: beamline_owner
--

CREATE FUNCTION devstate.append_history(p_entry jsonb, p_actor text) RETURNS text
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
declare
    v_entry jsonb;
begin
    perform beamline_internal.require_permission('devstate', p_actor, 'history:append');
    v_entry := beamline_internal.devstate_check_entry(p_entry);
    return beamline_internal.devstate_append(v_entry, p_actor);
end;
$$;

ALTER FUNCTION devstate.append_history(p_entry jsonb, p_actor text) OWNER TO beamline_owner;

--
-- Name: FUNCTION append_history(p_entry jsonb, p_actor text); Type: COMMENT; Schema: devstate; Owner: beamline_owner
--

COMMENT ON FUNCTION devstate.append_history(p_entry jsonb, p_actor text) IS 'Append {action, cp_from?, cp_to?, state_checksum?, metadata?} to the HMAC-chained history as p_actor; returns the new hmac. Needs history:append.';

--
-- Name: export_entries(text, bigint, integer); Type: FUNCTION; Schema: devstate; Owner: beamline_owner
--

CREATE FUNCTION devstate.export_entries(p_actor text, p_after bigint DEFAULT 0, p_limit integer DEFAULT 10000) RETURNS TABLE(id bigint, line text)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
begin
    perform beamline_internal.require_permission('devstate', p_actor, 'state:read');
    if p_limit is null or p_limit not between 1 and 100000 then
        perform beamline_internal.devstate_bad_input('limit', 'must be between 1 and 100000');
    end if;
    return query
    select e.id,
           '{"id":' || e.id::text
           || ',"ts":"' || pg_catalog.to_char(pg_catalog.timezone('UTC', e.ts), 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
           || '","actor":' || pg_catalog.to_json(e.actor)::text
           || ',"action":' || pg_catalog.to_json(e.action)::text
           || ',"cp_from":' || coalesce(pg_catalog.to_json(e.cp_from)::text, 'null')
           || ',"cp_to":' || coalesce(pg_catalog.to_json(e.cp_to)::text, 'null')
           || ',"state_checksum":' || coalesce(pg_catalog.to_json(e.state_checksum)::text, 'null')
           || ',"key_id":' || pg_catalog.to_json(e.key_id)::text
           || ',"hmac_prev":"' || e.hmac_prev
           || '","hmac":"' || e.hmac
           || '","metadata":' || e.metadata_canonical || '}'
      from devstate.history_entries e
     where e.id > coalesce(p_after, 0)
     order by e.id
     limit p_limit;
end;
$$;

ALTER FUNCTION devstate.export_entries(p_actor text, p_after bigint, p_limit integer) OWNER TO beamline_owner;

--
-- Name: FUNCTION export_entries(p_actor text, p_after bigint, p_limit integer); Type: COMMENT; Schema: devstate; Owner: beamline_owner
--

COMMENT ON FUNCTION devstate.export_entries(p_actor text, p_after bigint, p_limit integer) IS 'Up to p_limit history entries after id p_after, in id order, each as its canonical line of .trae/history.json. Needs state:read.';

--
-- Name: export_snapshot(text); Type: FUNCTION; Schema: devstate; Owner: beamline_owner
--

CREATE FUNCTION devstate.export_snapshot(p_actor text) RETURNS jsonb
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
declare
    v_state jsonb;
    v_head devstate.chain_head;
begin
    perform beamline_internal.require_permission('devstate', p_actor, 'state:read');
    select s.json into v_state from devstate.state_current s where s.id = 1;
    v_state := coalesce(v_state, beamline_internal.devstate_initial_state());
    select * into strict v_head from devstate.chain_head h where h.id = 1;
    return pg_catalog.jsonb_build_object(
        'state', beamline_internal.devstate_canonical_json(v_state),
        'checksum', beamline_internal.devstate_state_checksum(v_state),
        'count', (select pg_catalog.count(*) from devstate.history_entries),
        'head', coalesce((select e.hmac from devstate.history_entries e order by e.id desc limit 1), pg_catalog.repeat('0', 64)),
        'last_id', (select pg_catalog.max(e.id) from devstate.history_entries e));
end;
$$;

ALTER FUNCTION devstate.export_snapshot(p_actor text) OWNER TO beamline_owner;

--
-- Name: FUNCTION export_snapshot(p_actor text); Type: COMMENT; Schema: devstate; Owner: beamline_owner
--

COMMENT ON FUNCTION devstate.export_snapshot(p_actor text) IS 'State (canonical JSON text), checksum, entry count, head hmac and last id for an export. Needs state:read.';

--
-- Name: get_state(text); Type: FUNCTION; Schema: devstate; Owner: beamline_owner
--

CREATE FUNCTION devstate.get_state(p_actor text) RETURNS jsonb
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
declare
    v_row devstate.state_current;
begin
    perform beamline_internal.require_permission('devstate', p_actor, 'state:read');
    select * into v_row from devstate.state_current s where s.id = 1;
    if not found then
        return pg_catalog.jsonb_build_object('json', beamline_internal.devstate_initial_state(),
            'checksum', beamline_internal.devstate_state_checksum(beamline_internal.devstate_initial_state()),
            'updated_at', null, 'updated_by', null);
    end if;
    return pg_catalog.jsonb_build_object('json', v_row.json, 'checksum', v_row.checksum,
        'updated_at', v_row.updated_at, 'updated_by', v_row.updated_by);
end;
$$;

ALTER FUNCTION devstate.get_state(p_actor text) OWNER TO beamline_owner;

--
-- Name: FUNCTION get_state(p_actor text); Type: COMMENT; Schema: devstate; Owner: beamline_owner
--

COMMENT ON FUNCTION devstate.get_state(p_actor text) IS 'The DevState document: {"json", "checksum", "updated_at", "updated_by"}. Needs state:read in tenant devstate (BL001).';

--
-- Name: import_begin(jsonb, text, text); Type: FUNCTION; Schema: devstate; Owner: beamline_owner
--

CREATE FUNCTION devstate.import_begin(p_state jsonb, p_checksum text, p_actor text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
declare
    v_row devstate.state_current;
    v_checksum text;
begin
    perform beamline_internal.require_permission('devstate', p_actor, 'state:write');
    perform beamline_internal.require_permission('devstate', p_actor, 'history:append');
    perform beamline_internal.devstate_keys();
    if p_state is null or pg_catalog.jsonb_typeof(p_state) <> 'object' then
        perform beamline_internal.devstate_bad_input('state', 'must be a JSON object');
    end if;
    -- Same lock order as update_state / append_history (state, then chain head): no deadlock.
    select * into v_row from devstate.state_current s where s.id = 1 for update;
    perform 1 from devstate.chain_head h where h.id = 1 for update;
    if exists (select 1 from devstate.history_entries)
       or (found and v_row.updated_by is not null) then
        raise exception using
            errcode = 'BL013',
            message = 'DevState is not empty: import loads only into an empty DevState',
            detail = pg_catalog.json_build_object('devstate', 'not empty',
                'entries', (select pg_catalog.count(*) from devstate.history_entries))::text,
            hint = 'Import into a fresh database (beamline migrate), or export instead.';
    end if;
    perform beamline_internal.check_document_limits(p_state);
    perform beamline_internal.assert_valid(beamline_internal.schema_for('state/default'), p_state);
    v_checksum := beamline_internal.devstate_state_checksum(p_state);
    if p_checksum is distinct from v_checksum then
        raise exception using
            errcode = 'BL004',
            message = 'state.json does not match the state checksum recorded in history.json',
            detail = pg_catalog.json_build_array(pg_catalog.json_build_object('path', '', 'keyword', 'checksum',
                'message', pg_catalog.format('checksum is %s, expected %s', v_checksum, p_checksum)))::text,
            hint = 'The files were edited or come from different exports; export them again.';
    end if;
    insert into devstate.state_current as s (id, json, checksum, updated_at, updated_by)
    values (1, p_state, v_checksum, pg_catalog.now(), p_actor)
    on conflict (id) do update set json = excluded.json, checksum = excluded.checksum,
                                   updated_at = excluded.updated_at, updated_by = excluded.updated_by;
    -- Open the import for this transaction only, in a table callers cannot write.
    delete from devstate.import_sessions i
     where i.xid < pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot());
    insert into devstate.import_sessions (xid) values (pg_catalog.pg_current_xact_id())
    on conflict do nothing;
end;
$$;

ALTER FUNCTION devstate.import_begin(p_state jsonb, p_checksum text, p_actor text) OWNER TO beamline_owner;

--
-- Name: FUNCTION import_begin(p_state jsonb, p_checksum text, p_actor text); Type: COMMENT; Schema: devstate; Owner: beamline_owner
--

COMMENT ON FUNCTION devstate.import_begin(p_state jsonb, p_checksum text, p_actor text) IS 'Start an import into an empty DevState (BL013 otherwise): validate and write the state document (BL004 / BL009, checksum must match). Needs state:write + history:append.';

--
-- Name: import_entries(jsonb, text); Type: FUNCTION; Schema: devstate; Owner: beamline_owner
--

CREATE FUNCTION devstate.import_entries(p_entries jsonb, p_actor text) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $_$
declare
    v_keys jsonb := beamline_internal.devstate_keys();
    v_bad record;
    v_count bigint;
    v_min bigint;
    v_max bigint;
begin
    perform beamline_internal.require_permission('devstate', p_actor, 'history:append');
    if not exists (select 1 from devstate.import_sessions i
                    where i.xid = pg_catalog.pg_current_xact_id()) then
        perform beamline_internal.devstate_bad_input('import', 'no import in progress in this transaction',
            'Call devstate.import_begin first, in the same transaction.');
    end if;
    if p_entries is null or pg_catalog.jsonb_typeof(p_entries) <> 'array' then
        perform beamline_internal.devstate_bad_input('entries', 'must be a JSON array');
    end if;
    -- Bounded batches (issue 11, like log_action's): the client sends 10,000 entries per call.
    v_count := pg_catalog.jsonb_array_length(p_entries);
    if v_count > 10000 then
        raise exception using
            errcode = 'BL009',
            message = 'too many entries in one import_entries batch',
            detail = pg_catalog.json_build_object('limit', 10000, 'value', v_count)::text,
            hint = 'Send the entries in batches of at most 10,000 entries and 32 MiB.';
    end if;
    v_count := pg_catalog.octet_length(p_entries::text);
    if v_count > 33554432 then
        raise exception using
            errcode = 'BL009',
            message = 'import_entries batch is over 32 MiB',
            detail = pg_catalog.json_build_object('limit', 33554432, 'value', v_count)::text,
            hint = 'Send the entries in batches of at most 10,000 entries and 32 MiB.';
    end if;
    -- The batch is read straight from p_entries (no temporary table: a caller could pre-create
    -- one in pg_temp with a trigger and have it run as the owner).
    begin
        select b.ord, b.id into v_bad from beamline_internal.devstate_import_rows(p_entries) b
     where b.id is null or b.id < 1 or b.ts is null or b.actor is null or b.actor = ''
        or b.action is null or b.action = '' or b.key_id is null or b.key_id = ''
        or b.hmac_prev !~ '^[0-9a-f]{64}$' or b.hmac !~ '^[0-9a-f]{64}$'
        or b.hmac_prev is null or b.hmac is null
        or (b.state_checksum is not null and b.state_checksum !~ '^[0-9a-f]{64}$')
        or pg_catalog.jsonb_typeof(b.metadata) is distinct from 'object'
     order by b.ord limit 1;
    exception when invalid_text_representation or invalid_datetime_format or datetime_field_overflow
                   or numeric_value_out_of_range then
        perform beamline_internal.devstate_bad_input('entries', 'an id or ts is not valid');
    end;
    if v_bad.ord is not null then
        perform beamline_internal.devstate_bad_input('entries',
            pg_catalog.format('entry %s (id %s) has a missing or malformed field', v_bad.ord, v_bad.id));
    end if;
    perform beamline_internal.devstate_check_keys(v_keys,
        array(select distinct b.key_id from beamline_internal.devstate_import_rows(p_entries) b), false);
    -- insert first (the trigger checks every link), then recompute the hmacs from the stored
    -- rows, whose generated metadata_canonical spares a second serialisation; a failure raises,
    -- and the caller's transaction rolls back the whole import.
    insert into devstate.history_entries
        (id, ts, actor, action, cp_from, cp_to, state_checksum, hmac_prev, hmac, key_id, metadata)
    select b.id, b.ts, b.actor, b.action, b.cp_from, b.cp_to, b.state_checksum, b.hmac_prev, b.hmac, b.key_id, b.metadata
      from beamline_internal.devstate_import_rows(p_entries) b
     order by b.ord;
    get diagnostics v_count = row_count;
    select pg_catalog.min(b.id), pg_catalog.max(b.id) into v_min, v_max
      from beamline_internal.devstate_import_rows(p_entries) b;
    select e.id, case when v_keys ? e.key_id then 'bad hmac' else 'unknown key' end as reason
      into v_bad
      from devstate.history_entries e
     where e.id between v_min and v_max
       and e.hmac is distinct from pg_catalog.encode(beamline_ext.hmac(
               beamline_internal.devstate_entry_message(e.id, e.ts, e.actor, e.action, e.cp_from, e.cp_to,
                   e.state_checksum, e.key_id, e.hmac_prev, e.metadata_canonical),
               pg_catalog.decode(v_keys ->> e.key_id, 'hex'), 'sha256'), 'hex')
     order by e.id limit 1;
    if found then
        raise exception using
            errcode = 'BL008',
            message = pg_catalog.format('history entry %s does not verify (%s)', v_bad.id, v_bad.reason),
            detail = pg_catalog.json_build_object('id', v_bad.id, 'reason', v_bad.reason)::text,
            hint = 'The file was edited or signed with another key; nothing was imported.';
    end if;
    if v_max is not null then
        perform pg_catalog.setval('devstate.history_entries_id_seq'::pg_catalog.regclass,
            greatest(v_max, (select s.last_value from devstate.history_entries_id_seq s)), true);
    end if;
    return v_count;
end;
$_$;

ALTER FUNCTION devstate.import_entries(p_entries jsonb, p_actor text) OWNER TO beamline_owner;

--
-- Name: FUNCTION import_entries(p_entries jsonb, p_actor text); Type: COMMENT; Schema: devstate; Owner: beamline_owner
--

COMMENT ON FUNCTION devstate.import_entries(p_entries jsonb, p_actor text) IS 'Load a batch of exported history entries after devstate.import_begin (same transaction): every hmac recomputed (BL008), every link checked by the insert trigger, every key id registered (BL025). Needs history:append.';

--
-- Name: lock_state(text, interval, text); Type: FUNCTION; Schema: devstate; Owner: beamline_owner
--

CREATE FUNCTION devstate.lock_state(p_scope text, p_ttl interval, p_owner text) RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $_$
declare
    v_lock_id uuid;
    v_held devstate.locks;
begin
    perform beamline_internal.require_permission('devstate', p_owner, 'state:write');
    if p_scope is null or p_scope !~ '^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,127}$' then
        perform beamline_internal.devstate_bad_input('scope', 'must be 1-128 characters of A-Z a-z 0-9 . _ : / @ + -, starting with a letter or digit');
    end if;
    if p_ttl is null or p_ttl < interval '1 second' or p_ttl > interval '1 day' then
        perform beamline_internal.devstate_bad_input('ttl', 'must be between 1 second and 1 day');
    end if;
    if p_scope = 'state' then
        -- serialise with update_state, which checks this lease under the same row lock
        perform 1 from devstate.state_current s where s.id = 1 for update;
    end if;
    insert into devstate.locks as l (scope, owner, acquired_at, expires_at)
    values (p_scope, p_owner, pg_catalog.now(), pg_catalog.now() + p_ttl)
    on conflict (scope) do update
       set lock_id = case when l.owner = excluded.owner and l.expires_at > pg_catalog.now()
                          then l.lock_id else excluded.lock_id end,
           owner = excluded.owner, acquired_at = excluded.acquired_at, expires_at = excluded.expires_at
     where l.expires_at <= pg_catalog.now() or l.owner = excluded.owner
    returning l.lock_id into v_lock_id;
    if v_lock_id is null then
        select * into v_held from devstate.locks l where l.scope = p_scope;
        raise exception using
            errcode = 'BL006',
            message = pg_catalog.format('scope %s is leased by %s until %s', p_scope, v_held.owner, v_held.expires_at),
            detail = pg_catalog.json_build_object('scope', p_scope, 'owner', v_held.owner, 'expires_at', v_held.expires_at)::text,
            hint = 'Wait for the lease to expire or for its owner to call devstate.unlock_state.';
    end if;
    return v_lock_id;
end;
$_$;

ALTER FUNCTION devstate.lock_state(p_scope text, p_ttl interval, p_owner text) OWNER TO beamline_owner;

--
-- Name: FUNCTION lock_state(p_scope text, p_ttl interval, p_owner text); Type: COMMENT; Schema: devstate; Owner: beamline_owner
--

COMMENT ON FUNCTION devstate.lock_state(p_scope text, p_ttl interval, p_owner text) IS 'Take or renew the lease on a scope for p_ttl; returns the lock id, BL006 while another owner''s lease has not expired. Needs state:write.';

--
-- Name: search_history(jsonb, text, integer, bigint); Type: FUNCTION; Schema: devstate; Owner: beamline_owner
--

CREATE FUNCTION devstate.search_history(p_filters jsonb, p_actor text, p_limit integer DEFAULT 100, p_cursor bigint DEFAULT NULL::bigint) RETURNS jsonb
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
declare
    v_filters jsonb := coalesce(p_filters, '{}');
    v_key text;
    v_since timestamptz;
    v_until timestamptz;
    v_entries jsonb;
    v_count integer;
    v_last bigint;
begin
    perform beamline_internal.require_permission('devstate', p_actor, 'state:read');
    if pg_catalog.jsonb_typeof(v_filters) <> 'object' then
        perform beamline_internal.devstate_bad_input('filters', 'must be a JSON object');
    end if;
    for v_key in select pg_catalog.jsonb_object_keys(v_filters) loop
        if v_key not in ('actor', 'action', 'checkpoint', 'since', 'until', 'metadata') then
            perform beamline_internal.devstate_bad_input('filters', pg_catalog.format('unknown filter %s', v_key),
                'Filters: actor, action, checkpoint, since, until, metadata.');
        end if;
        if v_key = 'metadata' then
            if pg_catalog.jsonb_typeof(v_filters -> v_key) <> 'object' then
                perform beamline_internal.devstate_bad_input('filters.metadata', 'must be a JSON object');
            end if;
        elsif pg_catalog.jsonb_typeof(v_filters -> v_key) <> 'string' then
            perform beamline_internal.devstate_bad_input('filters.' || v_key, 'must be a string');
        end if;
    end loop;
    begin
        v_since := (v_filters ->> 'since')::timestamptz;
        v_until := (v_filters ->> 'until')::timestamptz;
    exception when data_exception then  -- any bad timestamp text (format, range, zone)
        perform beamline_internal.devstate_bad_input('filters.since/until', 'not an ISO 8601 timestamp');
    end;
    if p_limit is null or p_limit not between 1 and 1000 then
        perform beamline_internal.devstate_bad_input('limit', 'must be between 1 and 1000');
    end if;

    select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
               'id', e.id, 'ts', pg_catalog.to_char(pg_catalog.timezone('UTC', e.ts), 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
               'actor', e.actor, 'action', e.action, 'cp_from', e.cp_from, 'cp_to', e.cp_to,
               'state_checksum', e.state_checksum, 'key_id', e.key_id, 'hmac_prev', e.hmac_prev,
               'hmac', e.hmac, 'metadata', e.metadata) order by e.id desc),
           pg_catalog.count(*), pg_catalog.min(e.id)
      into v_entries, v_count, v_last
      from (select * from devstate.history_entries h
             where (p_cursor is null or h.id < p_cursor)
               and (not v_filters ? 'actor' or h.actor = v_filters ->> 'actor')
               and (not v_filters ? 'action' or h.action = v_filters ->> 'action')
               and (not v_filters ? 'checkpoint' or h.cp_from = v_filters ->> 'checkpoint' or h.cp_to = v_filters ->> 'checkpoint')
               and (v_since is null or h.ts >= v_since)
               and (v_until is null or h.ts < v_until)
               and (not v_filters ? 'metadata' or h.metadata @> (v_filters -> 'metadata'))
             order by h.id desc
             limit p_limit) e;
    return pg_catalog.jsonb_build_object(
        'entries', coalesce(v_entries, '[]'),
        'next_cursor', case when v_count = p_limit then v_last end);
end;
$$;

ALTER FUNCTION devstate.search_history(p_filters jsonb, p_actor text, p_limit integer, p_cursor bigint) OWNER TO beamline_owner;

--
-- Name: FUNCTION search_history(p_filters jsonb, p_actor text, p_limit integer, p_cursor bigint); Type: COMMENT; Schema: devstate; Owner: beamline_owner
--

COMMENT ON FUNCTION devstate.search_history(p_filters jsonb, p_actor text, p_limit integer, p_cursor bigint) IS 'History entries matching {actor, action, checkpoint, since, until, metadata (containment)}, newest first: {"entries", "next_cursor"} (keyset on id). Needs state:read.';

--
-- Name: unlock_state(uuid, text); Type: FUNCTION; Schema: devstate; Owner: beamline_owner
--

CREATE FUNCTION devstate.unlock_state(p_lock_id uuid, p_owner text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
declare
    v_held devstate.locks;
begin
    perform beamline_internal.require_permission('devstate', p_owner, 'state:write');
    if p_lock_id is null then
        perform beamline_internal.devstate_bad_input('lock_id', 'is null');
    end if;
    select * into v_held from devstate.locks l where l.lock_id = p_lock_id for update;
    if not found then
        raise exception using
            errcode = 'BL002',
            message = pg_catalog.format('no lease %s', p_lock_id),
            detail = pg_catalog.json_build_object('lock_id', p_lock_id)::text,
            hint = 'The lease was released, or it expired and someone else took the scope.';
    end if;
    if v_held.owner <> p_owner and v_held.expires_at > pg_catalog.now() then
        raise exception using
            errcode = 'BL006',
            message = pg_catalog.format('lease %s belongs to %s', p_lock_id, v_held.owner),
            detail = pg_catalog.json_build_object('scope', v_held.scope, 'owner', v_held.owner, 'expires_at', v_held.expires_at)::text,
            hint = 'Only the owner releases a lease before it expires.';
    end if;
    delete from devstate.locks l where l.lock_id = p_lock_id;
end;
$$;

ALTER FUNCTION devstate.unlock_state(p_lock_id uuid, p_owner text) OWNER TO beamline_owner;

--
-- Name: FUNCTION unlock_state(p_lock_id uuid, p_owner text); Type: COMMENT; Schema: devstate; Owner: beamline_owner
--

COMMENT ON FUNCTION devstate.unlock_state(p_lock_id uuid, p_owner text) IS 'Release a lease (BL002 when unknown, BL006 when another owner''s lease is still valid). Needs state:write.';

--
-- Name: update_state(jsonb, text, text, jsonb); Type: FUNCTION; Schema: devstate; Owner: beamline_owner
--

CREATE FUNCTION devstate.update_state(p_patch jsonb, p_actor text, p_expected_checksum text DEFAULT NULL::text, p_history_entry jsonb DEFAULT NULL::jsonb) RETURNS text
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $_$
declare
    v_row devstate.state_current;
    v_lock devstate.locks;
    v_entry jsonb;
    v_new jsonb;
    v_checksum text;
begin
    perform beamline_internal.require_permission('devstate', p_actor, 'state:write');
    if p_history_entry is not null then
        perform beamline_internal.require_permission('devstate', p_actor, 'history:append');
        v_entry := beamline_internal.devstate_check_entry(p_history_entry);
        perform beamline_internal.devstate_keys();  -- BL012 before any work
    end if;
    if p_patch is null or pg_catalog.jsonb_typeof(p_patch) <> 'object' then
        perform beamline_internal.devstate_bad_input('patch', 'must be a JSON object',
            'The state is an object; a merge patch object sets members and deletes those given as null.');
    end if;
    if p_expected_checksum is not null and p_expected_checksum !~ '^[0-9a-f]{64}$' then
        perform beamline_internal.devstate_bad_input('expected_checksum', 'must be 64 lowercase hex digits');
    end if;
    perform beamline_internal.check_document_limits(p_patch);

    -- The state row first, then the lease: lock_state('state') takes the same row lock, so a
    -- lease cannot be granted while this write is in flight, nor a write pass a new lease.
    perform 1 from devstate.state_current s where s.id = 1 for update;
    select * into v_lock from devstate.locks l
     where l.scope = 'state' and l.expires_at > pg_catalog.now() and l.owner <> p_actor;
    if found then
        raise exception using
            errcode = 'BL006',
            message = pg_catalog.format('the DevState is leased by %s until %s', v_lock.owner, v_lock.expires_at),
            detail = pg_catalog.json_build_object('scope', v_lock.scope, 'owner', v_lock.owner, 'expires_at', v_lock.expires_at)::text,
            hint = 'Wait for the lease to expire or for its owner to call devstate.unlock_state.';
    end if;

    select * into v_row from devstate.state_current s where s.id = 1 for update;
    if not found then
        insert into devstate.state_current (id, json, checksum)
        values (1, beamline_internal.devstate_initial_state(),
                beamline_internal.devstate_state_checksum(beamline_internal.devstate_initial_state()))
        on conflict (id) do nothing;
        select * into strict v_row from devstate.state_current s where s.id = 1 for update;
    end if;
    if p_expected_checksum is not null and p_expected_checksum <> v_row.checksum then
        raise exception using
            errcode = 'BL005',
            message = 'the DevState changed since it was read (checksum mismatch)',
            detail = pg_catalog.json_build_object('expected', p_expected_checksum, 'actual', v_row.checksum)::text,
            hint = 'Read it again with devstate.get_state, re-apply the change, and retry with the new checksum.';
    end if;

    v_new := beamline.merge_patch(v_row.json, p_patch);
    perform beamline_internal.check_document_limits(v_new);
    perform beamline_internal.assert_valid(beamline_internal.schema_for('state/default'), v_new);
    v_checksum := beamline_internal.devstate_state_checksum(v_new);

    update devstate.state_current s
       set json = v_new, checksum = v_checksum, updated_at = pg_catalog.now(), updated_by = p_actor
     where s.id = 1;
    if v_entry is not null then
        if v_entry -> 'state_checksum' = 'null'::jsonb then
            v_entry := v_entry || pg_catalog.jsonb_build_object('state_checksum', v_checksum);
        end if;
        perform beamline_internal.devstate_append(v_entry, p_actor);
    end if;
    return v_checksum;
end;
$_$;

ALTER FUNCTION devstate.update_state(p_patch jsonb, p_actor text, p_expected_checksum text, p_history_entry jsonb) OWNER TO beamline_owner;

--
-- Name: FUNCTION update_state(p_patch jsonb, p_actor text, p_expected_checksum text, p_history_entry jsonb); Type: COMMENT; Schema: devstate; Owner: beamline_owner
--

COMMENT ON FUNCTION devstate.update_state(p_patch jsonb, p_actor text, p_expected_checksum text, p_history_entry jsonb) IS 'Merge-patch the DevState (RFC 7396), validate against state/default before writing, return the new checksum; optional compare-and-set (BL005) and history entry in the same transaction. Needs state:write (+ history:append).';

--
-- Name: verify_hmac_chain(bigint, bigint); Type: FUNCTION; Schema: devstate; Owner: beamline_owner
--

CREATE FUNCTION devstate.verify_hmac_chain(p_from bigint DEFAULT NULL::bigint, p_to bigint DEFAULT NULL::bigint) RETURNS jsonb
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
declare
    c_genesis constant text := '0000000000000000000000000000000000000000000000000000000000000000';
    v_keys jsonb := beamline_internal.devstate_keys();
    v_prev text;
    v_link_id bigint;
    v_link_reason text;
    v_hmac_id bigint;
    v_hmac_reason text;
    v_count bigint;
    v_first bigint;
    v_last bigint;
    v_last_hmac text;
    v_head devstate.chain_head;
    v_result jsonb;
begin
    if p_from is not null and p_to is not null and p_from > p_to then
        perform beamline_internal.devstate_bad_input('range', 'p_from is after p_to');
    end if;
    if p_from is null then
        v_prev := c_genesis;
    else
        select e.hmac into v_prev from devstate.history_entries e where e.id < p_from order by e.id desc limit 1;
        v_prev := coalesce(v_prev, c_genesis);
    end if;

    -- 1. links
    select s.id,
           case when exists (select 1 from devstate.history_entries x where x.hmac = s.hmac_prev)
                then 'bad link' else 'missing predecessor' end
      into v_link_id, v_link_reason
      from (select e.id, e.hmac_prev, pg_catalog.lag(e.hmac, 1, v_prev) over (order by e.id) as expected
              from devstate.history_entries e
             where (p_from is null or e.id >= p_from) and (p_to is null or e.id <= p_to)) s
     where s.hmac_prev <> s.expected
     order by s.id
     limit 1;

    -- 2. hmacs (and the extent of the range)
    select v.checked, v.first_id, v.last_id, v.bad_id
      into v_count, v_first, v_last, v_hmac_id
      from beamline_internal.devstate_verify_hmacs(p_from, p_to, v_keys) v;
    if v_hmac_id is not null then
        select case when e.metadata::text is distinct from e.metadata_canonical::jsonb::text then 'metadata mismatch'
                    when v_keys ? e.key_id then 'bad hmac' else 'unknown key' end
          into v_hmac_reason from devstate.history_entries e where e.id = v_hmac_id;
    end if;
    if v_last is not null then
        select e.hmac into v_last_hmac from devstate.history_entries e where e.id = v_last;
    end if;

    v_result := pg_catalog.jsonb_build_object('checked', v_count, 'first_id', v_first, 'last_id', v_last,
                                              'head', coalesce(v_last_hmac, v_prev));
    if v_link_id is not null and (v_hmac_id is null or v_link_id <= v_hmac_id) then
        return v_result || pg_catalog.jsonb_build_object('ok', false, 'id', v_link_id, 'reason', v_link_reason);
    elsif v_hmac_id is not null then
        return v_result || pg_catalog.jsonb_build_object('ok', false, 'id', v_hmac_id, 'reason', v_hmac_reason);
    end if;

    -- 3. the tail
    if p_to is null then
        select * into v_head from devstate.chain_head h where h.id = 1;
        if found and (v_head.head_id <> coalesce(v_last, 0) or v_head.head_hmac <> coalesce(v_last_hmac, c_genesis))
           and (v_head.head_id > coalesce(v_last, 0)) then
            return v_result || pg_catalog.jsonb_build_object('ok', false, 'id', v_head.head_id, 'reason', 'truncated');
        end if;
    end if;
    return v_result || pg_catalog.jsonb_build_object('ok', true);
end;
$$;

ALTER FUNCTION devstate.verify_hmac_chain(p_from bigint, p_to bigint) OWNER TO beamline_owner;

--
-- Name: FUNCTION verify_hmac_chain(p_from bigint, p_to bigint); Type: COMMENT; Schema: devstate; Owner: beamline_owner
--

COMMENT ON FUNCTION devstate.verify_hmac_chain(p_from bigint, p_to bigint) IS 'Verify the HMAC chain (optionally ids p_from..p_to), set-based: {"ok": true, "checked", "first_id", "last_id", "head"} or the first bad {"id", "reason"} (bad link, missing predecessor, bad hmac, metadata mismatch, unknown key, truncated). BL012 without a key.';

--
-- Name: change_log; Type: TABLE; Schema: beamline; Owner: beamline_owner
--

CREATE TABLE beamline.change_log (
    id bigint NOT NULL,
    xid xid8 DEFAULT pg_current_xact_id() NOT NULL,
    kind character varying(16) NOT NULL,
    tenant_id character varying(64) NOT NULL,
    object_id character varying(128) NOT NULL,
    op character varying(16) NOT NULL,
    version integer,
    changed_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    CONSTRAINT change_log_kind_check CHECK (((kind)::text = ANY ('{policy,role,quota}'::text[]))),
    CONSTRAINT change_log_op_check CHECK (((op)::text = ANY ('{insert,update,delete}'::text[])))
);

ALTER TABLE beamline.change_log OWNER TO beamline_owner;

--
-- Name: TABLE change_log; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON TABLE beamline.change_log IS 'One row per committed change of a policy version, role grant or quota, for cache invalidation. Read with beamline.changes_since; pruned with beamline_internal.change_log_prune.';

--
-- Name: COLUMN change_log.id; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON COLUMN beamline.change_log.id IS 'Change id (for de-duplication only: ids commit out of order, never use them as a watermark).';

--
-- Name: COLUMN change_log.xid; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON COLUMN beamline.change_log.xid IS 'The writing transaction (pg_current_xact_id); watermarks compare against it.';

--
-- Name: COLUMN change_log.kind; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON COLUMN beamline.change_log.kind IS 'policy | role | quota.';

--
-- Name: COLUMN change_log.object_id; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON COLUMN beamline.change_log.object_id IS 'policy: the policy id; role: the user id; quota: the tenant id.';

--
-- Name: COLUMN change_log.version; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON COLUMN beamline.change_log.version IS 'policy: the version row that changed; null otherwise.';

--
-- Name: change_log_id_seq; Type: SEQUENCE; Schema: beamline; Owner: beamline_owner
--

CREATE SEQUENCE beamline.change_log_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER TABLE beamline.change_log_id_seq OWNER TO beamline_owner;

--
-- Name: change_log_id_seq; Type: SEQUENCE OWNED BY; Schema: beamline; Owner: beamline_owner
--

ALTER SEQUENCE beamline.change_log_id_seq OWNED BY beamline.change_log.id;

--
-- Name: change_log_state; Type: TABLE; Schema: beamline; Owner: beamline_owner
--

CREATE TABLE beamline.change_log_state (
    id smallint DEFAULT 1 NOT NULL,
    pruned_below xid8 DEFAULT '0'::xid8 NOT NULL,
    CONSTRAINT change_log_state_singleton CHECK ((id = 1))
);

ALTER TABLE beamline.change_log_state OWNER TO beamline_owner;

--
-- Name: TABLE change_log_state; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON TABLE beamline.change_log_state IS 'Singleton: change_log rows with xid < pruned_below may have been pruned; older watermarks must flush.';

--
-- Name: index_stats; Type: VIEW; Schema: beamline; Owner: beamline_owner
--

CREATE VIEW beamline.index_stats AS
 SELECT (s.schemaname)::text AS schema_name,
    (s.relname)::text AS table_name,
    (s.indexrelname)::text AS index_name,
    s.idx_scan,
    s.idx_tup_read,
    s.idx_tup_fetch,
    pg_relation_size((s.indexrelid)::regclass) AS index_bytes,
    pg_size_pretty(pg_relation_size((s.indexrelid)::regclass)) AS index_size,
    i.indisunique AS is_unique,
    i.indisprimary AS is_primary,
    ((s.idx_scan = 0) AND (NOT i.indisunique)) AS is_unused
   FROM (pg_stat_user_indexes s
     JOIN pg_index i ON ((i.indexrelid = s.indexrelid)))
  WHERE (s.schemaname = ANY (ARRAY['beamline'::name, 'beamline_internal'::name, 'beamline_admin'::name, 'devstate'::name]));

ALTER TABLE beamline.index_stats OWNER TO beamline_owner;

--
-- Name: VIEW index_stats; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON VIEW beamline.index_stats IS 'pg_stat_user_indexes for beamline-store''s schemas: scans, tuples read/fetched, size, and is_unused (never scanned, not unique).';

--
-- Name: json_schema_fast; Type: TABLE; Schema: beamline; Owner: beamline_owner
--

CREATE TABLE beamline.json_schema_fast (
    checksum text NOT NULL,
    predicate jsonpath,
    root jsonb,
    ctx jsonb,
    cost integer,
    CONSTRAINT json_schema_fast_checksum_format CHECK ((checksum ~ '^[0-9a-f]{64}$'::text))
);

ALTER TABLE beamline.json_schema_fast OWNER TO beamline_owner;

--
-- Name: TABLE json_schema_fast; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON TABLE beamline.json_schema_fast IS 'Compiled fast path (jsonschema_compile) of each checked, registered JSON Schema, keyed by the SHA-256 of schema::text. Derived data.';

--
-- Name: COLUMN json_schema_fast.predicate; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON COLUMN beamline.json_schema_fast.predicate IS 'Strict jsonpath predicate, TRUE exactly when the document has no error outside the checks; NULL = the schema has no fast path.';

--
-- Name: COLUMN json_schema_fast.root; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON COLUMN beamline.json_schema_fast.root IS 'The prepared schema (beamline_internal.jsonschema_prepare): {"0": schema, "1": a registered schema it references, ...} with every $ref resolved to a pointer.';

--
-- Name: COLUMN json_schema_fast.ctx; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON COLUMN beamline.json_schema_fast.ctx IS 'Engine flags of the prepared schema: {"u": uses unevaluated*, "f": format asserted, "dyn": dynamic anchors per resource}.';

--
-- Name: COLUMN json_schema_fast.cost; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON COLUMN beamline.json_schema_fast.cost IS 'Static bound on the engine''s work per document node (subschemas that can apply to one node, memoised), checked against the per-node limit at registration.';

--
-- Name: json_schema_fast_checks; Type: TABLE; Schema: beamline; Owner: beamline_owner
--

CREATE TABLE beamline.json_schema_fast_checks (
    checksum text NOT NULL,
    ord integer NOT NULL,
    path jsonpath NOT NULL,
    keys text[],
    schema jsonb,
    CONSTRAINT json_schema_fast_checks_kind CHECK (((keys IS NULL) <> (schema IS NULL)))
);

ALTER TABLE beamline.json_schema_fast_checks OWNER TO beamline_owner;

--
-- Name: TABLE json_schema_fast_checks; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON TABLE beamline.json_schema_fast_checks IS 'Checks of a compiled fast path: nodes selected by path must have no member outside keys, or no engine error for schema.';

--
-- Name: json_schemas; Type: TABLE; Schema: beamline; Owner: beamline_owner
--

CREATE TABLE beamline.json_schemas (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    name character varying(128) NOT NULL,
    tenant_id character varying(64),
    version integer NOT NULL,
    schema jsonb NOT NULL,
    checksum text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    created_by character varying(128) NOT NULL,
    CONSTRAINT json_schemas_checksum_format CHECK ((checksum ~ '^[0-9a-f]{64}$'::text)),
    CONSTRAINT json_schemas_name_format CHECK (((name)::text ~ '^[a-z0-9][a-z0-9._-]*(/[a-z0-9][a-z0-9._-]*)*$'::text)),
    CONSTRAINT json_schemas_tenant_id_format CHECK (((tenant_id)::text ~ '^[A-Za-z0-9][A-Za-z0-9._:@+-]*$'::text)),
    CONSTRAINT json_schemas_version_positive CHECK ((version >= 1))
);

ALTER TABLE beamline.json_schemas OWNER TO beamline_owner;

--
-- Name: TABLE json_schemas; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON TABLE beamline.json_schemas IS 'Named JSON Schemas (supported subset of draft 2020-12, docs/VALIDATION.md), versioned; tenant_id NULL = the global default, otherwise a per-tenant override. Rows are immutable.';

--
-- Name: COLUMN json_schemas.name; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON COLUMN beamline.json_schemas.name IS 'Schema name, e.g. policy/default, state/default: lower-case segments separated by "/".';

--
-- Name: COLUMN json_schemas.tenant_id; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON COLUMN beamline.json_schemas.tenant_id IS 'NULL for the global schema of this name; a tenant id for that tenant''s override.';

--
-- Name: COLUMN json_schemas.version; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON COLUMN beamline.json_schemas.version IS 'Version number per (name, tenant_id), 1-based; the highest is current.';

--
-- Name: COLUMN json_schemas.schema; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON COLUMN beamline.json_schemas.schema IS 'The schema document, checked by beamline_internal.jsonschema_check_schema before insert.';

--
-- Name: COLUMN json_schemas.checksum; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON COLUMN beamline.json_schemas.checksum IS 'SHA-256 (hex) of schema::text: an unchanged schema is not registered twice.';

--
-- Name: COLUMN json_schemas.created_by; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON COLUMN beamline.json_schemas.created_by IS 'The actor that registered it (beamline migrate for the shipped defaults).';

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
    seq bigint NOT NULL,
    prev_hash text NOT NULL,
    row_hash text NOT NULL,
    lane smallint DEFAULT 0 NOT NULL,
    CONSTRAINT policy_audit_log_action_format CHECK (((action)::text ~ '^[A-Z][A-Z0-9_]*$'::text)),
    CONSTRAINT policy_audit_log_metadata_is_object CHECK ((jsonb_typeof(metadata) = 'object'::text)),
    CONSTRAINT policy_audit_log_target_type_check CHECK (((target_type)::text = ANY ('{policy,role,quota,app,schema,state,key}'::text[])))
)
PARTITION BY RANGE ("timestamp");

ALTER TABLE beamline.policy_audit_log OWNER TO beamline_owner;

--
-- Name: TABLE policy_audit_log; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON TABLE beamline.policy_audit_log IS 'Append-only audit trail of policy, role and quota changes and application events, partitioned by UTC month on "timestamp" (partitions in beamline_internal). Rows leave only through beamline.cleanup_old_logs.';

--
-- Name: COLUMN policy_audit_log.target_type; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON COLUMN beamline.policy_audit_log.target_type IS 'What changed: policy | role (user_roles) | quota (tenant_quotas) | app (log_action events) | schema (json_schemas) | state (the DevState document) | key (a DevState HMAC key registered or retired).';

--
-- Name: COLUMN policy_audit_log.policy_id; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON COLUMN beamline.policy_audit_log.policy_id IS 'The policy id for target_type = policy, else null.';

--
-- Name: COLUMN policy_audit_log.target_id; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON COLUMN beamline.policy_audit_log.target_id IS 'The changed object: policy id, user id (role), tenant id (quota), schema name (schema), ''state'' (state), or an application key.';

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
-- Name: COLUMN policy_audit_log."timestamp"; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON COLUMN beamline.policy_audit_log."timestamp" IS 'When the row was written (clock_timestamp()); the partition key (one partition per UTC month).';

--
-- Name: COLUMN policy_audit_log.seq; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON COLUMN beamline.policy_audit_log.seq IS 'Position in its lane of the tenant''s audit hash chain: 1, 2, 3, ... (set by the trigger chain).';

--
-- Name: COLUMN policy_audit_log.prev_hash; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON COLUMN beamline.policy_audit_log.prev_hash IS 'row_hash of the tenant''s previous row (seq - 1), or 64 zeros for seq 1, or the cleanup anchor''s hash.';

--
-- Name: COLUMN policy_audit_log.row_hash; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON COLUMN beamline.policy_audit_log.row_hash IS 'SHA-256 (hex) of this row''s canonical message including prev_hash (beamline_internal.audit_row_hash, docs/AUDIT.md).';

--
-- Name: COLUMN policy_audit_log.lane; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON COLUMN beamline.policy_audit_log.lane IS 'The tenant''s hash chain (lane) this row is linked in (set by the trigger chain); seq counts within the lane.';

--
-- Name: maintenance_settings; Type: TABLE; Schema: beamline_internal; Owner: beamline_owner
--

CREATE TABLE beamline_internal.maintenance_settings (
    id smallint DEFAULT 1 NOT NULL,
    change_log_keep interval DEFAULT '7 days'::interval NOT NULL,
    audit_retention interval,
    actor character varying(128) DEFAULT 'beamline-maintain'::character varying NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT maintenance_settings_actor_format CHECK (((actor)::text ~ '^[A-Za-z0-9][A-Za-z0-9._:@+-]*$'::text)),
    CONSTRAINT maintenance_settings_keep_not_negative CHECK ((change_log_keep >= '00:00:00'::interval)),
    CONSTRAINT maintenance_settings_retention_positive CHECK (((audit_retention IS NULL) OR (audit_retention > '00:00:00'::interval))),
    CONSTRAINT maintenance_settings_singleton CHECK ((id = 1))
);

ALTER TABLE beamline_internal.maintenance_settings OWNER TO beamline_owner;

--
-- Name: TABLE maintenance_settings; Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON TABLE beamline_internal.maintenance_settings IS 'Singleton: change-log window, audit retention and actor of beamline_admin.maintain. Owner-only; change with beamline_admin.set_maintenance.';

--
-- Name: COLUMN maintenance_settings.change_log_keep; Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON COLUMN beamline_internal.maintenance_settings.change_log_keep IS 'change_log entries older than this are pruned (listeners further behind flush).';

--
-- Name: COLUMN maintenance_settings.audit_retention; Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON COLUMN beamline_internal.maintenance_settings.audit_retention IS 'Audit rows older than this are deleted via beamline.cleanup_old_logs; null = keep forever.';

--
-- Name: COLUMN maintenance_settings.actor; Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON COLUMN beamline_internal.maintenance_settings.actor IS 'Actor of maintenance changes in the audit log; needs audit:manage in tenant global for retention.';

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
-- Name: maintenance_status; Type: VIEW; Schema: beamline; Owner: beamline_owner
--

CREATE VIEW beamline.maintenance_status AS
 SELECT ( SELECT count(*) AS count
           FROM beamline.change_log) AS change_log_entries,
    ( SELECT (now() - min(c.changed_at))
           FROM beamline.change_log c) AS change_log_oldest_age,
    s.change_log_keep,
    ( SELECT count(*) AS count
           FROM devstate.locks l
          WHERE (l.expires_at <= now())) AS expired_leases,
    ( SELECT count(*) AS count
           FROM beamline.user_roles r
          WHERE ((r.expires_at IS NOT NULL) AND (r.expires_at <= now()))) AS expired_grants,
    s.audit_retention,
        CASE
            WHEN (s.audit_retention IS NULL) THEN (0)::bigint
            ELSE ( SELECT count(*) AS count
               FROM beamline.policy_audit_log a
              WHERE (a."timestamp" < (now() - s.audit_retention)))
        END AS audit_rows_past_retention,
    ( SELECT max(a."timestamp") AS max
           FROM beamline.policy_audit_log a
          WHERE (((a.action)::text = 'MAINTAIN'::text) AND ((a.tenant_id)::text = 'global'::text))) AS last_maintain_at,
    pg_notification_queue_usage() AS notification_queue_usage
   FROM beamline_internal.maintenance_settings s
  WHERE (s.id = 1);

ALTER TABLE beamline.maintenance_status OWNER TO beamline_owner;

--
-- Name: VIEW maintenance_status; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON VIEW beamline.maintenance_status IS 'Counts to alert on: change-log size and age, expired leases/grants and audit rows past retention awaiting beamline_admin.maintain, its last run (MAINTAIN audit row), NOTIFY queue usage.';

--
-- Name: notification_queue; Type: VIEW; Schema: beamline; Owner: beamline_owner
--

CREATE VIEW beamline.notification_queue AS
 SELECT pg_notification_queue_usage() AS usage_fraction,
    round((((100)::double precision * pg_notification_queue_usage()))::numeric, 3) AS usage_pct;

ALTER TABLE beamline.notification_queue OWNER TO beamline_owner;

--
-- Name: VIEW notification_queue; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON VIEW beamline.notification_queue IS 'Fraction (0..1) of the LISTEN/NOTIFY queue in use (pg_notification_queue_usage); NOTIFY fails at commit when it is full.';

--
-- Name: permissions; Type: TABLE; Schema: beamline; Owner: beamline_owner
--

CREATE TABLE beamline.permissions (
    permission character varying(64) NOT NULL,
    description text NOT NULL,
    CONSTRAINT permissions_format CHECK (((permission)::text ~ '^[a-z]+:[a-z]+$'::text))
);

ALTER TABLE beamline.permissions OWNER TO beamline_owner;

--
-- Name: TABLE permissions; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON TABLE beamline.permissions IS 'The permissions the stored logic checks (namespace:verb). Anything else is rejected as bad input (BL007).';

--
-- Name: COLUMN permissions.permission; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON COLUMN beamline.permissions.permission IS 'namespace:verb, e.g. policy:read; never a wildcard.';

--
-- Name: role_permissions; Type: TABLE; Schema: beamline; Owner: beamline_owner
--

CREATE TABLE beamline.role_permissions (
    role character varying(64) NOT NULL,
    permission character varying(64) NOT NULL,
    CONSTRAINT role_permissions_grant_format CHECK (((permission)::text ~ '^([a-z]+:([a-z]+|\*)|\*)$'::text)),
    CONSTRAINT role_permissions_role_check CHECK (((role)::text = ANY ((ARRAY['admin'::character varying, 'operator'::character varying, 'viewer'::character varying])::text[])))
);

ALTER TABLE beamline.role_permissions OWNER TO beamline_owner;

--
-- Name: TABLE role_permissions; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON TABLE beamline.role_permissions IS 'What each role grants: a known permission, a namespace wildcard (policy:*) or * (everything).';

--
-- Name: COLUMN role_permissions.role; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON COLUMN beamline.role_permissions.role IS 'admin | operator | viewer (the roles of user_roles.role).';

--
-- Name: table_stats; Type: VIEW; Schema: beamline; Owner: beamline_owner
--

CREATE VIEW beamline.table_stats AS
 SELECT (s.schemaname)::text AS schema_name,
    (s.relname)::text AS table_name,
    s.seq_scan,
    s.seq_tup_read,
    s.idx_scan,
    s.idx_tup_fetch,
        CASE
            WHEN ((COALESCE(s.seq_scan, (0)::bigint) + COALESCE(s.idx_scan, (0)::bigint)) = 0) THEN NULL::numeric
            ELSE round(((100.0 * (COALESCE(s.idx_scan, (0)::bigint))::numeric) / ((COALESCE(s.seq_scan, (0)::bigint) + COALESCE(s.idx_scan, (0)::bigint)))::numeric), 1)
        END AS idx_scan_pct,
    s.n_tup_ins,
    s.n_tup_upd,
    s.n_tup_del,
    s.n_tup_hot_upd,
    s.n_live_tup,
    s.n_dead_tup,
        CASE
            WHEN ((s.n_live_tup + s.n_dead_tup) = 0) THEN (0)::numeric
            ELSE round(((100.0 * (s.n_dead_tup)::numeric) / ((s.n_live_tup + s.n_dead_tup))::numeric), 1)
        END AS dead_tup_pct,
    s.last_vacuum,
    s.last_autovacuum,
    s.last_analyze,
    s.last_autoanalyze,
    (s.vacuum_count + s.autovacuum_count) AS vacuums,
    (s.analyze_count + s.autoanalyze_count) AS analyzes,
    pg_relation_size((s.relid)::regclass) AS table_bytes,
    pg_indexes_size((s.relid)::regclass) AS index_bytes,
    pg_total_relation_size((s.relid)::regclass) AS total_bytes,
    pg_size_pretty(pg_total_relation_size((s.relid)::regclass)) AS total_size
   FROM pg_stat_user_tables s
  WHERE (s.schemaname = ANY (ARRAY['beamline'::name, 'beamline_internal'::name, 'beamline_admin'::name, 'devstate'::name]));

ALTER TABLE beamline.table_stats OWNER TO beamline_owner;

--
-- Name: VIEW table_stats; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON VIEW beamline.table_stats IS 'pg_stat_user_tables for beamline-store''s schemas: seq vs index scans (idx_scan_pct), dead tuples (dead_tup_pct), last vacuum/analyze, sizes.';

--
-- Name: audit_chain_anchors; Type: TABLE; Schema: beamline_internal; Owner: beamline_owner
--

CREATE TABLE beamline_internal.audit_chain_anchors (
    tenant_id character varying(64) NOT NULL,
    seq bigint NOT NULL,
    row_hash text NOT NULL,
    cut_at timestamp with time zone DEFAULT now() NOT NULL,
    lane smallint NOT NULL,
    CONSTRAINT audit_chain_anchors_hash_format CHECK ((row_hash ~ '^[0-9a-f]{64}$'::text)),
    CONSTRAINT audit_chain_anchors_seq_positive CHECK ((seq >= 1))
);

ALTER TABLE beamline_internal.audit_chain_anchors OWNER TO beamline_owner;

--
-- Name: TABLE audit_chain_anchors; Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON TABLE beamline_internal.audit_chain_anchors IS 'Per tenant and lane, the last audit row (seq, row_hash) removed by beamline.cleanup_old_logs: the remaining lane starts after it.';

--
-- Name: audit_chain_heads; Type: TABLE; Schema: beamline_internal; Owner: beamline_owner
--

CREATE TABLE beamline_internal.audit_chain_heads (
    tenant_id character varying(64) NOT NULL,
    seq bigint NOT NULL,
    head_hash text NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    lane smallint NOT NULL
);

ALTER TABLE beamline_internal.audit_chain_heads OWNER TO beamline_owner;

--
-- Name: TABLE audit_chain_heads; Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON TABLE beamline_internal.audit_chain_heads IS 'Per tenant and lane, the head of the audit hash chain (last seq and row_hash). An audit insert locks one lane''s row of its tenant until commit: writers of a lane are serialised and cannot fork it.';

--
-- Name: audit_contexts; Type: TABLE; Schema: beamline_internal; Owner: beamline_owner
--

CREATE TABLE beamline_internal.audit_contexts (
    xid xid8 NOT NULL,
    context jsonb NOT NULL,
    CONSTRAINT audit_contexts_object CHECK ((jsonb_typeof(context) = 'object'::text)),
    CONSTRAINT audit_contexts_size CHECK ((octet_length((context)::text) <= 4096))
);

ALTER TABLE beamline_internal.audit_contexts OWNER TO beamline_owner;

--
-- Name: TABLE audit_contexts; Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON TABLE beamline_internal.audit_contexts IS 'Audit context per transaction (written by beamline_internal.audit_set_context, read by audit_metadata); owner only.';

--
-- Name: devstate_hmac_keys; Type: TABLE; Schema: beamline_internal; Owner: beamline_owner
--

CREATE TABLE beamline_internal.devstate_hmac_keys (
    key_id text NOT NULL,
    salt bytea NOT NULL,
    fingerprint text NOT NULL,
    registered_at timestamp with time zone DEFAULT now() NOT NULL,
    retired_at timestamp with time zone,
    CONSTRAINT devstate_hmac_keys_fingerprint_format CHECK ((fingerprint ~ '^[0-9a-f]{64}$'::text)),
    CONSTRAINT devstate_hmac_keys_key_id_format CHECK ((key_id ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'::text)),
    CONSTRAINT devstate_hmac_keys_retired_after_registered CHECK (((retired_at IS NULL) OR (retired_at >= registered_at))),
    CONSTRAINT devstate_hmac_keys_salt_length CHECK ((octet_length(salt) = 16))
);

ALTER TABLE beamline_internal.devstate_hmac_keys OWNER TO beamline_owner;

--
-- Name: TABLE devstate_hmac_keys; Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON TABLE beamline_internal.devstate_hmac_keys IS 'Owner-only registry of DevState HMAC key ids: a salted HMAC fingerprint of each key (never the key). Appends and imports are refused (BL025) with a key that does not match.';

--
-- Name: COLUMN devstate_hmac_keys.fingerprint; Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON COLUMN beamline_internal.devstate_hmac_keys.fingerprint IS 'hex(HMAC-SHA256(key, ''beamline-devstate-key-fingerprint/1,'' || key_id || '','' || hex(salt))).';

--
-- Name: COLUMN devstate_hmac_keys.retired_at; Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON COLUMN beamline_internal.devstate_hmac_keys.retired_at IS 'Set by beamline_admin.retire_hmac_key: no new entries under this id; its entries still verify and import.';

--
-- Name: notifier; Type: TABLE; Schema: beamline_internal; Owner: beamline_owner
--

CREATE TABLE beamline_internal.notifier (
    id smallint DEFAULT 1 NOT NULL,
    CONSTRAINT notifier_singleton CHECK ((id = 1))
);

ALTER TABLE beamline_internal.notifier OWNER TO beamline_owner;

--
-- Name: TABLE notifier; Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON TABLE beamline_internal.notifier IS 'Singleton row locked by the one transaction allowed to NOTIFY beamline_changes at a time (owner only).';

--
-- Name: server_incarnation; Type: TABLE; Schema: beamline_internal; Owner: beamline_owner
--

CREATE TABLE beamline_internal.server_incarnation (
    id smallint DEFAULT 1 NOT NULL,
    incarnation uuid DEFAULT gen_random_uuid() NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT server_incarnation_singleton CHECK ((id = 1))
);

ALTER TABLE beamline_internal.server_incarnation OWNER TO beamline_owner;

--
-- Name: TABLE server_incarnation; Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON TABLE beamline_internal.server_incarnation IS 'Singleton: a random id made when this database was created by the migrations (part of beamline.server_identity()).';

--
-- Name: settings; Type: TABLE; Schema: beamline_internal; Owner: beamline_owner
--

CREATE TABLE beamline_internal.settings (
    id smallint DEFAULT 1 NOT NULL,
    max_document_bytes integer DEFAULT 1048576 NOT NULL,
    max_document_depth integer DEFAULT 32 NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_by text DEFAULT CURRENT_USER NOT NULL,
    CONSTRAINT settings_max_document_bytes_check CHECK (((max_document_bytes >= 2) AND (max_document_bytes <= 268435455))),
    CONSTRAINT settings_max_document_depth_check CHECK (((max_document_depth >= 1) AND (max_document_depth <= 256))),
    CONSTRAINT settings_singleton CHECK ((id = 1))
);

ALTER TABLE beamline_internal.settings OWNER TO beamline_owner;

--
-- Name: TABLE settings; Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON TABLE beamline_internal.settings IS 'Owner-only limits (singleton row), changed with beamline_admin.set_setting; session settings cannot override them.';

--
-- Name: COLUMN settings.max_document_bytes; Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON COLUMN beamline_internal.settings.max_document_bytes IS 'Largest JSON text of a document (policy, state, history metadata, validate input), bytes; BL009 above.';

--
-- Name: COLUMN settings.max_document_depth; Type: COMMENT; Schema: beamline_internal; Owner: beamline_owner
--

COMMENT ON COLUMN beamline_internal.settings.max_document_depth IS 'Deepest nesting of containers in a document ({} is 1, {"a": []} is 2); BL009 above.';

--
-- Name: chain_head; Type: TABLE; Schema: devstate; Owner: beamline_owner
--

CREATE TABLE devstate.chain_head (
    id smallint DEFAULT 1 NOT NULL,
    head_id bigint NOT NULL,
    head_hmac text NOT NULL,
    entries bigint NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT chain_head_entries_nonnegative CHECK ((entries >= 0)),
    CONSTRAINT chain_head_hmac_format CHECK ((head_hmac ~ '^[0-9a-f]{64}$'::text)),
    CONSTRAINT chain_head_singleton CHECK ((id = 1))
);

ALTER TABLE devstate.chain_head OWNER TO beamline_owner;

--
-- Name: TABLE chain_head; Type: COMMENT; Schema: devstate; Owner: beamline_owner
--

COMMENT ON TABLE devstate.chain_head IS 'The head of the history chain (row id 1). Every insert into history_entries locks and advances it, so appends are serialised and the tail cannot be cut silently.';

--
-- Name: COLUMN chain_head.head_id; Type: COMMENT; Schema: devstate; Owner: beamline_owner
--

COMMENT ON COLUMN devstate.chain_head.head_id IS 'id of the last entry (0 while the history is empty); new ids must be larger.';

--
-- Name: COLUMN chain_head.head_hmac; Type: COMMENT; Schema: devstate; Owner: beamline_owner
--

COMMENT ON COLUMN devstate.chain_head.head_hmac IS 'hmac of the last entry, or the genesis value (64 zeros) while empty.';

--
-- Name: COLUMN chain_head.entries; Type: COMMENT; Schema: devstate; Owner: beamline_owner
--

COMMENT ON COLUMN devstate.chain_head.entries IS 'Number of entries in the chain.';

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
    metadata_canonical text GENERATED ALWAYS AS (beamline_internal.devstate_canonical_json(metadata)) STORED,
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
-- Name: COLUMN history_entries.hmac_prev; Type: COMMENT; Schema: devstate; Owner: beamline_owner
--

COMMENT ON COLUMN devstate.history_entries.hmac_prev IS 'hmac of the previous entry (by id), or the genesis value 64 zeros for the first entry.';

--
-- Name: COLUMN history_entries.hmac; Type: COMMENT; Schema: devstate; Owner: beamline_owner
--

COMMENT ON COLUMN devstate.history_entries.hmac IS 'HMAC-SHA256 (hex) of the canonical message of this entry, keyed by the secret named in key_id.';

--
-- Name: COLUMN history_entries.key_id; Type: COMMENT; Schema: devstate; Owner: beamline_owner
--

COMMENT ON COLUMN devstate.history_entries.key_id IS 'Identifier of the HMAC key that signed this entry (for rotation).';

--
-- Name: COLUMN history_entries.metadata_canonical; Type: COMMENT; Schema: devstate; Owner: beamline_owner
--

COMMENT ON COLUMN devstate.history_entries.metadata_canonical IS 'Canonical JSON of metadata (generated, recomputed on every write): the exact bytes the HMAC covers.';

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
-- Name: import_sessions; Type: TABLE; Schema: devstate; Owner: beamline_owner
--

CREATE TABLE devstate.import_sessions (
    xid xid8 NOT NULL,
    started_at timestamp with time zone DEFAULT now() NOT NULL
);

ALTER TABLE devstate.import_sessions OWNER TO beamline_owner;

--
-- Name: TABLE import_sessions; Type: COMMENT; Schema: devstate; Owner: beamline_owner
--

COMMENT ON TABLE devstate.import_sessions IS 'Transactions with a DevState import open (written by devstate.import_begin, checked by devstate.import_entries); not settable by callers.';

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
-- Name: change_log id; Type: DEFAULT; Schema: beamline; Owner: beamline_owner
--

ALTER TABLE ONLY beamline.change_log ALTER COLUMN id SET DEFAULT nextval('beamline.change_log_id_seq'::regclass);

--
-- Name: history_entries id; Type: DEFAULT; Schema: devstate; Owner: beamline_owner
--

ALTER TABLE ONLY devstate.history_entries ALTER COLUMN id SET DEFAULT nextval('devstate.history_entries_id_seq'::regclass);

--
-- Name: change_log change_log_pkey; Type: CONSTRAINT; Schema: beamline; Owner: beamline_owner
--

ALTER TABLE ONLY beamline.change_log
    ADD CONSTRAINT change_log_pkey PRIMARY KEY (id);

--
-- Name: change_log_state change_log_state_pkey; Type: CONSTRAINT; Schema: beamline; Owner: beamline_owner
--

ALTER TABLE ONLY beamline.change_log_state
    ADD CONSTRAINT change_log_state_pkey PRIMARY KEY (id);

--
-- Name: json_schema_fast_checks json_schema_fast_checks_pkey; Type: CONSTRAINT; Schema: beamline; Owner: beamline_owner
--

ALTER TABLE ONLY beamline.json_schema_fast_checks
    ADD CONSTRAINT json_schema_fast_checks_pkey PRIMARY KEY (checksum, ord);

--
-- Name: json_schema_fast json_schema_fast_pkey; Type: CONSTRAINT; Schema: beamline; Owner: beamline_owner
--

ALTER TABLE ONLY beamline.json_schema_fast
    ADD CONSTRAINT json_schema_fast_pkey PRIMARY KEY (checksum);

--
-- Name: json_schemas json_schemas_name_tenant_version_key; Type: CONSTRAINT; Schema: beamline; Owner: beamline_owner
--

ALTER TABLE ONLY beamline.json_schemas
    ADD CONSTRAINT json_schemas_name_tenant_version_key UNIQUE NULLS NOT DISTINCT (name, tenant_id, version);

--
-- Name: json_schemas json_schemas_pkey; Type: CONSTRAINT; Schema: beamline; Owner: beamline_owner
--

ALTER TABLE ONLY beamline.json_schemas
    ADD CONSTRAINT json_schemas_pkey PRIMARY KEY (id);

--
-- Name: permissions permissions_pkey; Type: CONSTRAINT; Schema: beamline; Owner: beamline_owner
--

ALTER TABLE ONLY beamline.permissions
    ADD CONSTRAINT permissions_pkey PRIMARY KEY (permission);

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
    ADD CONSTRAINT policy_audit_log_pkey PRIMARY KEY (id, "timestamp");

--
-- Name: role_permissions role_permissions_pkey; Type: CONSTRAINT; Schema: beamline; Owner: beamline_owner
--

ALTER TABLE ONLY beamline.role_permissions
    ADD CONSTRAINT role_permissions_pkey PRIMARY KEY (role, permission);

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
-- Name: audit_chain_anchors audit_chain_anchors_pkey; Type: CONSTRAINT; Schema: beamline_internal; Owner: beamline_owner
--

ALTER TABLE ONLY beamline_internal.audit_chain_anchors
    ADD CONSTRAINT audit_chain_anchors_pkey PRIMARY KEY (tenant_id, lane);

--
-- Name: audit_chain_heads audit_chain_heads_pkey; Type: CONSTRAINT; Schema: beamline_internal; Owner: beamline_owner
--

ALTER TABLE ONLY beamline_internal.audit_chain_heads
    ADD CONSTRAINT audit_chain_heads_pkey PRIMARY KEY (tenant_id, lane);

--
-- Name: audit_contexts audit_contexts_pkey; Type: CONSTRAINT; Schema: beamline_internal; Owner: beamline_owner
--

ALTER TABLE ONLY beamline_internal.audit_contexts
    ADD CONSTRAINT audit_contexts_pkey PRIMARY KEY (xid);

--
-- Name: devstate_hmac_keys devstate_hmac_keys_pkey; Type: CONSTRAINT; Schema: beamline_internal; Owner: beamline_owner
--

ALTER TABLE ONLY beamline_internal.devstate_hmac_keys
    ADD CONSTRAINT devstate_hmac_keys_pkey PRIMARY KEY (key_id);

--
-- Name: maintenance_settings maintenance_settings_pkey; Type: CONSTRAINT; Schema: beamline_internal; Owner: beamline_owner
--

ALTER TABLE ONLY beamline_internal.maintenance_settings
    ADD CONSTRAINT maintenance_settings_pkey PRIMARY KEY (id);

--
-- Name: notifier notifier_pkey; Type: CONSTRAINT; Schema: beamline_internal; Owner: beamline_owner
--

ALTER TABLE ONLY beamline_internal.notifier
    ADD CONSTRAINT notifier_pkey PRIMARY KEY (id);

--
-- Name: server_incarnation server_incarnation_pkey; Type: CONSTRAINT; Schema: beamline_internal; Owner: beamline_owner
--

ALTER TABLE ONLY beamline_internal.server_incarnation
    ADD CONSTRAINT server_incarnation_pkey PRIMARY KEY (id);

--
-- Name: settings settings_pkey; Type: CONSTRAINT; Schema: beamline_internal; Owner: beamline_owner
--

ALTER TABLE ONLY beamline_internal.settings
    ADD CONSTRAINT settings_pkey PRIMARY KEY (id);

--
-- Name: chain_head chain_head_pkey; Type: CONSTRAINT; Schema: devstate; Owner: beamline_owner
--

ALTER TABLE ONLY devstate.chain_head
    ADD CONSTRAINT chain_head_pkey PRIMARY KEY (id);

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
-- Name: import_sessions import_sessions_pkey; Type: CONSTRAINT; Schema: devstate; Owner: beamline_owner
--

ALTER TABLE ONLY devstate.import_sessions
    ADD CONSTRAINT import_sessions_pkey PRIMARY KEY (xid);

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
-- Name: change_log_changed_at_idx; Type: INDEX; Schema: beamline; Owner: beamline_owner
--

CREATE INDEX change_log_changed_at_idx ON beamline.change_log USING btree (changed_at);

--
-- Name: change_log_xid_idx; Type: INDEX; Schema: beamline; Owner: beamline_owner
--

CREATE INDEX change_log_xid_idx ON beamline.change_log USING btree (xid, id);

--
-- Name: json_schemas_lookup_idx; Type: INDEX; Schema: beamline; Owner: beamline_owner
--

CREATE INDEX json_schemas_lookup_idx ON beamline.json_schemas USING btree (name, tenant_id, version DESC);

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
-- Name: policy_audit_log_tenant_lane_seq_idx; Type: INDEX; Schema: beamline; Owner: beamline_owner
--

CREATE INDEX policy_audit_log_tenant_lane_seq_idx ON ONLY beamline.policy_audit_log USING btree (tenant_id, lane, seq);

--
-- Name: policy_audit_log_tenant_policy_time_idx; Type: INDEX; Schema: beamline; Owner: beamline_owner
--

CREATE INDEX policy_audit_log_tenant_policy_time_idx ON ONLY beamline.policy_audit_log USING btree (tenant_id, policy_id, "timestamp", id) WHERE (policy_id IS NOT NULL);

--
-- Name: policy_audit_log_tenant_time_idx; Type: INDEX; Schema: beamline; Owner: beamline_owner
--

CREATE INDEX policy_audit_log_tenant_time_idx ON ONLY beamline.policy_audit_log USING btree (tenant_id, "timestamp", id);

--
-- Name: history_entries_action_idx; Type: INDEX; Schema: devstate; Owner: beamline_owner
--

CREATE INDEX history_entries_action_idx ON devstate.history_entries USING btree (action);

--
-- Name: history_entries_actor_idx; Type: INDEX; Schema: devstate; Owner: beamline_owner
--

CREATE INDEX history_entries_actor_idx ON devstate.history_entries USING btree (actor);

--
-- Name: history_entries_cp_from_idx; Type: INDEX; Schema: devstate; Owner: beamline_owner
--

CREATE INDEX history_entries_cp_from_idx ON devstate.history_entries USING btree (cp_from) WHERE (cp_from IS NOT NULL);

--
-- Name: history_entries_cp_to_idx; Type: INDEX; Schema: devstate; Owner: beamline_owner
--

CREATE INDEX history_entries_cp_to_idx ON devstate.history_entries USING btree (cp_to) WHERE (cp_to IS NOT NULL);

--
-- Name: history_entries_metadata_idx; Type: INDEX; Schema: devstate; Owner: beamline_owner
--

CREATE INDEX history_entries_metadata_idx ON devstate.history_entries USING gin (metadata jsonb_path_ops);

--
-- Name: history_entries_ts_idx; Type: INDEX; Schema: devstate; Owner: beamline_owner
--

CREATE INDEX history_entries_ts_idx ON devstate.history_entries USING btree (ts);

--
-- Name: policy_audit_log append_only; Type: TRIGGER; Schema: beamline; Owner: beamline_owner
--

CREATE TRIGGER append_only BEFORE DELETE OR UPDATE ON beamline.policy_audit_log FOR EACH STATEMENT EXECUTE FUNCTION beamline_internal.audit_log_guard();

--
-- Name: TRIGGER append_only ON policy_audit_log; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON TRIGGER append_only ON beamline.policy_audit_log IS 'Rejects UPDATE and DELETE (BL011) except the DELETE of beamline.cleanup_old_logs.';

--
-- Name: policy_audit_log append_only_truncate; Type: TRIGGER; Schema: beamline; Owner: beamline_owner
--

CREATE TRIGGER append_only_truncate BEFORE TRUNCATE ON beamline.policy_audit_log FOR EACH STATEMENT EXECUTE FUNCTION beamline_internal.audit_log_guard();

--
-- Name: TRIGGER append_only_truncate ON policy_audit_log; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON TRIGGER append_only_truncate ON beamline.policy_audit_log IS 'Rejects TRUNCATE (BL011), for everyone.';

--
-- Name: json_schemas audit; Type: TRIGGER; Schema: beamline; Owner: beamline_owner
--

CREATE TRIGGER audit AFTER INSERT ON beamline.json_schemas FOR EACH ROW EXECUTE FUNCTION beamline_internal.audit_json_schemas_trigger();

--
-- Name: TRIGGER audit ON json_schemas; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON TRIGGER audit ON beamline.json_schemas IS 'Writes a REGISTER audit row for every schema version registered.';

--
-- Name: policies audit; Type: TRIGGER; Schema: beamline; Owner: beamline_owner
--

CREATE TRIGGER audit AFTER INSERT OR DELETE OR UPDATE ON beamline.policies FOR EACH ROW EXECUTE FUNCTION beamline_internal.audit_policies_trigger();

--
-- Name: TRIGGER audit ON policies; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON TRIGGER audit ON beamline.policies IS 'Writes the audit log for every policy row change (actor from beamline.actor).';

--
-- Name: tenant_quotas audit; Type: TRIGGER; Schema: beamline; Owner: beamline_owner
--

CREATE TRIGGER audit AFTER INSERT OR DELETE OR UPDATE ON beamline.tenant_quotas FOR EACH ROW EXECUTE FUNCTION beamline_internal.audit_tenant_quotas_trigger();

--
-- Name: TRIGGER audit ON tenant_quotas; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON TRIGGER audit ON beamline.tenant_quotas IS 'Writes the audit log for every quota change (actor from beamline.actor).';

--
-- Name: user_roles audit; Type: TRIGGER; Schema: beamline; Owner: beamline_owner
--

CREATE TRIGGER audit AFTER INSERT OR DELETE OR UPDATE ON beamline.user_roles FOR EACH ROW EXECUTE FUNCTION beamline_internal.audit_user_roles_trigger();

--
-- Name: TRIGGER audit ON user_roles; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON TRIGGER audit ON beamline.user_roles IS 'Writes the audit log for every grant change (actor from beamline.actor).';

--
-- Name: policy_audit_log chain; Type: TRIGGER; Schema: beamline; Owner: beamline_owner
--

CREATE TRIGGER chain BEFORE INSERT ON beamline.policy_audit_log FOR EACH ROW EXECUTE FUNCTION beamline_internal.audit_chain_link();

--
-- Name: TRIGGER chain ON policy_audit_log; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON TRIGGER chain ON beamline.policy_audit_log IS 'Chains every inserted audit row after the last row of a free lane of its tenant''s chain (lane, seq, prev_hash, row_hash) and advances that head.';

--
-- Name: change_log change_log__notify; Type: TRIGGER; Schema: beamline; Owner: beamline_owner
--

CREATE CONSTRAINT TRIGGER change_log__notify AFTER INSERT OR UPDATE ON beamline.change_log DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION beamline_internal.notify_change();

--
-- Name: TRIGGER change_log__notify ON change_log; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON TRIGGER change_log__notify ON beamline.change_log IS 'At commit: coalesced NOTIFY on channel beamline_changes (keys and a change id only).';

--
-- Name: policies policies__change_log; Type: TRIGGER; Schema: beamline; Owner: beamline_owner
--

CREATE TRIGGER policies__change_log AFTER INSERT OR UPDATE ON beamline.policies FOR EACH ROW EXECUTE FUNCTION beamline_internal.change_log_policy();

--
-- Name: TRIGGER policies__change_log ON policies; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON TRIGGER policies__change_log ON beamline.policies IS 'Cache invalidation: one beamline.change_log row per changed policy version.';

--
-- Name: policies policies__immutable; Type: TRIGGER; Schema: beamline; Owner: beamline_owner
--

CREATE TRIGGER policies__immutable BEFORE DELETE OR UPDATE OF id, tenant_id, policy_id, version, data, created_at, created_by ON beamline.policies FOR EACH ROW EXECUTE FUNCTION beamline_internal.policy_reject_change();

--
-- Name: TRIGGER policies__immutable ON policies; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON TRIGGER policies__immutable ON beamline.policies IS 'Versions are immutable: only is_active / updated_at / updated_by may change; no DELETE.';

--
-- Name: policies policies__immutable_truncate; Type: TRIGGER; Schema: beamline; Owner: beamline_owner
--

CREATE TRIGGER policies__immutable_truncate BEFORE TRUNCATE ON beamline.policies FOR EACH STATEMENT EXECUTE FUNCTION beamline_internal.policy_reject_change();

--
-- Name: TRIGGER policies__immutable_truncate ON policies; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON TRIGGER policies__immutable_truncate ON beamline.policies IS 'Versions are immutable: TRUNCATE is rejected (BL011).';

--
-- Name: tenant_quotas tenant_quotas__change_log; Type: TRIGGER; Schema: beamline; Owner: beamline_owner
--

CREATE TRIGGER tenant_quotas__change_log AFTER INSERT OR DELETE OR UPDATE ON beamline.tenant_quotas FOR EACH ROW EXECUTE FUNCTION beamline_internal.change_log_quota();

--
-- Name: TRIGGER tenant_quotas__change_log ON tenant_quotas; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON TRIGGER tenant_quotas__change_log ON beamline.tenant_quotas IS 'Cache invalidation: one beamline.change_log row per changed quota.';

--
-- Name: user_roles user_roles__change_log; Type: TRIGGER; Schema: beamline; Owner: beamline_owner
--

CREATE TRIGGER user_roles__change_log AFTER INSERT OR DELETE OR UPDATE ON beamline.user_roles FOR EACH ROW EXECUTE FUNCTION beamline_internal.change_log_role();

--
-- Name: TRIGGER user_roles__change_log ON user_roles; Type: COMMENT; Schema: beamline; Owner: beamline_owner
--

COMMENT ON TRIGGER user_roles__change_log ON beamline.user_roles IS 'Cache invalidation: one beamline.change_log row per changed role grant.';

--
-- Name: history_entries append_only; Type: TRIGGER; Schema: devstate; Owner: beamline_owner
--

CREATE TRIGGER append_only BEFORE DELETE OR UPDATE ON devstate.history_entries FOR EACH STATEMENT EXECUTE FUNCTION beamline_internal.devstate_history_guard();

--
-- Name: TRIGGER append_only ON history_entries; Type: COMMENT; Schema: devstate; Owner: beamline_owner
--

COMMENT ON TRIGGER append_only ON devstate.history_entries IS 'Rejects UPDATE and DELETE (BL011), for everyone.';

--
-- Name: history_entries append_only_truncate; Type: TRIGGER; Schema: devstate; Owner: beamline_owner
--

CREATE TRIGGER append_only_truncate BEFORE TRUNCATE ON devstate.history_entries FOR EACH STATEMENT EXECUTE FUNCTION beamline_internal.devstate_history_guard();

--
-- Name: TRIGGER append_only_truncate ON history_entries; Type: COMMENT; Schema: devstate; Owner: beamline_owner
--

COMMENT ON TRIGGER append_only_truncate ON devstate.history_entries IS 'Rejects TRUNCATE (BL011), for everyone.';

--
-- Name: state_current audit; Type: TRIGGER; Schema: devstate; Owner: beamline_owner
--

CREATE TRIGGER audit AFTER INSERT OR UPDATE ON devstate.state_current FOR EACH ROW EXECUTE FUNCTION beamline_internal.audit_state_trigger();

--
-- Name: TRIGGER audit ON state_current; Type: COMMENT; Schema: devstate; Owner: beamline_owner
--

COMMENT ON TRIGGER audit ON devstate.state_current IS 'Writes an audit row (tenant devstate, target_type state) for every write of the DevState document.';

--
-- Name: history_entries chain_link; Type: TRIGGER; Schema: devstate; Owner: beamline_owner
--

CREATE TRIGGER chain_link AFTER INSERT ON devstate.history_entries REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION beamline_internal.devstate_history_link();

--
-- Name: TRIGGER chain_link ON history_entries; Type: COMMENT; Schema: devstate; Owner: beamline_owner
--

COMMENT ON TRIGGER chain_link ON devstate.history_entries IS 'Rejects (BL008) inserted entries that do not extend the chain from its head in id order; advances devstate.chain_head.';

--
-- Name: history_entries no_fork; Type: TRIGGER; Schema: devstate; Owner: beamline_owner
--

CREATE TRIGGER no_fork BEFORE INSERT ON devstate.history_entries FOR EACH ROW EXECUTE FUNCTION beamline_internal.devstate_history_no_fork();

--
-- Name: TRIGGER no_fork ON history_entries; Type: COMMENT; Schema: devstate; Owner: beamline_owner
--

COMMENT ON TRIGGER no_fork ON devstate.history_entries IS 'Rejects (BL008, reason fork) an entry whose hmac_prev already has a successor.';

--
-- Name: json_schema_fast_checks json_schema_fast_checks_checksum_fkey; Type: FK CONSTRAINT; Schema: beamline; Owner: beamline_owner
--

ALTER TABLE ONLY beamline.json_schema_fast_checks
    ADD CONSTRAINT json_schema_fast_checks_checksum_fkey FOREIGN KEY (checksum) REFERENCES beamline.json_schema_fast(checksum) ON DELETE CASCADE;

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
-- Name: FUNCTION activate_policy(p_tenant text, p_policy_id text, p_version integer, p_actor text); Type: ACL; Schema: beamline; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline.activate_policy(p_tenant text, p_policy_id text, p_version integer, p_actor text) FROM PUBLIC;
GRANT ALL ON FUNCTION beamline.activate_policy(p_tenant text, p_policy_id text, p_version integer, p_actor text) TO beamline_app;

--
-- Name: TABLE user_roles; Type: ACL; Schema: beamline; Owner: beamline_owner
--

GRANT SELECT ON TABLE beamline.user_roles TO beamline_readonly;

--
-- Name: FUNCTION assign_role(p_tenant text, p_user text, p_role text, p_actor text, p_permissions jsonb, p_expires_at timestamp with time zone); Type: ACL; Schema: beamline; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline.assign_role(p_tenant text, p_user text, p_role text, p_actor text, p_permissions jsonb, p_expires_at timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION beamline.assign_role(p_tenant text, p_user text, p_role text, p_actor text, p_permissions jsonb, p_expires_at timestamp with time zone) TO beamline_app;

--
-- Name: FUNCTION audit_chain_head(p_tenant text, p_actor text); Type: ACL; Schema: beamline; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline.audit_chain_head(p_tenant text, p_actor text) FROM PUBLIC;
GRANT ALL ON FUNCTION beamline.audit_chain_head(p_tenant text, p_actor text) TO beamline_app;

--
-- Name: FUNCTION change_horizon(); Type: ACL; Schema: beamline; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline.change_horizon() FROM PUBLIC;
GRANT ALL ON FUNCTION beamline.change_horizon() TO beamline_app;

--
-- Name: FUNCTION changes_since(p_watermark bigint, p_limit integer, OUT watermark bigint, OUT horizon bigint, OUT more boolean, OUT complete boolean, OUT changes jsonb); Type: ACL; Schema: beamline; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline.changes_since(p_watermark bigint, p_limit integer, OUT watermark bigint, OUT horizon bigint, OUT more boolean, OUT complete boolean, OUT changes jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION beamline.changes_since(p_watermark bigint, p_limit integer, OUT watermark bigint, OUT horizon bigint, OUT more boolean, OUT complete boolean, OUT changes jsonb) TO beamline_app;

--
-- Name: FUNCTION check_permission(p_tenant text, p_user text, p_action text, p_actor text); Type: ACL; Schema: beamline; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline.check_permission(p_tenant text, p_user text, p_action text, p_actor text) FROM PUBLIC;
GRANT ALL ON FUNCTION beamline.check_permission(p_tenant text, p_user text, p_action text, p_actor text) TO beamline_app;

--
-- Name: FUNCTION cleanup_old_logs(p_older_than interval, p_actor text, p_tenant text); Type: ACL; Schema: beamline; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline.cleanup_old_logs(p_older_than interval, p_actor text, p_tenant text) FROM PUBLIC;
GRANT ALL ON FUNCTION beamline.cleanup_old_logs(p_older_than interval, p_actor text, p_tenant text) TO beamline_app;

--
-- Name: FUNCTION current_watermark(); Type: ACL; Schema: beamline; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline.current_watermark() FROM PUBLIC;
GRANT ALL ON FUNCTION beamline.current_watermark() TO beamline_app;

--
-- Name: FUNCTION deactivate_policy(p_tenant text, p_policy_id text, p_actor text); Type: ACL; Schema: beamline; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline.deactivate_policy(p_tenant text, p_policy_id text, p_actor text) FROM PUBLIC;
GRANT ALL ON FUNCTION beamline.deactivate_policy(p_tenant text, p_policy_id text, p_actor text) TO beamline_app;

--
-- Name: FUNCTION delete_policy(p_tenant text, p_policy_id text, p_actor text); Type: ACL; Schema: beamline; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline.delete_policy(p_tenant text, p_policy_id text, p_actor text) FROM PUBLIC;
GRANT ALL ON FUNCTION beamline.delete_policy(p_tenant text, p_policy_id text, p_actor text) TO beamline_app;

--
-- Name: FUNCTION get_audit_log(p_tenant text, p_actor text, p_policy_id text, p_filters jsonb, p_limit integer, p_cursor text); Type: ACL; Schema: beamline; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline.get_audit_log(p_tenant text, p_actor text, p_policy_id text, p_filters jsonb, p_limit integer, p_cursor text) FROM PUBLIC;
GRANT ALL ON FUNCTION beamline.get_audit_log(p_tenant text, p_actor text, p_policy_id text, p_filters jsonb, p_limit integer, p_cursor text) TO beamline_app;

--
-- Name: FUNCTION get_policy(p_tenant text, p_policy_id text, p_actor text, p_version integer); Type: ACL; Schema: beamline; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline.get_policy(p_tenant text, p_policy_id text, p_actor text, p_version integer) FROM PUBLIC;
GRANT ALL ON FUNCTION beamline.get_policy(p_tenant text, p_policy_id text, p_actor text, p_version integer) TO beamline_app;

--
-- Name: FUNCTION get_quota(p_tenant text, p_actor text); Type: ACL; Schema: beamline; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline.get_quota(p_tenant text, p_actor text) FROM PUBLIC;
GRANT ALL ON FUNCTION beamline.get_quota(p_tenant text, p_actor text) TO beamline_app;

--
-- Name: FUNCTION get_usage(p_tenant text, p_actor text); Type: ACL; Schema: beamline; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline.get_usage(p_tenant text, p_actor text) FROM PUBLIC;
GRANT ALL ON FUNCTION beamline.get_usage(p_tenant text, p_actor text) TO beamline_app;

--
-- Name: FUNCTION get_user_roles(p_tenant text, p_user text, p_actor text); Type: ACL; Schema: beamline; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline.get_user_roles(p_tenant text, p_user text, p_actor text) FROM PUBLIC;
GRANT ALL ON FUNCTION beamline.get_user_roles(p_tenant text, p_user text, p_actor text) TO beamline_app;

--
-- Name: FUNCTION list_policies(p_tenant text, p_actor text, p_filters jsonb, p_limit integer, p_cursor text); Type: ACL; Schema: beamline; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline.list_policies(p_tenant text, p_actor text, p_filters jsonb, p_limit integer, p_cursor text) FROM PUBLIC;
GRANT ALL ON FUNCTION beamline.list_policies(p_tenant text, p_actor text, p_filters jsonb, p_limit integer, p_cursor text) TO beamline_app;

--
-- Name: FUNCTION log_action(p_tenant text, p_actor text, p_entries jsonb); Type: ACL; Schema: beamline; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline.log_action(p_tenant text, p_actor text, p_entries jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION beamline.log_action(p_tenant text, p_actor text, p_entries jsonb) TO beamline_app;

--
-- Name: FUNCTION log_action(p_tenant text, p_actor text, p_action text, p_target_id text, p_data jsonb, p_policy_id text); Type: ACL; Schema: beamline; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline.log_action(p_tenant text, p_actor text, p_action text, p_target_id text, p_data jsonb, p_policy_id text) FROM PUBLIC;
GRANT ALL ON FUNCTION beamline.log_action(p_tenant text, p_actor text, p_action text, p_target_id text, p_data jsonb, p_policy_id text) TO beamline_app;

--
-- Name: FUNCTION merge_patch(p_target jsonb, p_patch jsonb); Type: ACL; Schema: beamline; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline.merge_patch(p_target jsonb, p_patch jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION beamline.merge_patch(p_target jsonb, p_patch jsonb) TO beamline_app;

--
-- Name: FUNCTION policy_history(p_tenant text, p_policy_id text, p_actor text); Type: ACL; Schema: beamline; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline.policy_history(p_tenant text, p_policy_id text, p_actor text) FROM PUBLIC;
GRANT ALL ON FUNCTION beamline.policy_history(p_tenant text, p_policy_id text, p_actor text) TO beamline_app;

--
-- Name: FUNCTION put_policy(p_tenant text, p_policy_id text, p_data jsonb, p_actor text, p_expected_version integer); Type: ACL; Schema: beamline; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline.put_policy(p_tenant text, p_policy_id text, p_data jsonb, p_actor text, p_expected_version integer) FROM PUBLIC;
GRANT ALL ON FUNCTION beamline.put_policy(p_tenant text, p_policy_id text, p_data jsonb, p_actor text, p_expected_version integer) TO beamline_app;

--
-- Name: FUNCTION register_schema(p_tenant text, p_name text, p_schema jsonb, p_actor text); Type: ACL; Schema: beamline; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline.register_schema(p_tenant text, p_name text, p_schema jsonb, p_actor text) FROM PUBLIC;
GRANT ALL ON FUNCTION beamline.register_schema(p_tenant text, p_name text, p_schema jsonb, p_actor text) TO beamline_app;

--
-- Name: FUNCTION revoke_role(p_tenant text, p_user text, p_actor text); Type: ACL; Schema: beamline; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline.revoke_role(p_tenant text, p_user text, p_actor text) FROM PUBLIC;
GRANT ALL ON FUNCTION beamline.revoke_role(p_tenant text, p_user text, p_actor text) TO beamline_app;

--
-- Name: FUNCTION server_identity(OUT system_identifier text, OUT timeline integer, OUT started_at timestamp with time zone, OUT database_oid bigint, OUT incarnation uuid); Type: ACL; Schema: beamline; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline.server_identity(OUT system_identifier text, OUT timeline integer, OUT started_at timestamp with time zone, OUT database_oid bigint, OUT incarnation uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION beamline.server_identity(OUT system_identifier text, OUT timeline integer, OUT started_at timestamp with time zone, OUT database_oid bigint, OUT incarnation uuid) TO beamline_app;

--
-- Name: FUNCTION set_quota(p_tenant text, p_actor text, p_max_policies integer, p_max_rules integer, p_max_providers integer); Type: ACL; Schema: beamline; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline.set_quota(p_tenant text, p_actor text, p_max_policies integer, p_max_rules integer, p_max_providers integer) FROM PUBLIC;
GRANT ALL ON FUNCTION beamline.set_quota(p_tenant text, p_actor text, p_max_policies integer, p_max_rules integer, p_max_providers integer) TO beamline_app;

--
-- Name: FUNCTION validate(p_schema jsonb, p_doc jsonb); Type: ACL; Schema: beamline; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline.validate(p_schema jsonb, p_doc jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION beamline.validate(p_schema jsonb, p_doc jsonb) TO beamline_app;

--
-- Name: FUNCTION verify_audit_chain(p_tenant text, p_actor text, p_expected_head jsonb); Type: ACL; Schema: beamline; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline.verify_audit_chain(p_tenant text, p_actor text, p_expected_head jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION beamline.verify_audit_chain(p_tenant text, p_actor text, p_expected_head jsonb) TO beamline_app;

--
-- Name: FUNCTION bootstrap_admin(p_tenant text, p_user text); Type: ACL; Schema: beamline_admin; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_admin.bootstrap_admin(p_tenant text, p_user text) FROM PUBLIC;

--
-- Name: FUNCTION maintain(p_actor text); Type: ACL; Schema: beamline_admin; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_admin.maintain(p_actor text) FROM PUBLIC;

--
-- Name: FUNCTION rebuild_schema_cache(); Type: ACL; Schema: beamline_admin; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_admin.rebuild_schema_cache() FROM PUBLIC;

--
-- Name: FUNCTION register_default_schema(p_name text, p_schema jsonb); Type: ACL; Schema: beamline_admin; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_admin.register_default_schema(p_name text, p_schema jsonb) FROM PUBLIC;

--
-- Name: FUNCTION register_hmac_key(); Type: ACL; Schema: beamline_admin; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_admin.register_hmac_key() FROM PUBLIC;

--
-- Name: FUNCTION retire_hmac_key(p_key_id text); Type: ACL; Schema: beamline_admin; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_admin.retire_hmac_key(p_key_id text) FROM PUBLIC;

--
-- Name: FUNCTION set_maintenance(p_change_log_keep interval, p_audit_retention interval, p_actor text, p_clear_retention boolean); Type: ACL; Schema: beamline_admin; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_admin.set_maintenance(p_change_log_keep interval, p_audit_retention interval, p_actor text, p_clear_retention boolean) FROM PUBLIC;

--
-- Name: FUNCTION set_setting(p_name text, p_value text); Type: ACL; Schema: beamline_admin; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_admin.set_setting(p_name text, p_value text) FROM PUBLIC;

--
-- Name: FUNCTION verify_audit_chains(); Type: ACL; Schema: beamline_admin; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_admin.verify_audit_chains() FROM PUBLIC;

--
-- Name: FUNCTION assert_valid(p_schema jsonb, p_doc jsonb); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.assert_valid(p_schema jsonb, p_doc jsonb) FROM PUBLIC;

--
-- Name: FUNCTION audit_actor(); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.audit_actor() FROM PUBLIC;

--
-- Name: FUNCTION audit_chain_link(); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.audit_chain_link() FROM PUBLIC;

--
-- Name: FUNCTION audit_chain_prev(p_tenant text, OUT lane smallint, OUT seq bigint, OUT row_hash text); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.audit_chain_prev(p_tenant text, OUT lane smallint, OUT seq bigint, OUT row_hash text) FROM PUBLIC;

--
-- Name: FUNCTION audit_chain_verify(p_tenant text, p_expected_head jsonb); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.audit_chain_verify(p_tenant text, p_expected_head jsonb) FROM PUBLIC;

--
-- Name: FUNCTION audit_check_entry(p_where text, p_entry jsonb); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.audit_check_entry(p_where text, p_entry jsonb) FROM PUBLIC;

--
-- Name: FUNCTION audit_json_schemas_trigger(); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.audit_json_schemas_trigger() FROM PUBLIC;

--
-- Name: FUNCTION audit_log_guard(); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.audit_log_guard() FROM PUBLIC;

--
-- Name: FUNCTION audit_metadata(); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.audit_metadata() FROM PUBLIC;

--
-- Name: FUNCTION audit_partition_guard(p_partition regclass); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.audit_partition_guard(p_partition regclass) FROM PUBLIC;

--
-- Name: FUNCTION audit_partitions(); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.audit_partitions() FROM PUBLIC;

--
-- Name: FUNCTION audit_partitions_ensure(p_months_ahead integer); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.audit_partitions_ensure(p_months_ahead integer) FROM PUBLIC;

--
-- Name: FUNCTION audit_policies_trigger(); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.audit_policies_trigger() FROM PUBLIC;

--
-- Name: FUNCTION audit_row_hash(p_tenant text, p_seq bigint, p_prev_hash text, p_id uuid, p_target_type text, p_policy_id text, p_target_id text, p_action text, p_actor text, p_old text, p_new text, p_metadata text, p_ts timestamp with time zone); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.audit_row_hash(p_tenant text, p_seq bigint, p_prev_hash text, p_id uuid, p_target_type text, p_policy_id text, p_target_id text, p_action text, p_actor text, p_old text, p_new text, p_metadata text, p_ts timestamp with time zone) FROM PUBLIC;

--
-- Name: FUNCTION audit_set_context(p_context jsonb); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.audit_set_context(p_context jsonb) FROM PUBLIC;

--
-- Name: FUNCTION audit_set_intent(p_tenant text, p_policy_id text, p_action text); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.audit_set_intent(p_tenant text, p_policy_id text, p_action text) FROM PUBLIC;

--
-- Name: FUNCTION audit_state_trigger(); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.audit_state_trigger() FROM PUBLIC;

--
-- Name: FUNCTION audit_tenant_quotas_trigger(); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.audit_tenant_quotas_trigger() FROM PUBLIC;

--
-- Name: FUNCTION audit_user_roles_trigger(); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.audit_user_roles_trigger() FROM PUBLIC;

--
-- Name: FUNCTION audit_write(p_tenant text, p_target_type text, p_policy_id text, p_target_id text, p_action text, p_old jsonb, p_new jsonb); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.audit_write(p_tenant text, p_target_type text, p_policy_id text, p_target_id text, p_action text, p_old jsonb, p_new jsonb) FROM PUBLIC;

--
-- Name: FUNCTION change_log_policy(); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.change_log_policy() FROM PUBLIC;

--
-- Name: FUNCTION change_log_prune(p_keep interval); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.change_log_prune(p_keep interval) FROM PUBLIC;

--
-- Name: FUNCTION change_log_quota(); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.change_log_quota() FROM PUBLIC;

--
-- Name: FUNCTION change_log_role(); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.change_log_role() FROM PUBLIC;

--
-- Name: FUNCTION check_document_limits(p_doc jsonb); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.check_document_limits(p_doc jsonb) FROM PUBLIC;

--
-- Name: FUNCTION check_grant_list(p_permissions jsonb); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.check_grant_list(p_permissions jsonb) FROM PUBLIC;

--
-- Name: FUNCTION check_identifier(p_kind text, p_value text, p_max_length integer); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.check_identifier(p_kind text, p_value text, p_max_length integer) FROM PUBLIC;

--
-- Name: FUNCTION devstate_append(p_entry jsonb, p_actor text); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.devstate_append(p_entry jsonb, p_actor text) FROM PUBLIC;

--
-- Name: FUNCTION devstate_bad_input(p_argument text, p_reason text, p_hint text); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.devstate_bad_input(p_argument text, p_reason text, p_hint text) FROM PUBLIC;

--
-- Name: FUNCTION devstate_canonical_json(p_doc jsonb); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.devstate_canonical_json(p_doc jsonb) FROM PUBLIC;

--
-- Name: FUNCTION devstate_check_entry(p_entry jsonb); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.devstate_check_entry(p_entry jsonb) FROM PUBLIC;

--
-- Name: FUNCTION devstate_check_keys(p_keys jsonb, p_key_ids text[], p_signing boolean); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.devstate_check_keys(p_keys jsonb, p_key_ids text[], p_signing boolean) FROM PUBLIC;

--
-- Name: FUNCTION devstate_entry_message(p_id bigint, p_ts timestamp with time zone, p_actor text, p_action text, p_cp_from text, p_cp_to text, p_state_checksum text, p_key_id text, p_hmac_prev text, p_metadata_canonical text); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.devstate_entry_message(p_id bigint, p_ts timestamp with time zone, p_actor text, p_action text, p_cp_from text, p_cp_to text, p_state_checksum text, p_key_id text, p_hmac_prev text, p_metadata_canonical text) FROM PUBLIC;

--
-- Name: FUNCTION devstate_history_guard(); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.devstate_history_guard() FROM PUBLIC;

--
-- Name: FUNCTION devstate_history_link(); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.devstate_history_link() FROM PUBLIC;

--
-- Name: FUNCTION devstate_history_no_fork(); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.devstate_history_no_fork() FROM PUBLIC;

--
-- Name: FUNCTION devstate_import_rows(p_entries jsonb); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.devstate_import_rows(p_entries jsonb) FROM PUBLIC;

--
-- Name: FUNCTION devstate_initial_state(); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.devstate_initial_state() FROM PUBLIC;

--
-- Name: FUNCTION devstate_key_fingerprint(p_key bytea, p_key_id text, p_salt bytea); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.devstate_key_fingerprint(p_key bytea, p_key_id text, p_salt bytea) FROM PUBLIC;

--
-- Name: FUNCTION devstate_keys(); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.devstate_keys() FROM PUBLIC;

--
-- Name: FUNCTION devstate_state_checksum(p_doc jsonb); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.devstate_state_checksum(p_doc jsonb) FROM PUBLIC;

--
-- Name: FUNCTION devstate_verify_hmacs(p_from bigint, p_to bigint, p_keys jsonb); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.devstate_verify_hmacs(p_from bigint, p_to bigint, p_keys jsonb) FROM PUBLIC;

--
-- Name: FUNCTION has_permission(p_tenant text, p_user text, p_permission text); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.has_permission(p_tenant text, p_user text, p_permission text) FROM PUBLIC;

--
-- Name: FUNCTION jsonschema_ann_merge(p_a jsonb, p_b jsonb); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.jsonschema_ann_merge(p_a jsonb, p_b jsonb) FROM PUBLIC;

--
-- Name: FUNCTION jsonschema_budget(p_kind text); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.jsonschema_budget(p_kind text) FROM PUBLIC;

--
-- Name: FUNCTION jsonschema_check_node(p_root jsonb, p_schema jsonb, p_path text, INOUT p_refs text[], OUT p_problems jsonb); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.jsonschema_check_node(p_root jsonb, p_schema jsonb, p_path text, INOUT p_refs text[], OUT p_problems jsonb) FROM PUBLIC;

--
-- Name: FUNCTION jsonschema_check_pattern(p_pattern text, p_max_length integer); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.jsonschema_check_pattern(p_pattern text, p_max_length integer) FROM PUBLIC;

--
-- Name: FUNCTION jsonschema_check_schema(p_schema jsonb); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.jsonschema_check_schema(p_schema jsonb) FROM PUBLIC;

--
-- Name: FUNCTION jsonschema_compile(p_root jsonb, p_ctx jsonb); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.jsonschema_compile(p_root jsonb, p_ctx jsonb) FROM PUBLIC;

--
-- Name: FUNCTION jsonschema_compile_node(p_root jsonb, p_schema jsonb, p_path text, p_refs text[], p_fmt boolean, INOUT p_checks jsonb, INOUT p_budget integer, OUT p_pred text); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.jsonschema_compile_node(p_root jsonb, p_schema jsonb, p_path text, p_refs text[], p_fmt boolean, INOUT p_checks jsonb, INOUT p_budget integer, OUT p_pred text) FROM PUBLIC;

--
-- Name: FUNCTION jsonschema_cost(p_root jsonb, p_ctx jsonb); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.jsonschema_cost(p_root jsonb, p_ctx jsonb) FROM PUBLIC;

--
-- Name: FUNCTION jsonschema_eval(p_root jsonb, p_ctx jsonb, p_schema jsonb, p_doc jsonb, p_path text, p_all boolean, p_scope text[], p_hops integer, INOUT p_memo jsonb, INOUT p_left integer, OUT p_errs jsonb, OUT p_ann jsonb); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.jsonschema_eval(p_root jsonb, p_ctx jsonb, p_schema jsonb, p_doc jsonb, p_path text, p_all boolean, p_scope text[], p_hops integer, INOUT p_memo jsonb, INOUT p_left integer, OUT p_errs jsonb, OUT p_ann jsonb) FROM PUBLIC;

--
-- Name: FUNCTION jsonschema_fast_check(p_checksum text, p_predicate jsonpath, p_doc jsonb); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.jsonschema_fast_check(p_checksum text, p_predicate jsonpath, p_doc jsonb) FROM PUBLIC;

--
-- Name: FUNCTION jsonschema_fast_registered(p_checksum text, p_root jsonb, p_doc jsonb); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.jsonschema_fast_registered(p_checksum text, p_root jsonb, p_doc jsonb) FROM PUBLIC;

--
-- Name: FUNCTION jsonschema_fast_store(p_checksum text, p_prep jsonb); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.jsonschema_fast_store(p_checksum text, p_prep jsonb) FROM PUBLIC;

--
-- Name: FUNCTION jsonschema_format(p_format text, p_value text); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.jsonschema_format(p_format text, p_value text) FROM PUBLIC;

--
-- Name: FUNCTION jsonschema_index(p_schema jsonb, p_ptr text, p_base text, p_res text); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.jsonschema_index(p_schema jsonb, p_ptr text, p_base text, p_res text) FROM PUBLIC;

--
-- Name: FUNCTION jsonschema_inplace_refs(p_schema jsonb); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.jsonschema_inplace_refs(p_schema jsonb) FROM PUBLIC;

--
-- Name: FUNCTION jsonschema_merge(p_target jsonb, p_patch jsonb); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.jsonschema_merge(p_target jsonb, p_patch jsonb) FROM PUBLIC;

--
-- Name: FUNCTION jsonschema_pct_decode(p_text text); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.jsonschema_pct_decode(p_text text) FROM PUBLIC;

--
-- Name: FUNCTION jsonschema_pointer(p_ref text); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.jsonschema_pointer(p_ref text) FROM PUBLIC;

--
-- Name: FUNCTION jsonschema_prepare(p_schema jsonb); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.jsonschema_prepare(p_schema jsonb) FROM PUBLIC;

--
-- Name: FUNCTION jsonschema_ref(p_root jsonb, p_ctx jsonb, p_target text, p_shared boolean, p_doc jsonb, p_path text, p_all boolean, p_scope text[], p_hops integer, INOUT p_memo jsonb, INOUT p_left integer, OUT p_errs jsonb, OUT p_ann jsonb); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.jsonschema_ref(p_root jsonb, p_ctx jsonb, p_target text, p_shared boolean, p_doc jsonb, p_path text, p_all boolean, p_scope text[], p_hops integer, INOUT p_memo jsonb, INOUT p_left integer, OUT p_errs jsonb, OUT p_ann jsonb) FROM PUBLIC;

--
-- Name: FUNCTION jsonschema_regex(p_pattern text); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.jsonschema_regex(p_pattern text) FROM PUBLIC;

--
-- Name: FUNCTION jsonschema_register(p_name text, p_tenant text, p_schema jsonb, p_actor text); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.jsonschema_register(p_name text, p_tenant text, p_schema jsonb, p_actor text) FROM PUBLIC;

--
-- Name: FUNCTION jsonschema_rewrite(p_schema jsonb, p_ptr text, p_patch jsonb, p_strip text[]); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.jsonschema_rewrite(p_schema jsonb, p_ptr text, p_patch jsonb, p_strip text[]) FROM PUBLIC;

--
-- Name: FUNCTION jsonschema_run(p_root jsonb, p_ctx jsonb, p_doc jsonb); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.jsonschema_run(p_root jsonb, p_ctx jsonb, p_doc jsonb) FROM PUBLIC;

--
-- Name: FUNCTION jsonschema_uri_resolve(p_base text, p_ref text); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.jsonschema_uri_resolve(p_base text, p_ref text) FROM PUBLIC;

--
-- Name: FUNCTION notify_change(); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.notify_change() FROM PUBLIC;

--
-- Name: FUNCTION policy_bad_input(p_argument text, p_reason text, p_hint text); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.policy_bad_input(p_argument text, p_reason text, p_hint text) FROM PUBLIC;

--
-- Name: FUNCTION policy_cursor_decode(p_cursor text, OUT policy_id text, OUT version integer); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.policy_cursor_decode(p_cursor text, OUT policy_id text, OUT version integer) FROM PUBLIC;

--
-- Name: FUNCTION policy_cursor_encode(p_policy_id text, p_version integer); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.policy_cursor_encode(p_policy_id text, p_version integer) FROM PUBLIC;

--
-- Name: FUNCTION policy_deactivate(p_tenant text, p_policy_id text, p_actor text, p_action text); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.policy_deactivate(p_tenant text, p_policy_id text, p_actor text, p_action text) FROM PUBLIC;

--
-- Name: FUNCTION policy_is_sound(p_data jsonb); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.policy_is_sound(p_data jsonb) FROM PUBLIC;

--
-- Name: FUNCTION policy_list_sql(p_active boolean, p_contains boolean, p_since boolean, p_cursor boolean); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.policy_list_sql(p_active boolean, p_contains boolean, p_since boolean, p_cursor boolean) FROM PUBLIC;

--
-- Name: FUNCTION policy_lock(p_tenant text, p_policy_id text); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.policy_lock(p_tenant text, p_policy_id text) FROM PUBLIC;

--
-- Name: FUNCTION policy_not_found(p_tenant text, p_policy_id text, p_version integer, p_what text); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.policy_not_found(p_tenant text, p_policy_id text, p_version integer, p_what text) FROM PUBLIC;

--
-- Name: FUNCTION policy_reject_change(); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.policy_reject_change() FROM PUBLIC;

--
-- Name: FUNCTION policy_semantic_errors(p_data jsonb); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.policy_semantic_errors(p_data jsonb) FROM PUBLIC;

--
-- Name: FUNCTION quota_check_active(p_tenant text); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.quota_check_active(p_tenant text) FROM PUBLIC;

--
-- Name: FUNCTION quota_exceeded(p_tenant text, p_quota text, p_limit integer, p_requested integer); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.quota_exceeded(p_tenant text, p_quota text, p_limit integer, p_requested integer) FROM PUBLIC;

--
-- Name: FUNCTION quota_lock(p_tenant text); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.quota_lock(p_tenant text) FROM PUBLIC;

--
-- Name: TABLE tenant_quotas; Type: ACL; Schema: beamline; Owner: beamline_owner
--

GRANT SELECT ON TABLE beamline.tenant_quotas TO beamline_readonly;

--
-- Name: FUNCTION quota_of(p_tenant text); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.quota_of(p_tenant text) FROM PUBLIC;

--
-- Name: FUNCTION quota_report(p_tenant text, OUT tenant_id character varying, OUT max_policies integer, OUT max_rules_per_policy integer, OUT max_providers_per_policy integer, OUT is_default boolean, OUT active_policies integer, OUT updated_at timestamp with time zone, OUT platform_max_policies integer, OUT platform_max_rules_per_policy integer, OUT platform_max_providers_per_policy integer); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.quota_report(p_tenant text, OUT tenant_id character varying, OUT max_policies integer, OUT max_rules_per_policy integer, OUT max_providers_per_policy integer, OUT is_default boolean, OUT active_policies integer, OUT updated_at timestamp with time zone, OUT platform_max_policies integer, OUT platform_max_rules_per_policy integer, OUT platform_max_providers_per_policy integer) FROM PUBLIC;

--
-- Name: FUNCTION require_grantable(p_tenant text, p_actor text, p_role text, p_permissions jsonb); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.require_grantable(p_tenant text, p_actor text, p_role text, p_permissions jsonb) FROM PUBLIC;

--
-- Name: FUNCTION require_permission(p_tenant text, p_actor text, p_permission text); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.require_permission(p_tenant text, p_actor text, p_permission text) FROM PUBLIC;

--
-- Name: FUNCTION schema_for(p_name text, p_tenant text); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.schema_for(p_name text, p_tenant text) FROM PUBLIC;

--
-- Name: FUNCTION set_actor(p_actor text); Type: ACL; Schema: beamline_internal; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION beamline_internal.set_actor(p_actor text) FROM PUBLIC;

--
-- Name: FUNCTION append_history(p_entry jsonb, p_actor text); Type: ACL; Schema: devstate; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION devstate.append_history(p_entry jsonb, p_actor text) FROM PUBLIC;
GRANT ALL ON FUNCTION devstate.append_history(p_entry jsonb, p_actor text) TO beamline_app;

--
-- Name: FUNCTION export_entries(p_actor text, p_after bigint, p_limit integer); Type: ACL; Schema: devstate; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION devstate.export_entries(p_actor text, p_after bigint, p_limit integer) FROM PUBLIC;
GRANT ALL ON FUNCTION devstate.export_entries(p_actor text, p_after bigint, p_limit integer) TO beamline_app;

--
-- Name: FUNCTION export_snapshot(p_actor text); Type: ACL; Schema: devstate; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION devstate.export_snapshot(p_actor text) FROM PUBLIC;
GRANT ALL ON FUNCTION devstate.export_snapshot(p_actor text) TO beamline_app;

--
-- Name: FUNCTION get_state(p_actor text); Type: ACL; Schema: devstate; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION devstate.get_state(p_actor text) FROM PUBLIC;
GRANT ALL ON FUNCTION devstate.get_state(p_actor text) TO beamline_app;

--
-- Name: FUNCTION import_begin(p_state jsonb, p_checksum text, p_actor text); Type: ACL; Schema: devstate; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION devstate.import_begin(p_state jsonb, p_checksum text, p_actor text) FROM PUBLIC;
GRANT ALL ON FUNCTION devstate.import_begin(p_state jsonb, p_checksum text, p_actor text) TO beamline_app;

--
-- Name: FUNCTION import_entries(p_entries jsonb, p_actor text); Type: ACL; Schema: devstate; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION devstate.import_entries(p_entries jsonb, p_actor text) FROM PUBLIC;
GRANT ALL ON FUNCTION devstate.import_entries(p_entries jsonb, p_actor text) TO beamline_app;

--
-- Name: FUNCTION lock_state(p_scope text, p_ttl interval, p_owner text); Type: ACL; Schema: devstate; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION devstate.lock_state(p_scope text, p_ttl interval, p_owner text) FROM PUBLIC;
GRANT ALL ON FUNCTION devstate.lock_state(p_scope text, p_ttl interval, p_owner text) TO beamline_app;

--
-- Name: FUNCTION search_history(p_filters jsonb, p_actor text, p_limit integer, p_cursor bigint); Type: ACL; Schema: devstate; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION devstate.search_history(p_filters jsonb, p_actor text, p_limit integer, p_cursor bigint) FROM PUBLIC;
GRANT ALL ON FUNCTION devstate.search_history(p_filters jsonb, p_actor text, p_limit integer, p_cursor bigint) TO beamline_app;

--
-- Name: FUNCTION unlock_state(p_lock_id uuid, p_owner text); Type: ACL; Schema: devstate; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION devstate.unlock_state(p_lock_id uuid, p_owner text) FROM PUBLIC;
GRANT ALL ON FUNCTION devstate.unlock_state(p_lock_id uuid, p_owner text) TO beamline_app;

--
-- Name: FUNCTION update_state(p_patch jsonb, p_actor text, p_expected_checksum text, p_history_entry jsonb); Type: ACL; Schema: devstate; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION devstate.update_state(p_patch jsonb, p_actor text, p_expected_checksum text, p_history_entry jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION devstate.update_state(p_patch jsonb, p_actor text, p_expected_checksum text, p_history_entry jsonb) TO beamline_app;

--
-- Name: FUNCTION verify_hmac_chain(p_from bigint, p_to bigint); Type: ACL; Schema: devstate; Owner: beamline_owner
--

REVOKE ALL ON FUNCTION devstate.verify_hmac_chain(p_from bigint, p_to bigint) FROM PUBLIC;
GRANT ALL ON FUNCTION devstate.verify_hmac_chain(p_from bigint, p_to bigint) TO beamline_app;

--
-- Name: TABLE change_log; Type: ACL; Schema: beamline; Owner: beamline_owner
--

GRANT SELECT ON TABLE beamline.change_log TO beamline_readonly;

--
-- Name: TABLE change_log_state; Type: ACL; Schema: beamline; Owner: beamline_owner
--

GRANT SELECT ON TABLE beamline.change_log_state TO beamline_readonly;

--
-- Name: TABLE index_stats; Type: ACL; Schema: beamline; Owner: beamline_owner
--

GRANT SELECT ON TABLE beamline.index_stats TO beamline_readonly;

--
-- Name: TABLE json_schema_fast; Type: ACL; Schema: beamline; Owner: beamline_owner
--

GRANT SELECT ON TABLE beamline.json_schema_fast TO beamline_readonly;

--
-- Name: TABLE json_schema_fast_checks; Type: ACL; Schema: beamline; Owner: beamline_owner
--

GRANT SELECT ON TABLE beamline.json_schema_fast_checks TO beamline_readonly;

--
-- Name: TABLE json_schemas; Type: ACL; Schema: beamline; Owner: beamline_owner
--

GRANT SELECT ON TABLE beamline.json_schemas TO beamline_readonly;

--
-- Name: TABLE policy_audit_log; Type: ACL; Schema: beamline; Owner: beamline_owner
--

GRANT SELECT ON TABLE beamline.policy_audit_log TO beamline_readonly;

--
-- Name: TABLE locks; Type: ACL; Schema: devstate; Owner: beamline_owner
--

GRANT SELECT ON TABLE devstate.locks TO beamline_readonly;

--
-- Name: TABLE maintenance_status; Type: ACL; Schema: beamline; Owner: beamline_owner
--

GRANT SELECT ON TABLE beamline.maintenance_status TO beamline_readonly;

--
-- Name: TABLE notification_queue; Type: ACL; Schema: beamline; Owner: beamline_owner
--

GRANT SELECT ON TABLE beamline.notification_queue TO beamline_readonly;

--
-- Name: TABLE permissions; Type: ACL; Schema: beamline; Owner: beamline_owner
--

GRANT SELECT ON TABLE beamline.permissions TO beamline_readonly;

--
-- Name: TABLE role_permissions; Type: ACL; Schema: beamline; Owner: beamline_owner
--

GRANT SELECT ON TABLE beamline.role_permissions TO beamline_readonly;

--
-- Name: TABLE table_stats; Type: ACL; Schema: beamline; Owner: beamline_owner
--

GRANT SELECT ON TABLE beamline.table_stats TO beamline_readonly;

--
-- Name: TABLE chain_head; Type: ACL; Schema: devstate; Owner: beamline_owner
--

GRANT SELECT ON TABLE devstate.chain_head TO beamline_readonly;

--
-- Name: TABLE history_entries; Type: ACL; Schema: devstate; Owner: beamline_owner
--

GRANT SELECT ON TABLE devstate.history_entries TO beamline_readonly;

--
-- Name: TABLE import_sessions; Type: ACL; Schema: devstate; Owner: beamline_owner
--

GRANT SELECT ON TABLE devstate.import_sessions TO beamline_readonly;

--
-- Name: TABLE state_current; Type: ACL; Schema: devstate; Owner: beamline_owner
--

GRANT SELECT ON TABLE devstate.state_current TO beamline_readonly;

--
-- PostgreSQL database dump complete
--
