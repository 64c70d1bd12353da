"""Every SQL statement the client sends, in one place (the procrastinate ``queries.sql`` idea):
the Store's API calls, the listener's, the connection recipe's role check, DevState's calls
(:data:`DEVSTATE`).

One argument style: named placeholders (``%(x)s``), bound by psycopg; API calls pass their
arguments by name (``p_x => %(x)s``), so the order of the SQL parameters never matters. Python
never builds SQL by string formatting. The store looks them up by name: ``queries.GET_POLICY``.
"""

from __future__ import annotations

from typing import Final, LiteralString

__all__ = ["DEVSTATE", "QUERIES"]

# -- policies --------------------------------------------------------------------------------
GET_POLICY: Final = (
    "select * from beamline.get_policy("
    "p_tenant => %(tenant)s, p_policy_id => %(policy_id)s, p_actor => %(actor)s, "
    "p_version => %(version)s)"
)
# The writing transaction's xid comes back too: the listener skips this process's own signals.
PUT_POLICY: Final = (
    "select p.*, pg_catalog.pg_current_xact_id()::text::bigint as write_xid"
    " from beamline.put_policy("
    "p_tenant => %(tenant)s, p_policy_id => %(policy_id)s, p_data => %(data)s, "
    "p_actor => %(actor)s, p_expected_version => %(expected_version)s) p"
)
LIST_POLICIES: Final = (
    "select * from beamline.list_policies("
    "p_tenant => %(tenant)s, p_actor => %(actor)s, p_filters => %(filters)s, "
    "p_limit => %(limit)s, p_cursor => %(cursor)s)"
)
DELETE_POLICY: Final = (
    "select * from beamline.delete_policy("
    "p_tenant => %(tenant)s, p_policy_id => %(policy_id)s, p_actor => %(actor)s)"
)
ACTIVATE_POLICY: Final = (
    "select * from beamline.activate_policy("
    "p_tenant => %(tenant)s, p_policy_id => %(policy_id)s, p_version => %(version)s, "
    "p_actor => %(actor)s)"
)
DEACTIVATE_POLICY: Final = (
    "select * from beamline.deactivate_policy("
    "p_tenant => %(tenant)s, p_policy_id => %(policy_id)s, p_actor => %(actor)s)"
)
POLICY_HISTORY: Final = (
    "select * from beamline.policy_history("
    "p_tenant => %(tenant)s, p_policy_id => %(policy_id)s, p_actor => %(actor)s)"
)

# -- RBAC ------------------------------------------------------------------------------------
# Asked by *actor* about another user: needs rbac:manage in the tenant (docs/RBAC.md).
CHECK_PERMISSION: Final = (
    "select beamline.check_permission("
    "p_tenant => %(tenant)s, p_user => %(user)s, p_action => %(action)s, p_actor => %(actor)s)"
    " as allowed"
)
# The decision plus how long it may be cached: the user's own grant is readable by the user,
# so the expiry comes from get_user_roles(actor = user). valid_for is null without expiry.
PERMISSION_DECISION: Final = (
    "select beamline.check_permission("
    "p_tenant => %(tenant)s, p_user => %(user)s, p_action => %(action)s) as allowed, "
    "(select extract(epoch from g.expires_at - pg_catalog.now())::float8"
    " from beamline.get_user_roles("
    "p_tenant => %(tenant)s, p_user => %(user)s, p_actor => %(user)s) g) as valid_for"
)
GET_USER_ROLES: Final = (
    "select * from beamline.get_user_roles("
    "p_tenant => %(tenant)s, p_user => %(user)s, p_actor => %(actor)s)"
)
ASSIGN_ROLE: Final = (
    "select * from beamline.assign_role("
    "p_tenant => %(tenant)s, p_user => %(user)s, p_role => %(role)s, p_actor => %(actor)s, "
    "p_permissions => %(permissions)s, p_expires_at => %(expires_at)s)"
)
REVOKE_ROLE: Final = (
    "select * from beamline.revoke_role("
    "p_tenant => %(tenant)s, p_user => %(user)s, p_actor => %(actor)s)"
)
BOOTSTRAP_ADMIN: Final = (
    "select * from beamline_admin.bootstrap_admin(p_tenant => %(tenant)s, p_user => %(user)s)"
)

# -- quotas ----------------------------------------------------------------------------------
GET_QUOTA: Final = "select * from beamline.get_quota(p_tenant => %(tenant)s, p_actor => %(actor)s)"
SET_QUOTA: Final = (
    "select * from beamline.set_quota("
    "p_tenant => %(tenant)s, p_actor => %(actor)s, p_max_policies => %(max_policies)s, "
    "p_max_rules => %(max_rules)s, p_max_providers => %(max_providers)s)"
)

