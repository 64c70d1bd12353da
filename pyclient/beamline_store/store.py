"""``Store``: the thin Python client of the SQL API, with its read-through caches (SPEC §5, §7).

Every method calls one database function (the SQL text is in :mod:`beamline_store.queries`);
the client never re-implements a rule, it caches the functions' results. Each method drives one
call of :mod:`beamline_store.calls` (its parameters, result shape and cache effects, written
once for Store and :class:`~beamline_store.async_store.AsyncStore`), answering its requests
over the blocking :class:`~beamline_store.connection.Connector`. The caches and the
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

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timedelta
from os import PathLike
from typing import TYPE_CHECKING, Any, TypeVar

import psycopg
from psycopg.rows import dict_row

from . import calls, queries
from .calls import POLICY_READ
from .client import ClientBase
from .config import Settings
from .connection import Connector, connect
from .devstate import calls as devstate_calls
from .errors import BeamlineError, translate
from .listener import Listener

if TYPE_CHECKING:
    from .devstate.files import ExportResult, ImportResult
from .models import AuditPage, Policy, PolicyPage, Quota, RoleGrant

__all__ = ["Store"]

log = logging.getLogger(__name__)

T = TypeVar("T")
_Row = dict[str, Any]


class Store(ClientBase):
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
        super().__init__(
            settings,
            conninfo=conninfo,
            actor=actor,
            sweeper=sweeper,
            timer=timer,
            application_name=application_name,
            admin_conninfo=admin_conninfo,
            listen_conninfo=listen_conninfo,
        )
        self._call_application_name = call_application_name
        self.probe_interval = probe_interval
        self._closed = threading.Event()
        self._connector: Connector = Connector(
            self.conninfo,
            self.settings,
            application_name=self.application_name,
            probe_interval=probe_interval,
        )
        if listen:
            self.listener = self.make_listener(**(listener_options or {}))
            self.listener.start()

    # -- lifecycle -------------------------------------------------------------------------

    def make_listener(self, **options: Any) -> Listener:
        """A :class:`~beamline_store.listener.Listener` wired to this store's caches and
        connections (not started). *options* are the listener's timeouts."""
        return self._listener(self._connector.deadlines, **options)

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

    # -- the one place that talks to the database ------------------------------------------

    def _drive(self, call: calls.Call[T]) -> T:
        """Carry out *call* (:mod:`beamline_store.calls`): each request it yields is answered
        here, blocking; an error is thrown back into it (its ``with`` blocks see it)."""
        answer: Any = None
        error: BaseException | None = None
        while True:
            try:
                request = call.send(answer) if error is None else call.throw(error)
            except StopIteration as stop:
                return stop.value  # type: ignore[no-any-return]
            answer = error = None
            try:
                answer = self._answer(request)
            except BaseException as exc:  # handed to the call, which re-raises it
                error = exc

    def _answer(self, request: calls.Request) -> Any:
        if isinstance(request, calls.DevState):  # (a Statement too: asked first)
            return self._devstate_rows(request)
        if isinstance(request, calls.Statement):
            return self._call(request.name, request.params)
        return request.cache.load(request.key, lambda: self._drive(request.load()))

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
            return self._connector.run(execute, write=name not in calls.READS)
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
            return self._drive(calls.read_policy(self._coherence, tenant, policy_id, actor))
        return self._drive(calls.get_policy(tenant, policy_id, actor, version))

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
        return self._drive(
            calls.put_policy(
                self._coherence, tenant, policy_id, data, self._actor(actor), expected_version
            )
        )

    def activate_policy(
        self, tenant: str, policy_id: str, version: int, *, actor: str | None = None
    ) -> Policy:
        """Make *version* the active one (rollback)."""
        return self._drive(
            calls.activate_policy(self._coherence, tenant, policy_id, version, self._actor(actor))
        )

    def deactivate_policy(self, tenant: str, policy_id: str, *, actor: str | None = None) -> Policy:
        """Deactivate the active version; returns the version that was deactivated."""
        return self._drive(
            calls.remove_policy(
                self._coherence, "DEACTIVATE_POLICY", tenant, policy_id, self._actor(actor)
            )
        )

    def delete_policy(self, tenant: str, policy_id: str, *, actor: str | None = None) -> Policy:
        """Delete a policy from routing (versions stay as history)."""
        return self._drive(
            calls.remove_policy(
                self._coherence, "DELETE_POLICY", tenant, policy_id, self._actor(actor)
            )
        )

    def policy_history(
        self, tenant: str, policy_id: str, *, actor: str | None = None
    ) -> list[Policy]:
        """All versions, oldest first (not cached)."""
        return self._drive(calls.policy_history(tenant, policy_id, self._actor(actor)))

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
        return self._drive(calls.list_policies(tenant, self._actor(actor), filters, limit, cursor))

    # -- RBAC ------------------------------------------------------------------------------

    def check_permission(
        self, tenant: str, user: str, action: str, *, actor: str | None = None
    ) -> bool:
        """May *user* do *action* in *tenant*? Cached; never beyond the grant's expiry.

        Asked as *user* itself unless *actor* names someone else: then the database requires
        rbac:manage in *tenant* (PermissionDenied otherwise) and the answer is not cached."""
        if actor is None or actor == user:
            value = self._rbac.peek((tenant, user, action), self._timer())
            if value is True or value is False:
                return value
        return self._drive(calls.check_permission(self._coherence, tenant, user, action, actor))

    def get_user_roles(
        self, tenant: str, user: str, *, actor: str | None = None
    ) -> RoleGrant | None:
        """*user*'s grant in *tenant*, or None (own grant always; others need rbac:manage)."""
        return self._drive(calls.get_user_roles(tenant, user, self._actor(actor)))

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
        return self._drive(
            calls.assign_role(
                self._coherence, tenant, user, role, self._actor(actor), permissions, expires_at
            )
        )

    def revoke_role(self, tenant: str, user: str, *, actor: str | None = None) -> RoleGrant:
        """Remove *user*'s grant; returns the removed grant."""
        return self._drive(calls.revoke_role(self._coherence, tenant, user, self._actor(actor)))

    def bootstrap_admin(self, tenant: str, user: str) -> RoleGrant:
        """Owner-only: make *user* the first admin of *tenant* (AlreadyExists if it has one).

        Runs on a one-off connection as the owner role (``settings.owner_role``); the login
        user must be a member of it (the embedded cluster's superuser is).
        """
        start = time.perf_counter()
        error: BaseException | None = None
        try:
            row = bootstrap_row(
                self.admin_conninfo, self.settings, self.application_name, tenant, user
            )
        except BaseException as exc:
            error = exc
            raise
        finally:
            self.calls.record(
                "BOOTSTRAP_ADMIN",
                time.perf_counter() - start,
                None if error is None else type(error).__name__,
            )
        return calls.granted(self._coherence, tenant, user, row)

    # -- quotas ----------------------------------------------------------------------------

    def get_quota(self, tenant: str, *, actor: str | None = None) -> Quota:
        """The tenant's limits (and usage where reported). Cached per (tenant, actor)."""
        actor = self._actor(actor)
        value = self._quotas.peek((tenant, actor), self._timer())
        if value.__class__ is Quota:
            return value
        return self._drive(calls.get_quota(self._coherence, tenant, actor))

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
        return self._drive(
            calls.set_quota(
                self._coherence,
                tenant,
                self._actor(actor),
                max_policies,
                max_rules,
                max_providers,
            )
        )

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
        return self._drive(
            calls.log_action(
                self._coherence, tenant, self._actor(actor), action, target_id, data, policy_id
            )
        )

    def log_actions(
        self, tenant: str, entries: Iterable[Mapping[str, Any]], *, actor: str | None = None
    ) -> int:
        """Record a batch of events ``{"action", "target_id"?, "policy_id"?, "data"?}`` in one
        statement; returns the count."""
        return self._drive(calls.log_actions(self._coherence, tenant, self._actor(actor), entries))

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
        key = calls.audit_key(tenant, self._actor(actor), policy_id, filters, limit, cursor)
        value = self._audit.peek(key, self._timer())
        if value.__class__ is AuditPage:
            return value
        return self._drive(calls.get_audit_log(self._coherence, key))

    def cleanup_old_logs(
        self,
        older_than: timedelta | str,
        *,
        actor: str | None = None,
        tenant: str | None = None,
    ) -> int:
        """Delete audit rows older than *older_than* (an interval such as ``'90 days'``);
        returns the count. The only way audit rows leave."""
        return self._drive(
            calls.cleanup_old_logs(self._coherence, older_than, self._actor(actor), tenant)
        )

    # -- DevState (the calls of beamline_store.calls on DevState's pool) --------------------

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
                write=name not in calls.DEVSTATE_READS,
                devstate_options=options,
                timeout=timeout,
            )
        except BaseException as exc:
            error = type(exc).__name__
            raise
        finally:
            self.calls.record(f"devstate.{name}", time.perf_counter() - start, error)

    def _hmac_options(self) -> str:
        return devstate_options(self.settings)

    def _devstate_rows(self, request: calls.DevState) -> list[tuple[Any, ...]]:
        """The rows of one DevState statement of a call (:mod:`beamline_store.calls`)."""
        query = queries.DEVSTATE[request.name]

        def run(conn: psycopg.Connection[Any]) -> list[tuple[Any, ...]]:
            return conn.execute(query, request.params).fetchall()

        rows: list[tuple[Any, ...]] = self._devstate(request.name, run)
        return rows

    @contextmanager
    def devstate_session(self) -> Iterator[psycopg.Connection[Any]]:
        """A DevState connection of this Store for a sequence of calls (the CLI's commands):
        application role, HMAC settings in the startup options, errors translated."""
        with self._connector.borrow(self._hmac_options()) as conn:
            yield conn

    def get_state(self, *, actor: str | None = None) -> dict[str, Any]:
        """The DevState document: ``{"json", "checksum", "updated_at", "updated_by"}``."""
        return self._drive(devstate_calls.get_state(self._actor(actor)))

    def update_state(
        self,
        patch: Any,
        *,
        actor: str | None = None,
        expected_checksum: str | None = None,
        history_entry: dict[str, Any] | None = None,
    ) -> str:
        """Merge-patch the DevState document (compare-and-set with *expected_checksum*,
        optionally appending *history_entry* in the same transaction); the new checksum."""
        return self._drive(
            devstate_calls.update_state(
                patch,
                self._actor(actor),
                expected_checksum=expected_checksum,
                history_entry=history_entry,
            )
        )

    def append_history(self, entry: dict[str, Any], *, actor: str | None = None) -> str:
        """Append a history entry; returns its hmac."""
        return self._drive(devstate_calls.append_history(entry, self._actor(actor)))

    def verify_hmac_chain(
        self, *, from_id: int | None = None, to_id: int | None = None
    ) -> dict[str, Any]:
        """Verify the whole HMAC chain (or the range *from_id*..*to_id*)."""
        return self._drive(devstate_calls.verify_hmac_chain(from_id, to_id))

    def search_history(
        self,
        filters: Mapping[str, Any] | None = None,
        limit: int = 100,
        cursor: int | None = None,
        *,
        actor: str | None = None,
    ) -> dict[str, Any]:
        """History entries matching *filters*, newest first: ``{"entries", "next_cursor"}``."""
        return self._drive(
            devstate_calls.search_history(filters, self._actor(actor), limit=limit, cursor=cursor)
        )

    def lock_state(self, scope: str, ttl_seconds: float, *, owner: str | None = None) -> str:
        """Take or renew the lease on *scope* for *owner* (default: the actor); its lock id."""
        return self._drive(devstate_calls.lock_state(scope, ttl_seconds, self._actor(owner)))

    def unlock_state(self, lock_id: str, *, owner: str | None = None) -> None:
        """Release the lease *lock_id* held by *owner* (default: the actor)."""
        self._drive(devstate_calls.unlock_state(lock_id, self._actor(owner)))

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

    def pool_check(self) -> None:
        """Discard broken idle connections (after the server restarted)."""
        self._connector.check()


