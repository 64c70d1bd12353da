"""Exceptions: one class per documented SQLSTATE (docs/ERRORS.md), plus client-side failures.

The database raises ``BLnnn`` codes with a message, a detail (often JSON) and a hint.
:func:`translate` is the one translator of driver errors, used by the Store, the CLI and the MCP
server alike (psycopg's own registry idea: a class per SQLSTATE, a generic fallback keeping the
code):

* a registered SQLSTATE (every ``BLnnn`` of docs/ERRORS.md, and ``25006``) -> its class;
* an unknown SQLSTATE (a ``BLnnn`` of a newer server, any other server error) -> a plain
  :class:`BeamlineError` whose ``sqlstate`` is the code;
* a refusal while connecting (authentication, unknown role or database, permission) ->
  :class:`ConfigurationError` with the server's message, at once (retrying cannot help);
* a lost or unreachable connection -> :class:`DatabaseUnavailable`, or
  :class:`WriteOutcomeUnknown` when a write had been sent (it may have committed).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any, ClassVar

import psycopg

from .secrets import mask_text

__all__ = [
    "AlreadyExists",
    "AppendOnly",
    "BackupFailed",
    "BackupInvalid",
    "BadInput",
    "BeamlineError",
    "ChainBroken",
    "ConfigurationError",
    "DatabaseUnavailable",
    "ImmutableRow",
    "InvalidSchema",
    "KeyRejected",
    "LimitExceeded",
    "LockConflict",
    "MigrationFailed",
    "NotFound",
    "PermissionDenied",
    "QuotaExceeded",
    "ReadOnlyDatabase",
    "RestoreRefused",
    "SecretMissing",
    "ValidationBudgetExceeded",
    "ValidationFailed",
    "VersionConflict",
    "WriteOutcomeUnknown",
    "connection_lost",
    "from_database_error",
    "lookup",
    "translate",
]

_REGISTRY: dict[str, type[BeamlineError]] = {}


class BeamlineError(Exception):
    """Base of every error this package raises. ``exit_code`` is the CLI's exit status."""

    # The class's SQLSTATE (registered); an instance of the generic class carries the code the
    # server sent (an unknown BLnnn of a newer server, or any other SQLSTATE).
    sqlstate: str | None = None
    exit_code: ClassVar[int] = 1

    def __init__(
        self,
        message: str,
        *,
        detail: str | None = None,
        hint: str | None = None,
        sqlstate: str | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.detail = detail
        self.hint = hint
        if sqlstate is not None:
            self.sqlstate = sqlstate

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        code = cls.__dict__.get("sqlstate")
        if code:
            if code in _REGISTRY:
                raise TypeError(f"SQLSTATE {code} registered twice")
            _REGISTRY[code] = cls

    @property
    def detail_json(self) -> Any:
        """The detail parsed as JSON, or the raw string when it is not JSON."""
        if self.detail is None:
            return None
        try:
            return json.loads(self.detail)
        except ValueError:
            return self.detail

    def one_line(self) -> str:
        """``ClassName: message (detail)`` on a single line, for CLI and log output."""
        text = f"{type(self).__name__}: {self.message}"
        if self.detail:
            text += f" ({self.detail})"
        return " ".join(text.split())


class PermissionDenied(BeamlineError):
    sqlstate = "BL001"
    exit_code = 3


class NotFound(BeamlineError):
    sqlstate = "BL002"
    exit_code = 4


class QuotaExceeded(BeamlineError):
    sqlstate = "BL003"
    exit_code = 5


class ValidationFailed(BeamlineError):
    """Detail is the JSON list of ``{"path", "keyword", "message"}`` errors."""

    sqlstate = "BL004"
    exit_code = 6


class VersionConflict(BeamlineError):
    sqlstate = "BL005"
    exit_code = 7


class LockConflict(BeamlineError):
    sqlstate = "BL006"
    exit_code = 8


class BadInput(BeamlineError):
    sqlstate = "BL007"
    exit_code = 2


class ChainBroken(BeamlineError):
    sqlstate = "BL008"
    exit_code = 9


class LimitExceeded(BeamlineError):
    sqlstate = "BL009"
    exit_code = 6


class InvalidSchema(BeamlineError):
    sqlstate = "BL010"
    exit_code = 6


class AppendOnly(BeamlineError):
    """An UPDATE/DELETE/TRUNCATE on an append-only table (audit log, history, versions)."""

    sqlstate = "BL011"
    exit_code = 10


ImmutableRow = AppendOnly


class SecretMissing(BeamlineError):
    sqlstate = "BL012"
    exit_code = 11


class AlreadyExists(BeamlineError):
    sqlstate = "BL013"
    exit_code = 12


class KeyRejected(BeamlineError):
    """The session's DevState HMAC key is not the one registered for its key id (or the id is
    unregistered or retired): nothing was written."""

    sqlstate = "BL025"
    exit_code = 26


class ValidationBudgetExceeded(BeamlineError):
    """JSON Schema validation needed more work than its per-call budget (docs/VALIDATION.md,
    "Work budget"); nothing was written."""

    sqlstate = "BL040"
    exit_code = 6


class ConfigurationError(BeamlineError):
    """Bad local configuration (environment, config file, state directory, binaries)."""

    exit_code = 20


class MigrationFailed(BeamlineError):
    """A migration or a stored-logic file failed to apply; nothing of that step was committed."""

    exit_code = 22


class DatabaseUnavailable(BeamlineError):
    """PostgreSQL could not be reached (or stopped answering) within the configured timeout.
    Nothing was written: the call never reached the server, or its transaction rolled back."""

    exit_code = 21


class WriteOutcomeUnknown(DatabaseUnavailable):
    """The connection was lost after a write had been sent: it may or may not have committed.

    Resolve by reading the object again; a retry with ``expected_version`` (policies) or
    ``expected_checksum`` (DevState) is safe either way (docs/ERRORS.md)."""

    exit_code = 27


class ReadOnlyDatabase(DatabaseUnavailable):
    """A write reached a read-only server (a hot standby, or ``default_transaction_read_only``).

    The client drops its pooled connections so the next call connects anew (with
    ``target_session_attrs=read-write`` that finds the primary)."""

    sqlstate = "25006"
    exit_code = 21


class BackupFailed(BeamlineError):
    """pg_dump / pg_restore (or creating roles for a restore) failed; the message names why."""

    exit_code = 23


class BackupInvalid(BeamlineError):
    """A backup does not match its manifest (missing, truncated or changed file, bad signature,
    rows or functions that differ after restoring); the message names the first problem."""

    exit_code = 24


class RestoreRefused(BeamlineError):
    """The restore target is not empty and --force was not given; nothing was changed."""

    exit_code = 25


def lookup(sqlstate: str) -> type[BeamlineError] | None:
    """The class registered for *sqlstate*, or None."""
    return _REGISTRY.get(sqlstate)


_HINTS = {
    "25006": "connected to a read-only server (a standby?): add target_session_attrs=read-write "
    "to the connection string so the client finds the primary",
}

# SQLSTATEs with which a server refuses a connection for good (class 28 invalid authorization,
# 3D000 unknown database, 42501 insufficient privilege, 42704 unknown role in a setting).
_REFUSALS = ("28", "3D000", "42501", "42704")
# Without a SQLSTATE (libpq reports some refusals as text only): the server's words.
_REFUSAL_TEXT = re.compile(
    r'password authentication failed|role "[^"]*" does not exist|database "[^"]*" does not '
    r"exist|permission denied|no pg_hba\.conf entry|not permitted to log in",
    re.IGNORECASE,
)


def connection_lost(exc: BaseException) -> bool:
    """True for a failure of the connection itself (no SQLSTATE, class 08, a server shutdown
    57P01-57P03), as opposed to an error the server answered with."""
    if not isinstance(exc, psycopg.Error):
        return False
    state = exc.sqlstate or ""
    return state == "" or state.startswith("08") or state in {"57P01", "57P02", "57P03"}


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def from_database_error(exc: psycopg.Error) -> BeamlineError | None:
    """The registered class for the error's SQLSTATE, keeping message, detail and hint; None for
    an unregistered code (:func:`translate` handles every case)."""
    diag = exc.diag
    cls = lookup(diag.sqlstate or "")
    if cls is None:
        return None
    return cls(
        diag.message_primary or str(exc),
        detail=diag.message_detail,
        hint=diag.message_hint or _HINTS.get(diag.sqlstate or ""),
    )


def translate(
    exc: BaseException,
    *,
    write: bool = False,
    connecting: bool = False,
    deadline: float | None = None,
    secrets: Iterable[str | None] = (),
) -> BaseException:
    """The exception to raise instead of *exc* (the one translator of driver errors).

    *write*: the failed call was a write already sent to the server, so a lost connection
    means its outcome is unknown. *connecting*: *exc* came from opening a connection, so a
    server refusal is a configuration error. *deadline*: the call's deadline (seconds) fired
    before the failure. Messages are masked (*secrets*, URL passwords). Anything that is not a
    psycopg error comes back unchanged.
    """
    if isinstance(exc, BeamlineError) or not isinstance(exc, psycopg.Error):
        return exc
    known = list(secrets)
    state = exc.sqlstate or ""
    text = mask_text(_one_line(exc), known)
    if connecting and (state.startswith(_REFUSALS) or (not state and _REFUSAL_TEXT.search(text))):
        return ConfigurationError(
            f"PostgreSQL refused the connection: {text}",
            hint="Check the login role, its password and its membership of the application "
            "role (docs/CONFIG.md, 'Roles and logins').",
            sqlstate=state or None,
        )
    if deadline is not None and (state == "57014" or connection_lost(exc)):
        message = f"no answer from PostgreSQL within the call deadline of {deadline:g} s"
        hint = "Check the server (beamline db status); BEAMLINE_CALL_TIMEOUT sets the deadline."
        if write and state != "57014":  # cancelled statements rolled back; a cut one may not
            return WriteOutcomeUnknown(
                message + "; the write may have committed: read it again", hint=hint
            )
        return DatabaseUnavailable(message, hint=hint)
    if connecting and not connection_lost(exc):
        # Any other failure to open a connection (too many clients 53300, ...): unavailable.
        return DatabaseUnavailable(f"cannot connect to PostgreSQL: {text}", sqlstate=state or None)
    if connection_lost(exc):
        if write:
            return WriteOutcomeUnknown(
                f"lost the database connection after the write was sent, so it may or may not "
                f"have committed: {text}",
                hint="Read the object again; a retry with expected_version is safe either way.",
            )
        if connecting:
            return DatabaseUnavailable(f"cannot connect to PostgreSQL: {text}")
        return DatabaseUnavailable(f"lost the database connection: {text}")
    mapped = from_database_error(exc)
    if mapped is not None:
        mapped.message = mask_text(mapped.message, known)
        return mapped
    diag = exc.diag
    return BeamlineError(
        mask_text(diag.message_primary or text, known),
        detail=diag.message_detail,
        hint=diag.message_hint,
        sqlstate=state or None,
    )
