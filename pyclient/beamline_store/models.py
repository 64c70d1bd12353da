"""Typed results of the SQL API: frozen dataclasses built from the functions' rows.

Every value is immutable, because the cache hands the same object to every caller. JSON columns
are kept as the JSON *text* PostgreSQL sent (compact: 100,000 cached 0.5 KB policies stay far
below their parsed size) and parsed on access: ``policy.data`` is a **fresh** ``dict`` on every
access, owned by the caller, who may mutate it without affecting anybody else. Read
``policy.data_json`` for the text itself.

Columns a function returns beyond the fields named here land in ``extra`` (a read-only mapping),
so a new column in the SQL API never breaks the client.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from types import MappingProxyType
from typing import Any, TypeVar

__all__ = [
    "AuditEntry",
    "AuditPage",
    "Change",
    "ChangeBatch",
    "Policy",
    "PolicyPage",
    "Quota",
    "RoleGrant",
    "from_row",
]

_EMPTY: Mapping[str, Any] = MappingProxyType({})

T = TypeVar("T")


def _loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _as_json_text(value: Any) -> str | None:
    """JSON columns arrive as text (the store's loader); anything else is dumped."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def from_row(cls: type[T], row: Mapping[str, Any]) -> T:
    """Build *cls* from a dict row: known fields by name, the rest into ``extra``.

    Fields whose name ends in ``_json`` take the column without the suffix, as JSON text.
    """
    names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    kwargs: dict[str, Any] = {}
    used: set[str] = set()
    for name in names:
        if name == "extra":
            continue
        if name.endswith("_json"):
            column = name[: -len("_json")]
            if column in row:
                kwargs[name] = _as_json_text(row[column])
                used.add(column)
        elif name in row:
            value = row[name]
            kwargs[name] = (
                sys.intern(value) if isinstance(value, str) and len(value) < 64 else value
            )
            used.add(name)
    rest = {k: v for k, v in row.items() if k not in used}
    if "extra" in names and rest:
        kwargs["extra"] = MappingProxyType(rest)
    return cls(**kwargs)


@dataclass(frozen=True, slots=True)
class Policy:
    """One version of a policy (a row of ``beamline.policies``)."""

    tenant_id: str
    policy_id: str
    version: int
    is_active: bool
    data_json: str
    created_at: datetime | None = None
    updated_at: datetime | None = None
    created_by: str | None = None
    updated_by: str | None = None
    id: Any = None
    extra: Mapping[str, Any] = field(default_factory=lambda: _EMPTY, compare=False)

    @property
    def data(self) -> dict[str, Any]:
        """The document, parsed afresh for this caller (mutating it changes nothing else)."""
        value: dict[str, Any] = json.loads(self.data_json)
        return value

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (CLI ``--json``, MCP)."""
        return {
            "tenant_id": self.tenant_id,
            "policy_id": self.policy_id,
            "version": self.version,
            "is_active": self.is_active,
            "data": self.data,
            "created_at": _iso(self.created_at),
            "updated_at": _iso(self.updated_at),
            "created_by": self.created_by,
            "updated_by": self.updated_by,
        }


@dataclass(frozen=True, slots=True)
class PolicyPage:
    """A page of ``list_policies``; pass ``next_cursor`` to get the next page (None: last)."""

    items: tuple[Policy, ...]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class RoleGrant:
    """A user's grant in a tenant (``get_user_roles``, ``assign_role``, ``revoke_role``)."""

    tenant_id: str
    user_id: str
    role: str
    permissions_json: str = "[]"
    effective_permissions: tuple[str, ...] | None = None
    granted_by: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    expires_at: datetime | None = None
    is_expired: bool | None = None
    extra: Mapping[str, Any] = field(default_factory=lambda: _EMPTY, compare=False)

    def __post_init__(self) -> None:
        if isinstance(self.effective_permissions, list):
            object.__setattr__(self, "effective_permissions", tuple(self.effective_permissions))

    @property
    def permissions(self) -> list[str]:
        """The explicit extra permissions (a fresh list)."""
        value: list[str] = json.loads(self.permissions_json)
        return value

    def to_dict(self) -> dict[str, Any]:
        return {
            "tenant_id": self.tenant_id,
            "user_id": self.user_id,
            "role": self.role,
            "permissions": self.permissions,
            "effective_permissions": list(self.effective_permissions or ()),
            "granted_by": self.granted_by,
            "expires_at": _iso(self.expires_at),
            "is_expired": self.is_expired,
        }


@dataclass(frozen=True, slots=True)
class Quota:
    """A tenant's limits (and usage, where ``get_quota`` reports it, in ``extra``)."""

    tenant_id: str
    max_policies: int
    max_rules_per_policy: int
    max_providers_per_policy: int
    extra: Mapping[str, Any] = field(default_factory=lambda: _EMPTY, compare=False)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "tenant_id": self.tenant_id,
            "max_policies": self.max_policies,
            "max_rules_per_policy": self.max_rules_per_policy,
            "max_providers_per_policy": self.max_providers_per_policy,
        }
        out.update({k: _jsonable(v) for k, v in self.extra.items()})
        return out


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One audit row (``get_audit_log``)."""

    id: Any
    tenant_id: str
    action: str
    actor: str
    timestamp: datetime
    target_type: str | None = None
    policy_id: str | None = None
    target_id: str | None = None
    old_data_json: str | None = None
    new_data_json: str | None = None
    metadata_json: str | None = None
    cursor: str | None = None
    extra: Mapping[str, Any] = field(default_factory=lambda: _EMPTY, compare=False)

    @property
    def old_data(self) -> Any:
        return _loads(self.old_data_json)

    @property
    def new_data(self) -> Any:
        return _loads(self.new_data_json)

    @property
    def metadata(self) -> Any:
        return _loads(self.metadata_json)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "timestamp": _iso(self.timestamp),
            "tenant_id": self.tenant_id,
            "target_type": self.target_type,
            "policy_id": self.policy_id,
            "target_id": self.target_id,
            "action": self.action,
            "actor": self.actor,
            "old_data": self.old_data,
            "new_data": self.new_data,
            "metadata": self.metadata,
        }


@dataclass(frozen=True, slots=True)
class AuditPage:
    """A page of ``get_audit_log`` (newest first); ``next_cursor`` None on the last page."""

    entries: tuple[AuditEntry, ...]
    next_cursor: str | None


# The kinds of change the change log records (docs/CACHE_COHERENCE.md). A wake-up payload of
# another kind is not ours: any role may NOTIFY the channel.
CHANGE_KINDS = frozenset({"policy", "role", "quota"})


@dataclass(frozen=True, slots=True)
class Change:
    """One row of ``beamline.changes_since``: what changed, never the document."""

    kind: str
    tenant_id: str
    object_id: str
    id: int | None = None
    op: str | None = None
    version: int | None = None
    xid: int | None = None
    extra: Mapping[str, Any] = field(default_factory=lambda: _EMPTY, compare=False)


@dataclass(frozen=True, slots=True)
class ChangeBatch:
    """Changes after a watermark, the new watermark, and whether the log still held everything
    (``complete`` False: the watermark is older than the pruned horizon, so flush)."""

    changes: tuple[Change, ...]
    watermark: Any
    complete: bool = True


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value
