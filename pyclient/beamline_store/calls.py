"""Every API call of the client, written once for :class:`~beamline_store.store.Store` and
:class:`~beamline_store.async_store.AsyncStore` (issue 17): its parameters, its statement, the
shape of its result and what it changes in the coherence core.

A call is a generator (the sans-I/O style psycopg itself uses to share one protocol between its
sync and async connections, ``psycopg/generators.py``). It yields a request for each step that
needs the database and receives the answer (or has the step's error thrown into it, so ``with``
blocks such as :meth:`Coherence.writing` see it), then returns the call's result:

=====================  =======================================================================
request                the client's answer
=====================  =======================================================================
:class:`Statement`     the rows (dicts) of query *name* of :mod:`beamline_store.queries`, run
                       through the client's connector (deadline, retry, translation)
:class:`DevState`      the rows (tuples) of DevState query *name* on DevState's connections
                       (the HMAC settings in their startup options); DevState's calls are in
                       :mod:`beamline_store.devstate.calls`
:class:`Cached`        the value of *key* in *cache*: a fresh entry, else the result of the
                       call *load* makes, under the cache's single flight (``load`` /
                       ``aload``)
=====================  =======================================================================

The clients only carry requests (``Store._drive`` blocks, ``AsyncStore._drive`` awaits); no
call's parameters or rows are spelled out there. The lock-free hit path (``peek``) stays in the
clients' methods: a hit builds no generator and, in AsyncStore, never suspends.

No database code, no I/O: the generators are plain Python (tests can feed them rows).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Generator, Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from psycopg.types.json import Jsonb

from .cache import Cache
from .coherence import Coherence
from .errors import BeamlineError
from .models import AuditEntry, AuditPage, Policy, PolicyPage, Quota, RoleGrant, from_row

__all__ = [
    "POLICY_READ",
    "READS",
    "Cached",
    "Call",
    "DevState",
    "Statement",
]

T = TypeVar("T")
V = TypeVar("V")
Row = dict[str, Any]

POLICY_READ = "policy:read"

# Queries that only read: safe to retry on another connection when one turns out broken.
READS = frozenset(
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

# DevState calls that only read (a lost connection cannot leave a write half-known): queries
# of :data:`beamline_store.queries.DEVSTATE` and the file export.
DEVSTATE_READS = frozenset({"get_state", "verify_hmac_chain", "search_history", "export_files"})


@dataclass(frozen=True, slots=True)
class Statement:
    """Run query *name* of :data:`beamline_store.queries.QUERIES` with *params*."""

    name: str
    params: Mapping[str, Any]

    @property
    def write(self) -> bool:
        return self.name not in READS


@dataclass(frozen=True, slots=True)
class DevState(Statement):
    """Run DevState query *name* of :data:`beamline_store.queries.DEVSTATE` with *params* on
    a DevState connection (its calls: :mod:`beamline_store.devstate.calls`)."""

    @property
    def write(self) -> bool:
        return self.name not in DEVSTATE_READS


@dataclass(frozen=True, slots=True)
class Cached(Generic[V]):
    """The value of *key* in *cache*, loaded (single flight) by the call ``load()`` returns,
    which gives ``(value, ttl)`` (ttl None: the cache's own)."""

    cache: Cache[Any, V]
    key: Hashable
    load: Callable[[], Call[tuple[V, float | None]]]


Request = Statement | Cached[Any]  # a DevState is a Statement
Call = Generator[Request, Any, T]
"""A call: yields requests, receives their answers, returns the result."""


def _one(rows: list[Row], name: str) -> Row:
    if not rows:  # pragma: no cover - every API function returns a row or raises
        raise BeamlineError(f"{name.lower()} returned no row")
    return rows[0]


def _row(name: str, params: Mapping[str, Any]) -> Call[Row]:
    return _one((yield Statement(name, params)), name)


def _jsonb(value: Any) -> Jsonb | None:
    if value is None:
        return None
    if isinstance(value, str | bytes):
        value = json.loads(value)
    return Jsonb(value)


def _policy_args(
    tenant: str, policy_id: str, actor: str, version: int | None = None
) -> dict[str, Any]:
    return {"tenant": tenant, "policy_id": policy_id, "actor": actor, "version": version}


# -- policies --------------------------------------------------------------------------------


def get_policy(tenant: str, policy_id: str, actor: str, version: int | None = None) -> Call[Policy]:
    """One version (the active one when *version* is None), uncached."""
    row = yield from _row("GET_POLICY", _policy_args(tenant, policy_id, actor, version))
    return from_row(Policy, row)


def _policy_for_cache(tenant: str, policy_id: str, actor: str) -> Call[tuple[Policy, None]]:
    return (yield from get_policy(tenant, policy_id, actor)), None


def read_policy(co: Coherence, tenant: str, policy_id: str, actor: str) -> Call[Policy]:
    """A ``get_policy`` miss: the actor's ``policy:read`` decision (cached), then the policy
    through the cache. A denied or unknown decision goes to the database, which raises its own
    PermissionDenied (with detail); nothing is cached then."""
    if not (yield from check_permission(co, tenant, actor, POLICY_READ)):
        return (yield from get_policy(tenant, policy_id, actor))
    policy: Policy = yield Cached(
        co.policies, (tenant, policy_id), lambda: _policy_for_cache(tenant, policy_id, actor)
    )
    return policy


def put_policy(
    co: Coherence,
    tenant: str,
    policy_id: str,
    data: Mapping[str, Any] | str,
    actor: str,
    expected_version: int | None,
) -> Call[Policy]:
    """Write a new active version, written through to the cache (read-your-writes); the write's
    xid is remembered so its own signal is skipped. A write that raises evicts the key."""
    with co.writing((tenant, policy_id)):
        generation = co.policies.generation()
        history = co.history
        row = yield from _row(
            "PUT_POLICY",
            {
                "tenant": tenant,
                "policy_id": policy_id,
                "data": _jsonb(data),
                "actor": actor,
                "expected_version": expected_version,
            },
        )
        co.own_write(int(row.pop("write_xid")), history)
        policy = from_row(Policy, row)
        co.policy_written(policy, generation)
        return policy


def activate_policy(
    co: Coherence, tenant: str, policy_id: str, version: int, actor: str
) -> Call[Policy]:
    generation = co.policies.generation()
    params = {**_policy_args(tenant, policy_id, actor), "version": version}
    policy = from_row(Policy, (yield from _row("ACTIVATE_POLICY", params)))
    co.policy_written(policy, generation)
    return policy


def remove_policy(
    co: Coherence, name: str, tenant: str, policy_id: str, actor: str
) -> Call[Policy]:
    """``DEACTIVATE_POLICY`` or ``DELETE_POLICY``: the version affected; the key is evicted."""
    row = yield from _row(name, _policy_args(tenant, policy_id, actor))
    co.invalidate_policy(tenant, policy_id)
    return from_row(Policy, row)


def policy_history(tenant: str, policy_id: str, actor: str) -> Call[list[Policy]]:
    rows = yield Statement("POLICY_HISTORY", _policy_args(tenant, policy_id, actor))
    return [from_row(Policy, r) for r in rows]


def list_policies(
    tenant: str, actor: str, filters: Mapping[str, Any] | None, limit: int, cursor: str | None
) -> Call[PolicyPage]:
    rows = yield Statement(
        "LIST_POLICIES",
        {
            "tenant": tenant,
            "actor": actor,
            "filters": _jsonb(filters or {}),
            "limit": limit,
            "cursor": cursor,
        },
    )
    items = tuple(from_row(Policy, r) for r in rows)
    # Every row carries its own position as next_cursor; a short page is the last one.
    next_cursor = rows[-1].get("next_cursor") if rows and len(rows) >= limit else None
    return PolicyPage(items, next_cursor)


# -- RBAC ------------------------------------------------------------------------------------


def _decision(tenant: str, user: str, action: str) -> Call[tuple[bool, float | None]]:
    row = yield from _row("PERMISSION_DECISION", {"tenant": tenant, "user": user, "action": action})
    valid_for = row.get("valid_for")
    return bool(row["allowed"]), None if valid_for is None else max(0.0, valid_for)


def check_permission(
    co: Coherence, tenant: str, user: str, action: str, actor: str | None = None
) -> Call[bool]:
    """Asked as *user* itself: the decision through the rbac cache, never beyond the grant's
    expiry. Asked by another *actor*: needs rbac:manage (the database's rule), not cached."""
    if actor is not None and actor != user:
        row = yield from _row(
            "CHECK_PERMISSION", {"tenant": tenant, "user": user, "action": action, "actor": actor}
        )
        return bool(row["allowed"])
    key = (tenant, user, action)
    allowed = co.rbac.get(key)  # the lock-free hit first (a get_policy miss asks it every time)
    if allowed is not True and allowed is not False:
        allowed = yield Cached(co.rbac, key, lambda: _decision(tenant, user, action))
    return bool(allowed)


def get_user_roles(tenant: str, user: str, actor: str) -> Call[RoleGrant | None]:
    rows = yield Statement("GET_USER_ROLES", {"tenant": tenant, "user": user, "actor": actor})
    return from_row(RoleGrant, rows[0]) if rows else None


def assign_role(
    co: Coherence,
    tenant: str,
    user: str,
    role: str,
    actor: str,
    permissions: Iterable[str],
    expires_at: datetime | None,
) -> Call[RoleGrant]:
    row = yield from _row(
        "ASSIGN_ROLE",
        {
            "tenant": tenant,
            "user": user,
            "role": role,
            "actor": actor,
            "permissions": Jsonb(list(permissions)),
            "expires_at": expires_at,
        },
    )
    return granted(co, tenant, user, row)


def revoke_role(co: Coherence, tenant: str, user: str, actor: str) -> Call[RoleGrant]:
    row = yield from _row("REVOKE_ROLE", {"tenant": tenant, "user": user, "actor": actor})
    return granted(co, tenant, user, row)


def granted(co: Coherence, tenant: str, user: str, row: Row) -> RoleGrant:
    """After a grant of *user* changed (assign, revoke, bootstrap): evict what it decided."""
    co.invalidate_grant(tenant, user)
    return from_row(RoleGrant, row)


# -- quotas ----------------------------------------------------------------------------------


def _quota_for_cache(tenant: str, actor: str) -> Call[tuple[Quota, None]]:
    row = yield from _row("GET_QUOTA", {"tenant": tenant, "actor": actor})
    return from_row(Quota, row), None


def get_quota(co: Coherence, tenant: str, actor: str) -> Call[Quota]:
    """The tenant's limits, cached per (tenant, actor) (a miss: the hit is the client's peek)."""
    quota: Quota = yield Cached(co.quotas, (tenant, actor), lambda: _quota_for_cache(tenant, actor))
    return quota


def set_quota(
    co: Coherence,
    tenant: str,
    actor: str,
    max_policies: int | None,
    max_rules: int | None,
    max_providers: int | None,
) -> Call[Quota]:
    row = yield from _row(
        "SET_QUOTA",
        {
            "tenant": tenant,
            "actor": actor,
            "max_policies": max_policies,
            "max_rules": max_rules,
            "max_providers": max_providers,
        },
    )
    co.invalidate_quota(tenant)
    return from_row(Quota, row)


# -- audit -----------------------------------------------------------------------------------


def log_action(
    co: Coherence,
    tenant: str,
    actor: str,
    action: str,
    target_id: str,
    data: Mapping[str, Any] | None,
    policy_id: str | None,
) -> Call[Any]:
    row = yield from _row(
        "LOG_ACTION",
        {
            "tenant": tenant,
            "actor": actor,
            "action": action,
            "target_id": target_id,
            "data": Jsonb(dict(data or {})),
            "policy_id": policy_id,
        },
    )
    co.audit.invalidate(tenant)
    return row["id"]


def log_actions(
    co: Coherence, tenant: str, actor: str, entries: Iterable[Mapping[str, Any]]
) -> Call[int]:
    params = {"tenant": tenant, "actor": actor, "entries": Jsonb([dict(e) for e in entries])}
    row = yield from _row("LOG_ACTIONS", params)
    co.audit.invalidate(tenant)
    return int(row["count"])


AuditKey = tuple[str, str, str | None, str, int, str | None]


def audit_key(
    tenant: str,
    actor: str,
    policy_id: str | None,
    filters: Mapping[str, Any] | None,
    limit: int,
    cursor: str | None,
) -> AuditKey:
    """The audit cache's key: the whole query (filters as canonical JSON text)."""
    filters_text = json.dumps(dict(filters or {}), sort_keys=True, default=str)
    return (tenant, actor, policy_id, filters_text, limit, cursor)


def _audit_page(key: AuditKey) -> Call[tuple[AuditPage, None]]:
    tenant, actor, policy_id, filters_text, limit, cursor = key
    rows = yield Statement(
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


def get_audit_log(co: Coherence, key: AuditKey) -> Call[AuditPage]:
    """A page of audit rows for :func:`audit_key`, through the audit cache (until the tenant
    changes in any way this process learns of)."""
    page: AuditPage = yield Cached(co.audit, key, lambda: _audit_page(key))
    return page


def cleanup_old_logs(
    co: Coherence, older_than: timedelta | str, actor: str, tenant: str | None
) -> Call[int]:
    interval = older_than if isinstance(older_than, str) else f"{older_than.total_seconds()} s"
    row = yield from _row(
        "CLEANUP_OLD_LOGS", {"older_than": interval, "actor": actor, "tenant": tenant}
    )
    if tenant is None:
        co.audit.clear()
    else:
        co.audit.invalidate(tenant)
    return int(row["count"])