def devstate_options(settings: Settings) -> str:
    """The startup options of DevState's connections: the HMAC settings (never a statement),
    retired keys from ``BEAMLINE_HMAC_PREVIOUS_KEYS``. Its own pool per distinct value."""
    from .devstate.db import hmac_options

    return hmac_options(
        settings.hmac_secret, settings.hmac_key_id, os.environ.get("BEAMLINE_HMAC_PREVIOUS_KEYS")
    )


def bootstrap_row(
    admin_conninfo: str, settings: Settings, application_name: str, tenant: str, user: str
) -> dict[str, Any]:
    """``beamline_admin.bootstrap_admin`` on a one-off connection as the owner role (blocking;
    errors translated): the row of the new grant."""
    try:
        with connect(
            admin_conninfo, settings, application_name=application_name, app_role=False
        ) as conn:
            try:
                conn.execute(queries.SET_ROLE, {"role": settings.owner_role})
            except psycopg.Error as exc:  # a login that cannot act as the owner
                raise translate(exc, connecting=True) from None
            with conn.cursor(row_factory=dict_row) as cur:
                cur.execute(queries.BOOTSTRAP_ADMIN, {"tenant": tenant, "user": user})
                row = cur.fetchone()
    except psycopg.Error as exc:
        raise translate(exc) from None
    if row is None:  # pragma: no cover - the function returns a row or raises
        raise BeamlineError("bootstrap_admin returned no row")
    return row
