"""``Store``: the thin Python client of the SQL API, with its read-through caches (SPEC §5, §7).

Every method calls one database function (the SQL text is in :mod:`beamline_store.queries`);
the client never re-implements a rule, it caches the functions' results. The caches and the
rules that keep them coherent live in :mod:`beamline_store.coherence` (no database code); every
connection, timeout and error translation in :mod:`beamline_store.connection` (the one way in);
the change listener (:mod:`beamline_store.listener`) gets a connect function and callbacks.

A cached ``get_policy`` checks the actor's cached ``policy:read`` decision first; a denied or
unknown decision goes to the database, which raises its own ``PermissionDenied``. Permission
decisions never outlive the grant's ``expires_at``. Reads of a specific version, lists and
histories are not cached. This process's own writes update or evict their keys before the
method returns (read-your-writes).

Thread safety: one Store is shared by all threads. Each call runs as one autocommit statement
on a pooled connection whose login acts as the application role, which can only EXECUTE the
API functions.

Failures (docs/CLIENT.md, "Degraded mode and faults"): database errors become the classes of
:mod:`beamline_store.errors` (one per SQLSTATE, with detail and hint); every call is bounded by
``call_timeout``; while the server is unreachable calls fail at once (one probe per
``probe_interval``) and cached entries keep answering, expired ones up to ``serve_stale_for``
seconds (counted as ``stale_hits``; ``stats()["degraded"]`` is True).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timedelta
from os import PathLike
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from . import queries
from .coherence import Coherence
from .config import Settings, load_settings
from .connection import Connector, connect
from .database import resolve_admin_dsn, resolve_dsn
from .errors import BeamlineError, ConfigurationError, translate
from .listener import Listener

if TYPE_CHECKING:
    from .devstate.files import ExportResult, ImportResult
from .models import (
    AuditEntry,
    AuditPage,
    Change,
    Policy,
    PolicyPage,
    Quota,
    RoleGrant,
    from_row,
)
from .stats import CallStats, render_prometheus

__all__ = ["Store"]

log = logging.getLogger(__name__)

POLICY_READ = "policy:read"
_Row = dict[str, Any]

# Functions that only read: safe to retry on another connection when one turns out broken.
_READS = frozenset(
    {
        "GET_POLICY",
        "LIST_POLICIES",
        "POLICY_HISTORY",
        "CHECK_PERMISSION",
        "PERMISSION_DECISION",
        "GET_USER_ROLES",
        "GET_QUOTA",
        "GET_AUDIT_LOG",
        "CHANGES_SINCE",
        "CURRENT_WATERMARK",
    }
)


# DevState functions that only read (a lost connection cannot leave a write half-known).
_DEVSTATE_READS = frozenset({"get_state", "verify_hmac_chain", "search_history", "export_files"})


def _jsonb(value: Any) -> Jsonb | None:
    if value is None:
        return None
    if isinstance(value, str | bytes):
        value = json.loads(value)
    return Jsonb(value)


class Store:
    """The beamline-store client. Use as a context manager or call :meth:`close`.

    *settings* defaults to :func:`~beamline_store.config.load_settings`; *conninfo* overrides
    the database (default: ``DATABASE_URL`` or the embedded cluster). *actor* is the default
    actor of every call (``settings.actor`` / ``BEAMLINE_ACTOR``). *listen* starts the
    change listener (coherence across processes); *timer* is the caches' clock (tests inject a
    fake one). *probe_interval*: while the server is unreachable, at most one attempt per this
    many seconds; other calls fail at once. *application_name* names the connections in
    ``pg_stat_activity`` and in every audit row's metadata (default ``beamline-store``; the MCP
    server passes ``beamline-mcp``). *call_application_name*, when given, is asked at each call
    for the name of that call (None: *application_name*); a pooled connection is re-named when
    it differs, so one Store can serve several clients and each audit row names its client
    (the MCP server passes its per-request MCP client). Keyword-only additions:
    *admin_conninfo* (the owner's connection for :meth:`bootstrap_admin`), *listen_conninfo*
    (the listener's direct URL, default ``BEAMLINE_LISTEN_URL`` or *conninfo*: behind a
    transaction pooler point it at PostgreSQL), *listener_options* (the listener's timeouts,
    for tests).
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        conninfo: str | None = None,
        actor: str | None = None,
        listen: bool = True,
        sweeper: bool = True,
        timer: Callable[[], float] = time.monotonic,
        probe_interval: float = 1.0,
        application_name: str | None = None,
        call_application_name: Callable[[], str | None] | None = None,
        admin_conninfo: str | None = None,
        listen_conninfo: str | None = None,
        listener_options: Mapping[str, Any] | None = None,
    ) -> None:
        self.settings = settings = settings or load_settings()
        self.application_name = application_name or "beamline-store"
        self._call_application_name = call_application_name
        self.actor = actor or settings.actor
        self.conninfo = conninfo or resolve_dsn(settings)
        # The owner's connection (bootstrap_admin): the URL's own login when one was given,
        # else the embedded cluster's superuser / DATABASE_URL.
        self.admin_conninfo = admin_conninfo or conninfo or resolve_admin_dsn(settings)
        self._timer = timer
        self.probe_interval = probe_interval
        self._coherence = coherence = Coherence(settings, timer=timer, sweeper=sweeper)
        # The hit path reads these attributes directly (no call in between).
        self._policies = coherence.policies
        self._rbac = coherence.rbac
        self._quotas = coherence.quotas
        self._audit = coherence.audit
        self.caches = coherence.caches
        self.calls = CallStats(
            slow_threshold=settings.slow_query_threshold, enabled=settings.metrics
        )
        self._closed = threading.Event()
        self._connector = Connector(
            self.conninfo,
            settings,
            application_name=self.application_name,
            probe_interval=probe_interval,
        )
        self._listen_conninfo = listen_conninfo or settings.listen_url or self.conninfo
        self.listener: Listener | None = None
        if listen:
            self.listener = self.make_listener(**(listener_options or {}))
            self.listener.start()

    # -- lifecycle -------------------------------------------------------------------------

    def make_listener(self, **options: Any) -> Listener:
        """A :class:`~beamline_store.listener.Listener` wired to this store's caches and
        connections (not started). *options* are the listener's timeouts."""
        settings = self.settings
        url = self._listen_conninfo
        return Listener(
            connect=lambda: connect(url, settings, application_name="beamline-store-listener"),
            apply_changes=self.apply_changes,
            flush=self.flush,
            on_reconnect=self._connector.check,
            on_new_history=self._coherence.new_history,
            poll_interval=settings.poll_interval,
            deadlines=self._connector.deadlines,
            call_timeout=settings.call_timeout,
            **options,
        )

    def close(self) -> None:
        """Stop the listener and the sweeper, close the pool. Idempotent."""
        if self._closed.is_set():
            return
        self._closed.set()
        self._coherence.close()
        if self.listener is not None:
            self.listener.stop()
        self._connector.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _actor(self, actor: str | None) -> str:
        value = actor or self.actor
        if not value:
            raise ConfigurationError(
                "no actor: pass actor=..., set BEAMLINE_ACTOR, or Store(actor=...)"
            )
        return value

    # -- the one place that talks to the database ------------------------------------------

    def _call(self, name: str, params: Mapping[str, Any]) -> list[_Row]:
        """Run query *name* of :mod:`queries` with *params*; rows as dicts.

        Every rule about connections (fail fast while down, probing, deadlines, retrying a read
        after a lost connection, error translation) is the Connector's
        (:mod:`beamline_store.connection`).
        """
        query = queries.QUERIES[name]
        start = time.perf_counter()
        error: BaseException | None = None

        def execute(conn: psycopg.Connection[Any]) -> list[_Row]:
            self._name_connection(conn)
            with conn.cursor(row_factory=dict_row) as cur:
                cur.execute(query, params)
                return cur.fetchall()

        try:
            return self._connector.run(execute, write=name not in _READS)
        except BaseException as exc:
            error = exc
            raise
        finally:
            self.calls.record(
                name,
                time.perf_counter() - start,
                None if error is None else type(error).__name__,
            )

    def _name_connection(self, conn: psycopg.Connection[Any]) -> None:
        """Give *conn* this call's application_name (see *call_application_name*); one extra
        round trip only when the connection last served another name."""
        if self._call_application_name is None:
            return
        wanted = self._call_application_name() or self.application_name
        if conn.info.parameter_status("application_name") != wanted:
            conn.execute(queries.SET_APPLICATION_NAME, {"application_name": wanted})

    def _one(self, name: str, params: Mapping[str, Any]) -> _Row:
        rows = self._call(name, params)
        if not rows:  # pragma: no cover - every API function returns a row or raises
            raise BeamlineError(f"{name.lower()} returned no row")
        return rows[0]

    # -- policies --------------------------------------------------------------------------

    def get_policy(
        self, tenant: str, policy_id: str, *, actor: str | None = None, version: int | None = None
    ) -> Policy:
        """The active version of a policy (cached), or version *version* (not cached).

        Raises NotFound, PermissionDenied, BadInput (from the database) or DatabaseUnavailable.
        """
        if actor is None:
            actor = self._actor(actor)
        if version is None:
            now = self._timer()
            if self._rbac.peek((tenant, actor, POLICY_READ), now) is True:
                value = self._policies.peek((tenant, policy_id), now)
                if value.__class__ is Policy:
                    return value
            return self._get_policy_slow(tenant, policy_id, actor)
        return from_row(
            Policy, self._one("GET_POLICY", _policy_args(tenant, policy_id, actor, version))
        )

    def _get_policy_slow(self, tenant: str, policy_id: str, actor: str) -> Policy:
        if not self.check_permission(tenant, actor, POLICY_READ):
            # The database raises its own PermissionDenied (with detail); nothing is cached.
            return from_row(Policy, self._one("GET_POLICY", _policy_args(tenant, policy_id, actor)))

        def load() -> tuple[Policy, float | None]:
            row = self._one("GET_POLICY", _policy_args(tenant, policy_id, actor))
            return from_row(Policy, row), None

        return self._policies.load((tenant, policy_id), load)

    def put_policy(
        self,
        tenant: str,
        policy_id: str,
        data: Mapping[str, Any] | str,
        *,
        actor: str | None = None,
        expected_version: int | None = None,
    ) -> Policy:
        """Write a new active version (compare-and-set with *expected_version*; 0 = create
        only). The new version is cached at once for this process (read-your-writes)."""
        with self._coherence.writing((tenant, policy_id)):
            generation = self._policies.generation()
            history = self._coherence.history
            row = self._one(
                "PUT_POLICY",
                {
                    "tenant": tenant,
                    "policy_id": policy_id,
                    "data": _jsonb(data),
                    "actor": self._actor(actor),
                    "expected_version": expected_version,
                },
            )
            self._coherence.own_write(int(row.pop("write_xid")), history)
            policy = from_row(Policy, row)
            self._coherence.policy_written(policy, generation)
            return policy

    def activate_policy(
        self, tenant: str, policy_id: str, version: int, *, actor: str | None = None
    ) -> Policy:
        """Make *version* the active one (rollback)."""
        generation = self._policies.generation()
        params = {**_policy_args(tenant, policy_id, self._actor(actor)), "version": version}
        policy = from_row(Policy, self._one("ACTIVATE_POLICY", params))
        self._coherence.policy_written(policy, generation)
        return policy

    def deactivate_policy(self, tenant: str, policy_id: str, *, actor: str | None = None) -> Policy:
        """Deactivate the active version; returns the version that was deactivated."""
        row = self._one("DEACTIVATE_POLICY", _policy_args(tenant, policy_id, self._actor(actor)))
        self._coherence.invalidate_policy(tenant, policy_id)
        return from_row(Policy, row)

    def delete_policy(self, tenant: str, policy_id: str, *, actor: str | None = None) -> Policy:
        """Delete a policy from routing (versions stay as history)."""
        row = self._one("DELETE_POLICY", _policy_args(tenant, policy_id, self._actor(actor)))
        self._coherence.invalidate_policy(tenant, policy_id)
        return from_row(Policy, row)

    def policy_history(
        self, tenant: str, policy_id: str, *, actor: str | None = None
    ) -> list[Policy]:
        """All versions, oldest first (not cached)."""
        rows = self._call("POLICY_HISTORY", _policy_args(tenant, policy_id, self._actor(actor)))
        return [from_row(Policy, r) for r in rows]

    def list_policies(
        self,
        tenant: str,
        *,
        actor: str | None = None,
        filters: Mapping[str, Any] | None = None,
        limit: int = 100,
        cursor: str | None = None,
    ) -> PolicyPage:
        """A page of the tenant's active policies (JSON containment *filters*; keyset cursor)."""
        rows = self._call(
            "LIST_POLICIES",
            {
                "tenant": tenant,
                "actor": self._actor(actor),
                "filters": _jsonb(filters or {}),
                "limit": limit,
                "cursor": cursor,
            },
        )
        items = tuple(from_row(Policy, r) for r in rows)
        # Every row carries its own position as next_cursor; a short page is the last one.
        next_cursor = rows[-1].get("next_cursor") if rows and len(rows) >= limit else None
        return PolicyPage(items, next_cursor)

    # -- RBAC ------------------------------------------------------------------------------

    def check_permission(
        self, tenant: str, user: str, action: str, *, actor: str | None = None
    ) -> bool:
        """May *user* do *action* in *tenant*? Cached; never beyond the grant's expiry.

        Asked as *user* itself unless *actor* names someone else: then the database requires
        rbac:manage in *tenant* (PermissionDenied otherwise) and the answer is not cached."""
        if actor is not None and actor != user:
            row = self._one(
                "CHECK_PERMISSION",
                {"tenant": tenant, "user": user, "action": action, "actor": actor},
            )
            return bool(row["allowed"])
        key = (tenant, user, action)
        value = self._rbac.peek(key, self._timer())
        if value is True or value is False:
            return value

        def load() -> tuple[bool, float | None]:
            row = self._one(
                "PERMISSION_DECISION", {"tenant": tenant, "user": user, "action": action}
            )
            valid_for = row.get("valid_for")
            return bool(row["allowed"]), None if valid_for is None else max(0.0, valid_for)

        return bool(self._rbac.load(key, load))

    def get_user_roles(
        self, tenant: str, user: str, *, actor: str | None = None
    ) -> RoleGrant | None:
        """*user*'s grant in *tenant*, or None (own grant always; others need rbac:manage)."""
        rows = self._call(
            "GET_USER_ROLES", {"tenant": tenant, "user": user, "actor": self._actor(actor)}
        )
        return from_row(RoleGrant, rows[0]) if rows else None

    def assign_role(
        self,
        tenant: str,
        user: str,
        role: str,
        *,
        actor: str | None = None,
        permissions: Iterable[str] = (),
        expires_at: datetime | None = None,
    ) -> RoleGrant:
        """Give *user* *role* (+ extra *permissions*, optional *expires_at*), replacing any
        previous grant."""
        row = self._one(
            "ASSIGN_ROLE",
            {
                "tenant": tenant,
                "user": user,
                "role": role,
                "actor": self._actor(actor),
                "permissions": Jsonb(list(permissions)),
                "expires_at": expires_at,
            },
        )
        self._coherence.invalidate_grant(tenant, user)
        return from_row(RoleGrant, row)

    def revoke_role(self, tenant: str, user: str, *, actor: str | None = None) -> RoleGrant:
        """Remove *user*'s grant; returns the removed grant."""
        row = self._one(
            "REVOKE_ROLE", {"tenant": tenant, "user": user, "actor": self._actor(actor)}
        )
        self._coherence.invalidate_grant(tenant, user)
        return from_row(RoleGrant, row)

    def bootstrap_admin(self, tenant: str, user: str) -> RoleGrant:
        """Owner-only: make *user* the first admin of *tenant* (AlreadyExists if it has one).

        Runs on a one-off connection as the owner role (``settings.owner_role``); the login
        user must be a member of it (the embedded cluster's superuser is).
        """
        start = time.perf_counter()
        error: BaseException | None = None
        row: _Row | None = None
        try:
            with connect(
                self.admin_conninfo,
                self.settings,
                application_name=self.application_name,
                app_role=False,
            ) as conn:
                try:
                    conn.execute(queries.SET_ROLE, {"role": self.settings.owner_role})
                except psycopg.Error as exc:  # a login that cannot act as the owner
                    raise translate(exc, connecting=True) from None
                with conn.cursor(row_factory=dict_row) as cur:
                    cur.execute(queries.BOOTSTRAP_ADMIN, {"tenant": tenant, "user": user})
                    row = cur.fetchone()
        except psycopg.Error as exc:
            error = translate(exc)
            raise error from None
        except BeamlineError as exc:
            error = exc
            raise
        finally:
            self.calls.record(
                "BOOTSTRAP_ADMIN",
                time.perf_counter() - start,
                None if error is None else type(error).__name__,
            )
        assert row is not None
        self._coherence.invalidate_grant(tenant, user)
        return from_row(RoleGrant, row)

    # -- quotas ----------------------------------------------------------------------------

    def get_quota(self, tenant: str, *, actor: str | None = None) -> Quota:
        """The tenant's limits (and usage where reported). Cached per (tenant, actor)."""
        actor = self._actor(actor)
        key = (tenant, actor)
        value = self._quotas.peek(key, self._timer())
        if value.__class__ is Quota:
            return value

        def load() -> tuple[Quota, float | None]:
            return from_row(Quota, self._one("GET_QUOTA", {"tenant": tenant, "actor": actor})), None

        return self._quotas.load(key, load)

    def set_quota(
        self,
        tenant: str,
        *,
        actor: str | None = None,
        max_policies: int | None = None,
        max_rules: int | None = None,
        max_providers: int | None = None,
    ) -> Quota:
        """Set the tenant's limits (None keeps a limit as it is, where the database allows)."""
        row = self._one(
            "SET_QUOTA",
            {
                "tenant": tenant,
                "actor": self._actor(actor),
                "max_policies": max_policies,
                "max_rules": max_rules,
                "max_providers": max_providers,
            },
        )
        self._coherence.invalidate_quota(tenant)
        return from_row(Quota, row)

    # -- audit -----------------------------------------------------------------------------

    def log_action(
        self,
        tenant: str,
        action: str,
        target_id: str,
        *,
        actor: str | None = None,
        data: Mapping[str, Any] | None = None,
        policy_id: str | None = None,
    ) -> Any:
        """Record one application event; returns the audit row id."""
        row = self._one(
            "LOG_ACTION",
            {
                "tenant": tenant,
                "actor": self._actor(actor),
                "action": action,
                "target_id": target_id,
                "data": Jsonb(dict(data or {})),
                "policy_id": policy_id,
            },
        )
        self._audit.invalidate(tenant)
        return row["id"]

    def log_actions(
        self, tenant: str, entries: Iterable[Mapping[str, Any]], *, actor: str | None = None
    ) -> int:
        """Record a batch of events ``{"action", "target_id"?, "policy_id"?, "data"?}`` in one
        statement; returns the count."""
        row = self._one(
            "LOG_ACTIONS",
            {
                "tenant": tenant,
                "actor": self._actor(actor),
                "entries": Jsonb([dict(e) for e in entries]),
            },
        )
        self._audit.invalidate(tenant)
        return int(row["count"])

    def get_audit_log(
        self,
        tenant: str,
        *,
        actor: str | None = None,
        policy_id: str | None = None,
        filters: Mapping[str, Any] | None = None,
        limit: int = 100,
        cursor: str | None = None,
    ) -> AuditPage:
        """A page of audit rows, newest first; cached (``ttl_audit``) until the tenant changes
        in any way this process learns of (its writes, change signals)."""
        actor = self._actor(actor)
        filters_text = json.dumps(dict(filters or {}), sort_keys=True, default=str)
        key = (tenant, actor, policy_id, filters_text, limit, cursor)
        value = self._audit.peek(key, self._timer())
        if value.__class__ is AuditPage:
            return value

        def load() -> tuple[AuditPage, float | None]:
            rows = self._call(
                "GET_AUDIT_LOG",
                {
                    "tenant": tenant,
                    "actor": actor,
                    "policy_id": policy_id,
                    "filters": Jsonb(json.loads(filters_text)),
                    "limit": limit,
                    "cursor": cursor,
                },
            )
            entries = tuple(from_row(AuditEntry, r) for r in rows)
            next_cursor = entries[-1].cursor if entries and len(entries) >= limit else None
            return AuditPage(entries, next_cursor), None

        return self._audit.load(key, load)

    def cleanup_old_logs(
        self,
        older_than: timedelta | str,
        *,
        actor: str | None = None,
        tenant: str | None = None,
    ) -> int:
        """Delete audit rows older than *older_than* (an interval such as ``'90 days'``);
        returns the count. The only way audit rows leave."""
        interval = older_than if isinstance(older_than, str) else f"{older_than.total_seconds()} s"
        row = self._one(
            "CLEANUP_OLD_LOGS",
            {"older_than": interval, "actor": self._actor(actor), "tenant": tenant},
        )
        if tenant is None:
            self._audit.clear()
        else:
            self._audit.invalidate(tenant)
        return int(row["count"])

    # -- DevState (delegates to beamline_store.devstate.db) ----------------------------------

    def devstate_call(self, function: str, *args: Any, **kwargs: Any) -> Any:
        """Call ``beamline_store.devstate.db.<function>(conn, *args, **kwargs)`` on a short-lived
        connection as the application role, carrying the HMAC settings in its startup options
        (never in a statement). E.g. ``store.devstate_call("get_state", actor)``."""
        from .devstate import db as devstate_db

        return self._devstate(function, getattr(devstate_db, function), *args, **kwargs)

    def _devstate(
        self,
        name: str,
        function: Callable[..., Any],
        *args: Any,
        timeout: float | bool | None = True,
        **kwargs: Any,
    ) -> Any:
        """The one path of every DevState call: ``function(conn, *args, **kwargs)`` on a pooled
        autocommit connection of DevState's pool (application role, HMAC settings in the startup
        options), through the Connector like every other call."""
        options = self._hmac_options()
        start = time.perf_counter()
        error: str | None = None
        try:

            def call(conn: psycopg.Connection[Any]) -> Any:
                self._name_connection(conn)
                return function(conn, *args, **kwargs)

            return self._connector.run(
                call,
                write=name not in _DEVSTATE_READS,
                devstate_options=options,
                timeout=timeout,
            )
        except BaseException as exc:
            error = type(exc).__name__
            raise
        finally:
            self.calls.record(f"devstate.{name}", time.perf_counter() - start, error)

    def _hmac_options(self) -> str:
        from .devstate.db import hmac_options

        return hmac_options(
            self.settings.hmac_secret,
            self.settings.hmac_key_id,
            os.environ.get("BEAMLINE_HMAC_PREVIOUS_KEYS"),
        )

    @contextmanager
    def devstate_session(self) -> Iterator[psycopg.Connection[Any]]:
        """A DevState connection of this Store for a sequence of calls (the CLI's commands):
        application role, HMAC settings in the startup options, errors translated."""
        with self._connector.borrow(self._hmac_options()) as conn:
            yield conn

    def get_state(self, *, actor: str | None = None) -> dict[str, Any]:
        """The DevState document: ``{"json", "checksum", "updated_at", "updated_by"}``."""
        result: dict[str, Any] = self.devstate_call("get_state", self._actor(actor))
        return result

    def update_state(self, patch: Any, *, actor: str | None = None, **kwargs: Any) -> str:
        """Merge-patch the DevState document; returns the new checksum."""
        return str(self.devstate_call("update_state", patch, self._actor(actor), **kwargs))

    def append_history(self, entry: dict[str, Any], *, actor: str | None = None) -> str:
        """Append a history entry; returns its hmac."""
        return str(self.devstate_call("append_history", entry, self._actor(actor)))

    def verify_hmac_chain(self, **kwargs: Any) -> dict[str, Any]:
        """Verify the whole HMAC chain (or a range)."""
        result: dict[str, Any] = self.devstate_call("verify_hmac_chain", **kwargs)
        return result

    def search_history(
        self,
        filters: Mapping[str, Any] | None = None,
        limit: int = 100,
        cursor: int | None = None,
        *,
        actor: str | None = None,
    ) -> dict[str, Any]:
        """History entries matching *filters*, newest first: ``{"entries", "next_cursor"}``."""
        result: dict[str, Any] = self.devstate_call(
            "search_history", dict(filters or {}), self._actor(actor), limit=limit, cursor=cursor
        )
        return result

    def lock_state(self, scope: str, ttl_seconds: float, *, owner: str | None = None) -> str:
        """Take or renew the lease on *scope* for *owner* (default: the actor); its lock id."""
        return str(self.devstate_call("lock_state", scope, ttl_seconds, self._actor(owner)))

    def unlock_state(self, lock_id: str, *, owner: str | None = None) -> None:
        """Release the lease *lock_id* held by *owner* (default: the actor)."""
        self.devstate_call("unlock_state", lock_id, self._actor(owner))

    def export_files(
        self, directory: str | PathLike[str], *, actor: str | None = None
    ) -> ExportResult:
        """Write ``state.json`` and ``history.json`` into *directory*
        (:func:`beamline_store.devstate.files.export_files`); an ``ExportResult``."""
        from .devstate import files

        result: ExportResult = self._devstate(
            "export_files", files.export_files, directory, self._actor(actor), timeout=None
        )
        return result

    def import_files(
        self, directory: str | PathLike[str], *, actor: str | None = None
    ) -> ImportResult:
        """Load *directory*'s files into an empty DevState, all or nothing
        (:func:`beamline_store.devstate.files.import_files`); an ``ImportResult``."""
        from .devstate import files

        result: ImportResult = self._devstate(
            "import_files", files.import_files, directory, self._actor(actor), timeout=None
        )
        return result

    # -- coherence (called by the listener) ------------------------------------------------

    def apply_changes(self, changes: Iterable[Change]) -> int:
        """Evict what *changes* touched (from the change log or a wake-up payload)."""
        return self._coherence.apply_changes(changes)

    def flush(self) -> None:
        """Drop every cached entry (used when an exact resync is impossible)."""
        self._coherence.flush()

    def pool_check(self) -> None:
        """Discard broken idle connections (after the server restarted)."""
        self._connector.check()

    # -- statistics ------------------------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        """Hits, misses, hit ratio, evictions, invalidations, entries, bytes per cache; the
        listener's state and last-signal lag; DB-call latency percentiles; errors by class."""
        caches = self._coherence.counters()
        down = self._connector.down_since
        return {
            "caches": caches,
            "listener": self.listener.state() if self.listener is not None else {"state": "off"},
            "db": self.calls.snapshot(),
            "pool": self._connector.pool_stats(),
            "degraded": down is not None,
            "unreachable_for_s": None if down is None else time.monotonic() - down,
        }

    def prometheus(self) -> str:
        """:meth:`stats` in the Prometheus text format."""
        return render_prometheus(self.stats())


def _policy_args(
    tenant: str, policy_id: str, actor: str, version: int | None = None
) -> dict[str, Any]:
    return {"tenant": tenant, "policy_id": policy_id, "actor": actor, "version": version}
