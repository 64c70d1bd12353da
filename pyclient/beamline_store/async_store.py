"""``AsyncStore``: :class:`~beamline_store.store.Store` for asyncio services (issue 17).

The same methods, results, errors, caches and coherence guarantees as Store, on psycopg's async
connections and ``psycopg_pool.AsyncConnectionPool`` (:class:`~beamline_store.connection.
AsyncConnector`: the same recipe, fail-fast, deadline and retry rules). Nothing here is a rule
of its own: every statement is one of :mod:`beamline_store.queries`, every error goes through
:func:`beamline_store.errors.translate`, the caches and their invalidation are the shared
:class:`~beamline_store.coherence.Coherence` core.

Cache hits stay synchronous-fast: a hit is ``peek`` on the coherence caches (no lock, no await
on the database); a coroutine that hits returns without suspending. Misses share the caches'
single flights (:meth:`Cache.aload`).

Coherence across processes: the change listener is the synchronous
:class:`~beamline_store.listener.Listener` in its own thread (it blocks on LISTEN; a thread
keeps the event loop free) feeding the same core, which is thread-safe. Own writes are written
through before a write returns (read-your-writes), as in Store.

Not in AsyncStore: the DevState calls (use Store; DevState is a developer tool, not a router
hot path). Use one AsyncStore per event loop; ``await store.aclose()`` (or ``async with``).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from . import queries
from .coherence import Coherence
from .config import Settings, load_settings
from .connection import AsyncConnection, AsyncConnector, connect
from .database import resolve_admin_dsn, resolve_dsn
from .errors import BeamlineError, ConfigurationError, translate
from .listener import Listener
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
from .store import _READS, POLICY_READ, _jsonb, _policy_args

__all__ = ["AsyncStore"]

_Row = dict[str, Any]


class AsyncStore:
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
        self.settings = settings = settings or load_settings()
        self.application_name = application_name or "beamline-store"
        self.actor = actor or settings.actor
        self.conninfo = conninfo or resolve_dsn(settings)
        self.admin_conninfo = admin_conninfo or conninfo or resolve_admin_dsn(settings)
        self._timer = timer
        self._coherence = coherence = Coherence(settings, timer=timer, sweeper=sweeper)
        self._policies = coherence.policies
        self._rbac = coherence.rbac
        self._quotas = coherence.quotas
        self._audit = coherence.audit
        self.caches = coherence.caches
        self.calls = CallStats(
            slow_threshold=settings.slow_query_threshold, enabled=settings.metrics
        )
        self._closed = False
        self._connector = AsyncConnector(
            self.conninfo,
            settings,
            application_name=self.application_name,
            probe_interval=probe_interval,
        )
        self.listener: Listener | None = None
        if listen:
            url = listen_conninfo or settings.listen_url or self.conninfo
            self.listener = Listener(
                connect=lambda: connect(url, settings, application_name="beamline-store-listener"),
                apply_changes=self.apply_changes,
                flush=self.flush,
                # a failover / restore / PITR: flush and forget own-write xids (issue 13)
                on_new_history=self._coherence.new_history,
                on_reconnect=self._connector.check,
                poll_interval=settings.poll_interval,
                call_timeout=settings.call_timeout,
                **(listener_options or {}),
            )
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

    def _actor(self, actor: str | None) -> str:
        value = actor or self.actor
        if not value:
            raise ConfigurationError(
                "no actor: pass actor=..., set BEAMLINE_ACTOR, or AsyncStore(actor=...)"
            )
        return value

    # -- the one place that talks to the database ------------------------------------------

    async def _call(self, name: str, params: Mapping[str, Any]) -> list[_Row]:
        query = queries.QUERIES[name]
        start = time.perf_counter()
        error: BaseException | None = None

        async def execute(conn: AsyncConnection) -> list[_Row]:
            async with conn.cursor(row_factory=dict_row) as cur:
                await cur.execute(query, params)
                return await cur.fetchall()

        try:
            return await self._connector.run(execute, write=name not in _READS)
        except BaseException as exc:
            error = exc
            raise
        finally:
            self.calls.record(
                name,
                time.perf_counter() - start,
                None if error is None else type(error).__name__,
            )

    async def _one(self, name: str, params: Mapping[str, Any]) -> _Row:
        rows = await self._call(name, params)
        if not rows:  # pragma: no cover - every API function returns a row or raises
            raise BeamlineError(f"{name.lower()} returned no row")
        return rows[0]

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
            if not await self.check_permission(tenant, actor, POLICY_READ):
                row = await self._one("GET_POLICY", _policy_args(tenant, policy_id, actor))
                return from_row(Policy, row)

            async def load() -> tuple[Policy, float | None]:
                row = await self._one("GET_POLICY", _policy_args(tenant, policy_id, actor))
                return from_row(Policy, row), None

            return await self._policies.aload((tenant, policy_id), load)
        row = await self._one("GET_POLICY", _policy_args(tenant, policy_id, actor, version))
        return from_row(Policy, row)

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
        with self._coherence.writing((tenant, policy_id)):
            generation = self._policies.generation()
            row = await self._one(
                "PUT_POLICY",
                {
                    "tenant": tenant,
                    "policy_id": policy_id,
                    "data": _jsonb(data),
                    "actor": self._actor(actor),
                    "expected_version": expected_version,
                },
            )
            self._coherence.own_write(int(row.pop("write_xid")))
            policy = from_row(Policy, row)
            self._coherence.policy_written(policy, generation)
            return policy

    async def activate_policy(
        self, tenant: str, policy_id: str, version: int, *, actor: str | None = None
    ) -> Policy:
        generation = self._policies.generation()
        params = {**_policy_args(tenant, policy_id, self._actor(actor)), "version": version}
        policy = from_row(Policy, await self._one("ACTIVATE_POLICY", params))
        self._coherence.policy_written(policy, generation)
        return policy

    async def deactivate_policy(
        self, tenant: str, policy_id: str, *, actor: str | None = None
    ) -> Policy:
        args = _policy_args(tenant, policy_id, self._actor(actor))
        row = await self._one("DEACTIVATE_POLICY", args)
        self._coherence.invalidate_policy(tenant, policy_id)
        return from_row(Policy, row)

    async def delete_policy(
        self, tenant: str, policy_id: str, *, actor: str | None = None
    ) -> Policy:
        row = await self._one("DELETE_POLICY", _policy_args(tenant, policy_id, self._actor(actor)))
        self._coherence.invalidate_policy(tenant, policy_id)
        return from_row(Policy, row)

    async def policy_history(
        self, tenant: str, policy_id: str, *, actor: str | None = None
    ) -> list[Policy]:
        args = _policy_args(tenant, policy_id, self._actor(actor))
        return [from_row(Policy, r) for r in await self._call("POLICY_HISTORY", args)]

    async def list_policies(
        self,
        tenant: str,
        *,
        actor: str | None = None,
        filters: Mapping[str, Any] | None = None,
        limit: int = 100,
        cursor: str | None = None,
    ) -> PolicyPage:
        rows = await self._call(
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
        next_cursor = rows[-1].get("next_cursor") if rows and len(rows) >= limit else None
        return PolicyPage(items, next_cursor)

    # -- RBAC ------------------------------------------------------------------------------

    async def check_permission(
        self, tenant: str, user: str, action: str, *, actor: str | None = None
    ) -> bool:
        """As :meth:`Store.check_permission`; a cached decision returns without suspending."""
        if actor is not None and actor != user:
            row = await self._one(
                "CHECK_PERMISSION",
                {"tenant": tenant, "user": user, "action": action, "actor": actor},
            )
            return bool(row["allowed"])
        key = (tenant, user, action)
        value = self._rbac.peek(key, self._timer())
        if value is True or value is False:
            return value

        async def load() -> tuple[bool, float | None]:
            row = await self._one(
                "PERMISSION_DECISION", {"tenant": tenant, "user": user, "action": action}
            )
            valid_for = row.get("valid_for")
            return bool(row["allowed"]), None if valid_for is None else max(0.0, valid_for)

        return bool(await self._rbac.aload(key, load))

    async def get_user_roles(
        self, tenant: str, user: str, *, actor: str | None = None
    ) -> RoleGrant | None:
        rows = await self._call(
            "GET_USER_ROLES", {"tenant": tenant, "user": user, "actor": self._actor(actor)}
        )
        return from_row(RoleGrant, rows[0]) if rows else None

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
        row = await self._one(
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

    async def revoke_role(self, tenant: str, user: str, *, actor: str | None = None) -> RoleGrant:
        row = await self._one(
            "REVOKE_ROLE", {"tenant": tenant, "user": user, "actor": self._actor(actor)}
        )
        self._coherence.invalidate_grant(tenant, user)
        return from_row(RoleGrant, row)

    async def bootstrap_admin(self, tenant: str, user: str) -> RoleGrant:
        """Owner-only (as :meth:`Store.bootstrap_admin`): a one-off owner connection, run in a
        worker thread (a rare administrative call, not worth a second async recipe)."""
        row = await asyncio.to_thread(self._bootstrap, tenant, user)
        self._coherence.invalidate_grant(tenant, user)
        return from_row(RoleGrant, row)

    def _bootstrap(self, tenant: str, user: str) -> _Row:
        try:
            with connect(
                self.admin_conninfo,
                self.settings,
                application_name=self.application_name,
                app_role=False,
            ) as conn:
                try:
                    conn.execute(queries.SET_ROLE, {"role": self.settings.owner_role})
                except psycopg.Error as exc:
                    raise translate(exc, connecting=True) from None
                with conn.cursor(row_factory=dict_row) as cur:
                    cur.execute(queries.BOOTSTRAP_ADMIN, {"tenant": tenant, "user": user})
                    row = cur.fetchone()
        except psycopg.Error as exc:
            raise translate(exc) from None
        assert row is not None
        return row

    # -- quotas ----------------------------------------------------------------------------

    async def get_quota(self, tenant: str, *, actor: str | None = None) -> Quota:
        actor = self._actor(actor)
        key = (tenant, actor)
        value = self._quotas.peek(key, self._timer())
        if value.__class__ is Quota:
            return value

        async def load() -> tuple[Quota, float | None]:
            row = await self._one("GET_QUOTA", {"tenant": tenant, "actor": actor})
            return from_row(Quota, row), None

        return await self._quotas.aload(key, load)

    async def set_quota(
        self,
        tenant: str,
        *,
        actor: str | None = None,
        max_policies: int | None = None,
        max_rules: int | None = None,
        max_providers: int | None = None,
    ) -> Quota:
        row = await self._one(
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
        row = await self._one(
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

    async def log_actions(
        self, tenant: str, entries: Iterable[Mapping[str, Any]], *, actor: str | None = None
    ) -> int:
        row = await self._one(
            "LOG_ACTIONS",
            {
                "tenant": tenant,
                "actor": self._actor(actor),
                "entries": Jsonb([dict(e) for e in entries]),
            },
        )
        self._audit.invalidate(tenant)
        return int(row["count"])

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
        actor = self._actor(actor)
        filters_text = json.dumps(dict(filters or {}), sort_keys=True, default=str)
        key = (tenant, actor, policy_id, filters_text, limit, cursor)
        value = self._audit.peek(key, self._timer())
        if value.__class__ is AuditPage:
            return value

        async def load() -> tuple[AuditPage, float | None]:
            rows = await self._call(
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

        return await self._audit.aload(key, load)

    async def cleanup_old_logs(
        self, older_than: timedelta | str, *, actor: str | None = None, tenant: str | None = None
    ) -> int:
        interval = older_than if isinstance(older_than, str) else f"{older_than.total_seconds()} s"
        row = await self._one(
            "CLEANUP_OLD_LOGS",
            {"older_than": interval, "actor": self._actor(actor), "tenant": tenant},
        )
        if tenant is None:
            self._audit.clear()
        else:
            self._audit.invalidate(tenant)
        return int(row["count"])

    # -- coherence (called by the listener's thread) ---------------------------------------

    def apply_changes(self, changes: Iterable[Change]) -> int:
        return self._coherence.apply_changes(changes)

    def flush(self) -> None:
        self._coherence.flush()

    # -- statistics ------------------------------------------------------------------------

    @property
    def degraded(self) -> bool:
        """True while PostgreSQL is known unreachable (cached reads keep answering)."""
        return self._connector.down_since is not None

    def stats(self) -> dict[str, Any]:
        """As :meth:`Store.stats`."""
        down = self._connector.down_since
        return {
            "caches": self._coherence.counters(),
            "listener": self.listener.state() if self.listener is not None else {"state": "off"},
            "db": self.calls.snapshot(),
            "pool": self._connector.pool_stats(),
            "degraded": down is not None,
            "unreachable_for_s": None if down is None else time.monotonic() - down,
        }

    def prometheus(self) -> str:
        return render_prometheus(self.stats())