# -- audit -----------------------------------------------------------------------------------
LOG_ACTION: Final = (
    "select beamline.log_action("
    "p_tenant => %(tenant)s, p_actor => %(actor)s, p_action => %(action)s, "
    "p_target_id => %(target_id)s, p_data => %(data)s, p_policy_id => %(policy_id)s) as id"
)
LOG_ACTIONS: Final = (
    "select beamline.log_action("
    "p_tenant => %(tenant)s, p_actor => %(actor)s, p_entries => %(entries)s) as count"
)
GET_AUDIT_LOG: Final = (
    "select * from beamline.get_audit_log("
    "p_tenant => %(tenant)s, p_actor => %(actor)s, p_policy_id => %(policy_id)s, "
    "p_filters => %(filters)s, p_limit => %(limit)s, p_cursor => %(cursor)s)"
)
CLEANUP_OLD_LOGS: Final = (
    "select beamline.cleanup_old_logs("
    "p_older_than => %(older_than)s::interval, p_actor => %(actor)s, p_tenant => %(tenant)s)"
    " as count"
)

# -- change signals (docs/CACHE_COHERENCE.md) ------------------------------------------------
CHANGES_SINCE: Final = (
    "select * from beamline.changes_since(p_watermark => %(watermark)s, p_limit => %(limit)s)"
)
CURRENT_WATERMARK: Final = "select beamline.current_watermark() as watermark"
CHANGE_HORIZON: Final = "select beamline.change_horizon() as horizon"
SERVER_IDENTITY: Final = (
    "select system_identifier, timeline, started_at, database_oid, incarnation"
    " from beamline.server_identity()"
)
LISTEN: Final = "listen beamline_changes"
IS_IN_RECOVERY: Final = "select pg_catalog.pg_is_in_recovery() as in_recovery"
PING: Final = "select 1"
# The listener's LISTEN check: a notification on the probe channel, sent from a second
# connection, carrying a token only this listener knows.
LISTEN_PROBE: Final = "listen beamline_probe"
UNLISTEN_PROBE: Final = "unlisten beamline_probe"
NOTIFY_PROBE: Final = "select pg_catalog.pg_notify('beamline_probe', %(token)s)"
BACKEND_PID: Final = "select pg_catalog.pg_backend_pid()"

# -- connections (beamline_store.connection) -------------------------------------------------
# How the login relates to the application role; no error when a role is missing (the
# migration may not have run yet).
ROLE_CHECK: Final = """
select pg_catalog.pg_backend_pid() as pid,
       r.rolsuper as superuser,
       current_user = %(app)s as is_app,
       exists(select 1 from pg_catalog.pg_roles a where a.rolname = %(app)s) as app_exists,
       exists(select 1 from pg_catalog.pg_roles a where a.rolname = %(app)s
              and pg_catalog.pg_has_role(current_user, a.oid, 'USAGE')) as app_usage,
       exists(select 1 from pg_catalog.pg_roles a where a.rolname = %(app)s
              and pg_catalog.pg_has_role(current_user, a.oid, 'MEMBER')) as app_member,
       exists(select 1 from pg_catalog.pg_roles o where o.rolname = %(owner)s
              and pg_catalog.pg_has_role(current_user, o.oid, 'MEMBER')) as owner_member
  from pg_catalog.pg_roles r where r.rolname = current_user
"""
# SET ROLE for the session, with the role as a bound value.
SET_ROLE: Final = "select pg_catalog.set_config('role', %(role)s, false)"

# -- DevState (beamline_store.devstate.db; positional SQL parameters, named placeholders) -----
DEVSTATE: Final[dict[str, LiteralString]] = {
    "get_state": "select devstate.get_state(%(actor)s)",
    "update_state": (
        "select devstate.update_state(%(patch)s, %(actor)s, %(expected_checksum)s, %(entry)s)"
    ),
    "append_history": "select devstate.append_history(%(entry)s, %(actor)s)",
    "verify_hmac_chain": "select devstate.verify_hmac_chain(%(from_id)s, %(to_id)s)",
    "search_history": (
        "select devstate.search_history(%(filters)s, %(actor)s, %(limit)s, %(cursor)s)"
    ),
    "lock_state": "select devstate.lock_state(%(scope)s, %(ttl)s, %(owner)s)",
    "unlock_state": "select devstate.unlock_state(%(lock_id)s, %(owner)s)",
    "export_snapshot": "select devstate.export_snapshot(%(actor)s)",
    "export_entries": (
        "select id, line from devstate.export_entries(%(actor)s, %(after)s, %(limit)s)"
    ),
    "import_begin": "select devstate.import_begin(%(state)s, %(checksum)s, %(actor)s)",
    "import_entries": "select devstate.import_entries(%(entries)s::jsonb, %(actor)s)",
    "register_hmac_key": "select beamline_admin.register_hmac_key()",  # owner only
}

# -- connections -----------------------------------------------------------------------------
# Re-name a pooled connection for one caller (Store(call_application_name=...)): session-level,
# so audit_metadata() and pg_stat_activity see it until the next caller re-names it.
SET_APPLICATION_NAME: Final = (
    "select pg_catalog.set_config('application_name', %(application_name)s, false)"
)

QUERIES: Final[dict[str, LiteralString]] = {
    name: value
    for name, value in dict(globals()).items()
    if name.isupper() and isinstance(value, str) and name != "QUERIES"
}
