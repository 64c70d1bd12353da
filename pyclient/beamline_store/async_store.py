"""``AsyncStore``: :class:`~beamline_store.store.Store` for asyncio services (issue 17).

The same methods, results, errors, caches and coherence guarantees as Store, on psycopg's async
connections and ``psycopg_pool.AsyncConnectionPool`` (:class:`~beamline_store.connection.
AsyncConnector`: the same recipe, fail-fast, deadline, retry and commit-past-deadline rules).
Nothing here is a rule of its own: every call (its statement, parameters, result shape and
cache effects) is written once in :mod:`beamline_store.calls` for both clients, which only
carry its requests (``_drive``); the state both share is :class:`~beamline_store.client.
ClientBase`; every error goes through :func:`beamline_store.errors.translate`, the caches and
their invalidation are the shared :class:`~beamline_store.coherence.Coherence` core.

Cache hits stay synchronous-fast: a hit is ``peek`` on the coherence caches (no lock, no await
on the database); a coroutine that hits returns without suspending. Misses share the caches'
single flights (:meth:`Cache.aload`).

Coherence across processes: the change listener is the synchronous
:class:`~beamline_store.listener.Listener` in its own thread (it blocks on LISTEN; a thread
keeps the event loop free) feeding the same core, which is thread-safe. Own writes are written
through before a write returns (read-your-writes), as in Store.

DevState: ``get_state``, ``update_state``, ``append_history``, ``verify_hmac_chain``,
``search_history``, ``lock_state`` and ``unlock_state`` as Store's (DevState's own async pool,
the HMAC settings in its startup options); ``export_files`` / ``import_files`` (long
multi-statement transactions of :mod:`beamline_store.devstate.files`) in a worker thread on a
one-off connection by the same recipe. Not here: Store's connection-level helpers
(``devstate_call``, ``devstate_session``). Use one AsyncStore per event loop;
``await store.aclose()`` (or ``async with``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from os import PathLike
from typing import TYPE_CHECKING, Any, TypeVar

import psycopg
from psycopg.rows import dict_row

from . import calls, queries
from .calls import POLICY_READ
from .client import ClientBase
from .config import Settings
from .connection import AsyncConnection, AsyncConnector, connect
from .devstate import calls as devstate_calls
from .errors import translate
from .models import AuditPage, Policy, PolicyPage, Quota, RoleGrant
from .store import bootstrap_row, devstate_options

if TYPE_CHECKING:
    from .devstate.files import ExportResult, ImportResult

__all__ = ["AsyncStore"]

T = TypeVar("T")
_Row = dict[str, Any]


class AsyncStore(ClientBase):
    """The asyncio beamline-store client; arguments as :class:`~beamline_store.store.Store`'s.

    Construct it anywhere; the pool opens at the first call inside the running loop.
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
        self._closed = False
        self._connector: AsyncConnector = AsyncConnector(
            self.conninfo,
            self.settings,
            application_name=self.application_name,
            probe_interval=probe_interval,
        )
        if listen:
            self.listener = self._listener(**(listener_options or {}))
            self.listener.start()

    # -- lifecycle -------------------------------------------------------------------------

    async def aclose(self) -> None:
        """Stop the listener (in a thread: it may take a poll interval) and the sweeper, close
        the pool. Idempotent."""
        if self._closed:
            return
        self._closed = True
        self._coherence.close()
        if self.listener is not None:
            await asyncio.to_thread(self.listener.stop)
        await self._connector.close()

    async def __aenter__(self) -> AsyncStore:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # -- the one place that talks to the database ------------------------------------------

    async def _drive(self, call: calls.Call[T]) -> T:
        """Carry out *call* (:mod:`beamline_store.calls`) as :meth:`Store._drive` does, awaiting
        each answer. A call that needs no answer (its result was decided without the database)
        returns without suspending."""
        answer: Any = None
        error: BaseException | None = None
        while True:
            try:
                request = call.send(answer) if error is None else call.throw(error)
            except StopIteration as stop:
                return stop.value  # type: ignore[no-any-return]
            answer = error = None
            try:
                answer = await self._answer(request)
            except BaseException as exc:  # handed to the call, which re-raises it
                error = exc

    async def _answer(self, request: calls.Request) -> Any:
        if isinstance(request, calls.DevState):  # (a Statement too: asked first)
            return await self._devstate_rows(request)
        if isinstance(request, calls.Statement):
            return await self._call(request.name, request.params)
        return await request.cache.aload(request.key, lambda: self._drive(request.load()))

    async def _call(self, name: str, params: Mapping[str, Any]) -> list[_Row]:
        query = queries.QUERIES[name]
        start = time.perf_counter()
        error: BaseException | None = None

        async def execute(conn: AsyncConnection) -> list[_Row]:
            async with conn.cursor(row_factory=dict_row) as cur:
                await cur.execute(query, params)
                return await cur.fetchall()

        try:
            return await self._connector.run(execute, write=name not in calls.READS)
        except BaseException as exc:
            error = exc
            raise
        finally:
            self.calls.record(
                name,
                time.perf_counter() - start,
                None if error is None else type(error).__name__,
            )

    # -- policies --------------------------------------------------------------------------

    def cached_policy(self, tenant: str, policy_id: str, actor: str | None = None) -> Policy | None:
        """The hit path of :meth:`get_policy`, synchronous: the cached active version when the
        actor's cached ``policy:read`` decision allows it, else None (then await get_policy)."""
        now = self._timer()
        if self._rbac.peek((tenant, actor or self._actor(actor), POLICY_READ), now) is True:
            value = self._policies.peek((tenant, policy_id), now)
            if value.__class__ is Policy:
                return value
        return None

    async def get_policy(
        self, tenant: str, policy_id: str, *, actor: str | None = None, version: int | None = None
    ) -> Policy:
        """As :meth:`Store.get_policy`; a hit returns without suspending."""
        if actor is None:
            actor = self._actor(actor)
        if version is None:
            hit = self.cached_policy(tenant, policy_id, actor)
            if hit is not None:
                return hit
            return await self._drive(calls.read_policy(self._coherence, tenant, policy_id, actor))
        return await self._drive(calls.get_policy(tenant, policy_id, actor, version))

    async def put_policy(
        self,
        tenant: str,
        policy_id: str,
        data: Mapping[str, Any] | str,
        *,
        actor: str | None = None,
        expected_version: int | None = None,
    ) -> Policy:
        """As :meth:`Store.put_policy` (compare-and-set; written through: read-your-writes)."""
        return await self._drive(
            calls.put_policy(
                self._coherence, tenant, policy_id, data, self._actor(actor), expected_version
            )
        )

    async def activate_policy(
        self, tenant: str, policy_id: str, version: int, *, actor: str | None = None
    ) -> Policy:
        return await self._drive(
            calls.activate_policy(self._coherence, tenant, policy_id, version, self._actor(actor))
        )

    async def deactivate_policy(
        self, tenant: str, policy_id: str, *, actor: str | None = None
    ) -> Policy:
        return await self._drive(
            calls.remove_policy(
                self._coherence, "DEACTIVATE_POLICY", tenant, policy_id, self._actor(actor)
            )
        )

    async def delete_policy(
        self, tenant: str, policy_id: str, *, actor: str | None = None
    ) -> Policy:
        return await self._drive(
            calls.remove_policy(
                self._coherence, "DELETE_POLICY", tenant, policy_id, self._actor(actor)
            )
        )

    async def policy_history(
        self, tenant: str, policy_id: str, *, actor: str | None = None
    ) -> list[Policy]:
        return await self._drive(calls.policy_history(tenant, policy_id, self._actor(actor)))

    async def list_policies(
        self,
        tenant: str,
        *,
        actor: str | None = None,
        filters: Mapping[str, Any] | None = None,
        limit: int = 100,
        cursor: str | None = None,
    ) -> PolicyPage:
        return await self._drive(
            calls.list_policies(tenant, self._actor(actor), filters, limit, cursor)
        )

    # -- RBAC ------------------------------------------------------------------------------

    async def check_permission(
        self, tenant: str, user: str, action: str, *, actor: str | None = None
    ) -> bool:
        """As :meth:`Store.check_permission`; a cached decision returns without suspending."""
        if actor is None or actor == user:
            value = self._rbac.peek((tenant, user, action), self._timer())
            if value is True or value is False:
                return value
        return await self._drive(
            calls.check_permission(self._coherence, tenant, user, action, actor)
        )

    async def get_user_roles(
        self, tenant: str, user: str, *, actor: str | None = None
    ) -> RoleGrant | None:
        return await self._drive(calls.get_user_roles(tenant, user, self._actor(actor)))

    async def assign_role(
        self,
        tenant: str,
        user: str,
        role: str,
        *,
        actor: str | None = None,
        permissions: Iterable[str] = (),
        expires_at: datetime | None = None,
    ) -> RoleGrant:
        return await self._drive(
            calls.assign_role(
                self._coherence, tenant, user, role, self._actor(actor), permissions, expires_at
            )
        )

    async def revoke_role(self, tenant: str, user: str, *, actor: str | None = None) -> RoleGrant:
        return await self._drive(
            calls.revoke_role(self._coherence, tenant, user, self._actor(actor))
        )

    async def bootstrap_admin(self, tenant: str, user: str) -> RoleGrant:
        """Owner-only (as :meth:`Store.bootstrap_admin`): a one-off owner connection, run in a
        worker thread (a rare administrative call, not worth a second async recipe)."""
        row = await asyncio.to_thread(
            bootstrap_row, self.admin_conninfo, self.settings, self.application_name, tenant, user
        )
        return calls.granted(self._coherence, tenant, user, row)

    # -- quotas ----------------------------------------------------------------------------

    async def get_quota(self, tenant: str, *, actor: str | None = None) -> Quota:
        actor = self._actor(actor)
        value = self._quotas.peek((tenant, actor), self._timer())
        if value.__class__ is Quota:
            return value
        return await self._drive(calls.get_quota(self._coherence, tenant, actor))

    async def set_quota(
        self,
        tenant: str,
        *,
        actor: str | None = None,
        max_policies: int | None = None,
        max_rules: int | None = None,
        max_providers: int | None = None,
    ) -> Quota:
        return await self._drive(
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

    async def log_action(
        self,
        tenant: str,
        action: str,
        target_id: str,
        *,
        actor: str | None = None,
        data: Mapping[str, Any] | None = None,
        policy_id: str | None = None,
    ) -> Any:
        return await self._drive(
            calls.log_action(
                self._coherence, tenant, self._actor(actor), action, target_id, data, policy_id
            )
        )

    async def log_actions(
        self, tenant: str, entries: Iterable[Mapping[str, Any]], *, actor: str | None = None
    ) -> int:
        return await self._drive(
            calls.log_actions(self._coherence, tenant, self._actor(actor), entries)
        )

    async def get_audit_log(
        self,
        tenant: str,
        *,
        actor: str | None = None,
        policy_id: str | None = None,
        filters: Mapping[str, Any] | None = None,
        limit: int = 100,
        cursor: str | None = None,
    ) -> AuditPage:
        key = calls.audit_key(tenant, self._actor(actor), policy_id, filters, limit, cursor)
        value = self._audit.peek(key, self._timer())
        if value.__class__ is AuditPage:
            return value
        return await self._drive(calls.get_audit_log(self._coherence, key))

    async def cleanup_old_logs(
        self, older_than: timedelta | str, *, actor: str | None = None, tenant: str | None = None
    ) -> int:
        return await self._drive(
            calls.cleanup_old_logs(self._coherence, older_than, self._actor(actor), tenant)
        )

    # -- DevState (the calls of beamline_store.calls on DevState's pool) --------------------

    async def _devstate_rows(self, request: calls.DevState) -> list[tuple[Any, ...]]:
        """The rows of one DevState statement of a call, on DevState's async pool (HMAC
        settings in the startup options, as Store's), with Store's deadline and retry rules."""
        query = queries.DEVSTATE[request.name]

        async def run(conn: AsyncConnection) -> list[tuple[Any, ...]]:
            async with conn.cursor() as cur:
                await cur.execute(query, request.params)
                return await cur.fetchall()

        start = time.perf_counter()
        error: str | None = None
        try:
            return await self._connector.run(
                run,
                write=request.write,
                devstate_options=devstate_options(self.settings),
            )
        except BaseException as exc:
            error = type(exc).__name__
            raise
        finally:
            self.calls.record(f"devstate.{request.name}", time.perf_counter() - start, error)

    async def get_state(self, *, actor: str | None = None) -> dict[str, Any]:
        """As :meth:`Store.get_state`."""
        return await self._drive(devstate_calls.get_state(self._actor(actor)))

    async def update_state(
        self,
        patch: Any,
        *,
        actor: str | None = None,
        expected_checksum: str | None = None,
        history_entry: dict[str, Any] | None = None,
    ) -> str:
        """As :meth:`Store.update_state`."""
        return await self._drive(
            devstate_calls.update_state(
                patch,
                self._actor(actor),
                expected_checksum=expected_checksum,
                history_entry=history_entry,
            )
        )

    async def append_history(self, entry: dict[str, Any], *, actor: str | None = None) -> str:
        """As :meth:`Store.append_history`."""
        return await self._drive(devstate_calls.append_history(entry, self._actor(actor)))

    async def verify_hmac_chain(
        self, *, from_id: int | None = None, to_id: int | None = None
    ) -> dict[str, Any]:
        """As :meth:`Store.verify_hmac_chain`."""
        return await self._drive(devstate_calls.verify_hmac_chain(from_id, to_id))

    async def search_history(
        self,
        filters: Mapping[str, Any] | None = None,
        limit: int = 100,
        cursor: int | None = None,
        *,
        actor: str | None = None,
    ) -> dict[str, Any]:
        """As :meth:`Store.search_history`."""
        return await self._drive(
            devstate_calls.search_history(filters, self._actor(actor), limit=limit, cursor=cursor)
        )

    async def lock_state(self, scope: str, ttl_seconds: float, *, owner: str | None = None) -> str:
        """As :meth:`Store.lock_state`."""
        return await self._drive(devstate_calls.lock_state(scope, ttl_seconds, self._actor(owner)))

    async def unlock_state(self, lock_id: str, *, owner: str | None = None) -> None:
        """As :meth:`Store.unlock_state`."""
        await self._drive(devstate_calls.unlock_state(lock_id, self._actor(owner)))

    async def export_files(
        self, directory: str | PathLike[str], *, actor: str | None = None
    ) -> ExportResult:
        """As :meth:`Store.export_files` (one long read-only transaction: in a worker thread
        on a one-off DevState connection by the recipe, no deadline)."""
        from .devstate import files

        return await asyncio.to_thread(
            self._on_devstate_connection, files.export_files, directory, self._actor(actor)
        )

    async def import_files(
        self, directory: str | PathLike[str], *, actor: str | None = None
    ) -> ImportResult:
        """As :meth:`Store.import_files` (all or nothing; a worker thread as export_files)."""
        from .devstate import files

        return await asyncio.to_thread(
            self._on_devstate_connection, files.import_files, directory, self._actor(actor)
        )

    def _on_devstate_connection(self, function: Callable[..., T], *args: Any) -> T:
        start = time.perf_counter()
        error: str | None = None
        try:
            with connect(
                self.conninfo,
                self.settings,
                application_name=self.application_name,
                options=devstate_options(self.settings) or None,
                secrets=[self.settings.hmac_secret],  # masked in any connection error
            ) as conn:
                try:
                    return function(conn, *args)
                except psycopg.Error as exc:
                    raise translate(exc, write=True) from None
        except BaseException as exc:
            error = type(exc).__name__
            raise
        finally:
            self.calls.record(f"devstate.{function.__name__}", time.perf_counter() - start, error)
