"""DevState's calls (schema ``devstate``, docs/DEVSTATE_MCP.md), written once for the
connection functions of :mod:`.db`, :class:`~beamline_store.store.Store` and
:class:`~beamline_store.async_store.AsyncStore`: each yields one
:class:`~beamline_store.calls.DevState` request (the query's name and parameters) and shapes
the answer. JSON parameters travel as canonical JSON (the HMAC's message form). No I/O here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from psycopg.types.json import Jsonb

from ..calls import Call, DevState
from .canonical import canonical_json

__all__ = [
    "append_history",
    "get_state",
    "lock_state",
    "search_history",
    "unlock_state",
    "update_state",
    "verify_hmac_chain",
]


def canonical(value: Any) -> Jsonb | None:
    """A JSON parameter as canonical JSON (None stays SQL null)."""
    return None if value is None else Jsonb(value, dumps=canonical_json)


def _value(name: str, params: Mapping[str, Any]) -> Call[Any]:
    """The one value a DevState function returns."""
    rows = yield DevState(name, params)
    return None if not rows else rows[0][0]


def get_state(actor: str) -> Call[dict[str, Any]]:
    """``{"json", "checksum", "updated_at", "updated_by"}`` (needs state:read)."""
    result: dict[str, Any] = yield from _value("get_state", {"actor": actor})
    return result


def update_state(
    patch: Any,
    actor: str,
    *,
    expected_checksum: str | None = None,
    history_entry: dict[str, Any] | None = None,
) -> Call[str]:
    """Merge-patch the state; the new checksum (BL005 on a stale *expected_checksum*)."""
    params = {
        "patch": canonical(patch),
        "actor": actor,
        "expected_checksum": expected_checksum,
        "entry": canonical(history_entry),
    }
    return str((yield from _value("update_state", params)))


def append_history(entry: dict[str, Any], actor: str) -> Call[str]:
    """Append ``{action, cp_from?, cp_to?, state_checksum?, metadata?}``; its hmac."""
    return str((yield from _value("append_history", {"entry": canonical(entry), "actor": actor})))


def verify_hmac_chain(from_id: int | None = None, to_id: int | None = None) -> Call[dict[str, Any]]:
    """``{"ok": true, ...}`` or the first bad ``{"ok": false, "id", "reason", ...}``."""
    result: dict[str, Any] = yield from _value(
        "verify_hmac_chain", {"from_id": from_id, "to_id": to_id}
    )
    return result


def search_history(
    filters: Mapping[str, Any] | None, actor: str, *, limit: int = 100, cursor: int | None = None
) -> Call[dict[str, Any]]:
    """``{"entries": [...], "next_cursor": id | None}``, newest first."""
    params = {
        "filters": canonical(dict(filters or {})),
        "actor": actor,
        "limit": limit,
        "cursor": cursor,
    }
    result: dict[str, Any] = yield from _value("search_history", params)
    return result


def lock_state(scope: str, ttl_seconds: float, owner: str) -> Call[str]:
    """Take or renew the lease on *scope*; the lock id (BL006 when held by another)."""
    params = {"scope": scope, "ttl": timedelta(seconds=ttl_seconds), "owner": owner}
    return str((yield from _value("lock_state", params)))


def unlock_state(lock_id: str, owner: str) -> Call[None]:
    """Release the lease *lock_id* (BL002 unknown, BL006 someone else's)."""
    yield from _value("unlock_state", {"lock_id": lock_id, "owner": owner})
