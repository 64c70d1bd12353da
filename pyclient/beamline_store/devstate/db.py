"""Thin calls of the DevState SQL API (schema ``devstate``), shared by the CLI, the Store and
the MCP server. Every function takes a psycopg connection and runs one statement from
:data:`QUERIES` (the SQL text lives only there); ``BLnnn`` errors become the exception classes
of :mod:`beamline_store.errors`.

The HMAC secret never travels in a statement (statements and their parameters are logged):
:func:`connect` puts it in the connection's startup options (``-c beamline.hmac_secret=...``),
which the server does not log, and masks it in every error.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import psycopg

from ..calls import Call, DevState
from ..config import load_settings
from ..connection import connect as connect_by_recipe
from ..errors import translate
from ..queries import DEVSTATE
from . import calls

__all__ = [
    "QUERIES",
    "Connection",
    "append_history",
    "connect",
    "export_entries",
    "export_snapshot",
    "get_state",
    "hmac_options",
    "import_begin",
    "import_entries",
    "lock_state",
    "register_hmac_key",
    "search_history",
    "unlock_state",
    "update_state",
    "verify_hmac_chain",
    "wrap_errors",
]

Connection = psycopg.Connection[Any]

QUERIES = DEVSTATE  # the SQL lives in beamline_store.queries
T = TypeVar("T")


_jsonb = calls.canonical


@contextmanager
def wrap_errors(secrets: list[str | None] | None = None) -> Iterator[None]:
    """Translate psycopg errors (:func:`beamline_store.errors.translate`), masking *secrets*."""
    try:
        yield
    except psycopg.Error as exc:
        raise translate(exc, secrets=secrets or ()) from None


def _one(conn: Connection, name: str, params: dict[str, Any]) -> Any:
    with wrap_errors():
        row = conn.execute(QUERIES[name], params).fetchone()
    return None if row is None else row[0]


def _run(conn: Connection, call: Call[T]) -> T:
    """Carry out a call of :mod:`.calls` (its parameters and result are written there once, for
    this module, Store and AsyncStore) on *conn*, errors translated."""
    with wrap_errors():
        try:
            request = next(call)
            while True:
                assert isinstance(request, DevState), request
                request = call.send(conn.execute(QUERIES[request.name], request.params).fetchall())
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]


def _escape_option(value: str) -> str:
    # libpq splits `options` on whitespace; a backslash escapes the next character.
    return "".join("\\" + c if c.isspace() or c == "\\" else c for c in value)


def hmac_options(
    secret: str | None, key_id: str | None = None, previous_keys: str | None = None
) -> str:
    """The ``options`` startup parameter carrying the HMAC settings (empty without a secret)."""
    parts = []
    for name, value in (
        ("beamline.hmac_secret", secret),
        ("beamline.hmac_key_id", key_id),
        ("beamline.hmac_previous_keys", previous_keys),
    ):
        if value:
            parts.append(f"-c {name}={_escape_option(value)}")
    return " ".join(parts)


def connect(
    dsn: str,
    *,
    secret: str | None = None,
    key_id: str | None = None,
    previous_keys: str | None = None,
    autocommit: bool = True,
    timeout: float = 5.0,
    role: str | None = None,
) -> Connection:
    """Connect as the URL's login (no role switch: a tool for tests and scripts; the CLI and the
    MCP server go through :class:`~beamline_store.store.Store` as the application role) with the
    HMAC settings in the startup options (never in a statement), by the package's recipe.

    *secret* defaults to ``BEAMLINE_HMAC_SECRET``, *key_id* to ``BEAMLINE_HMAC_KEY_ID``,
    *previous_keys* (``key_id:secret;...``, retired keys for verification) to
    ``BEAMLINE_HMAC_PREVIOUS_KEYS``. *role*, if given, is set for the session (``-c role=``;
    the owner role for :func:`register_hmac_key`). Errors are one line with every secret masked.
    """
    secret = secret if secret is not None else os.environ.get("BEAMLINE_HMAC_SECRET")
    key_id = key_id if key_id is not None else os.environ.get("BEAMLINE_HMAC_KEY_ID")
    if previous_keys is None:
        previous_keys = os.environ.get("BEAMLINE_HMAC_PREVIOUS_KEYS")
    extra = hmac_options(secret, key_id, previous_keys)
    if role:
        # Only for owner-only calls (register-key): the application role never uses options.
        extra = f"-c role={_escape_option(role)} {extra}".strip()
    known = [secret, previous_keys, *(previous_keys or "").replace(":", ";").split(";")]
    conn: Connection = connect_by_recipe(
        dsn,
        load_settings(connect_timeout=timeout),
        application_name="beamline-devstate",
        autocommit=autocommit,
        app_role=False,
        options=extra or None,
        secrets=known,
    )
    return conn


def register_hmac_key(conn: Connection) -> dict[str, Any]:
    """Owner only: register the connection's HMAC key id by its fingerprint (appends and
    imports under an unregistered or mismatching key are KeyRejected, BL025). Returns
    ``{"key_id", "registered"}``; ``registered`` is false when it was registered already."""
    result: dict[str, Any] = _one(conn, "register_hmac_key", {})
    return result


def get_state(conn: Connection, actor: str) -> dict[str, Any]:
    """``{"json", "checksum", "updated_at", "updated_by"}`` (needs state:read)."""
    return _run(conn, calls.get_state(actor))


def update_state(
    conn: Connection,
    patch: Any,
    actor: str,
    *,
    expected_checksum: str | None = None,
    history_entry: dict[str, Any] | None = None,
) -> str:
    """Merge-patch the state; returns the new checksum (BL005 on a stale *expected_checksum*)."""
    call = calls.update_state(
        patch, actor, expected_checksum=expected_checksum, history_entry=history_entry
    )
    return _run(conn, call)


def append_history(conn: Connection, entry: dict[str, Any], actor: str) -> str:
    """Append ``{action, cp_from?, cp_to?, state_checksum?, metadata?}``; returns its hmac."""
    return _run(conn, calls.append_history(entry, actor))


def verify_hmac_chain(
    conn: Connection, from_id: int | None = None, to_id: int | None = None
) -> dict[str, Any]:
    """``{"ok": true, ...}`` or the first bad ``{"ok": false, "id", "reason", ...}``."""
    return _run(conn, calls.verify_hmac_chain(from_id, to_id))


def search_history(
    conn: Connection,
    filters: dict[str, Any] | None,
    actor: str,
    *,
    limit: int = 100,
    cursor: int | None = None,
) -> dict[str, Any]:
    """``{"entries": [...], "next_cursor": id | None}``, newest first."""
    return _run(conn, calls.search_history(filters, actor, limit=limit, cursor=cursor))


def lock_state(conn: Connection, scope: str, ttl_seconds: float, owner: str) -> str:
    """Take or renew the lease on *scope*; returns the lock id (BL006 when held by another)."""
    return _run(conn, calls.lock_state(scope, ttl_seconds, owner))


def unlock_state(conn: Connection, lock_id: str, owner: str) -> None:
    """Release the lease *lock_id* (BL002 unknown, BL006 someone else's)."""
    _run(conn, calls.unlock_state(lock_id, owner))


def export_snapshot(conn: Connection, actor: str) -> dict[str, Any]:
    """``{"state": canonical text, "checksum", "count", "head", "last_id"}``."""
    result: dict[str, Any] = _one(conn, "export_snapshot", {"actor": actor})
    return result


def export_entries(
    conn: Connection, actor: str, after: int, limit: int = 10_000
) -> list[tuple[int, str]]:
    """Up to *limit* ``(id, line)`` pairs after id *after*, in id order."""
    with wrap_errors():
        rows = conn.execute(
            QUERIES["export_entries"], {"actor": actor, "after": after, "limit": limit}
        ).fetchall()
    return [(int(r[0]), str(r[1])) for r in rows]


def import_begin(conn: Connection, state: Any, checksum: str, actor: str) -> None:
    """Start an import into an empty DevState (BL013 otherwise); same transaction as the rest."""
    _one(conn, "import_begin", {"state": _jsonb(state), "checksum": checksum, "actor": actor})


def import_entries(conn: Connection, entries_json: str, actor: str) -> int:
    """Load a batch of entries given as the JSON text of an array of history.json objects."""
    result: int = _one(conn, "import_entries", {"entries": entries_json, "actor": actor})
    return result
