"""Exceptions: one class per documented SQLSTATE (docs/ERRORS.md), plus client-side failures.

The database raises ``BLnnn`` codes with a message, a detail (often JSON) and a hint.
:func:`from_database_error` maps a psycopg error to the registered class, keeping all three.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

import psycopg

__all__ = [
    "AlreadyExists",
    "AppendOnly",
    "BadInput",
    "BeamlineError",
    "ChainBroken",
    "ConfigurationError",
    "DatabaseUnavailable",
    "ImmutableRow",
    "InvalidSchema",
    "LimitExceeded",
    "LockConflict",
    "MigrationFailed",
    "NotFound",
    "PermissionDenied",
    "QuotaExceeded",
    "SecretMissing",
    "ValidationBudgetExceeded",
    "ValidationFailed",
    "VersionConflict",
    "from_database_error",
    "lookup",
]

_REGISTRY: dict[str, type[BeamlineError]] = {}


class BeamlineError(Exception):
    """Base of every error this package raises. ``exit_code`` is the CLI's exit status."""

    sqlstate: ClassVar[str | None] = None
    exit_code: ClassVar[int] = 1

    def __init__(self, message: str, *, detail: str | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.detail = detail
        self.hint = hint

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
    """PostgreSQL could not be reached (or stopped answering) within the configured timeout."""

    exit_code = 21


def lookup(sqlstate: str) -> type[BeamlineError] | None:
    """The class registered for *sqlstate*, or None."""
    return _REGISTRY.get(sqlstate)


def from_database_error(exc: psycopg.Error) -> BeamlineError | None:
    """Translate a psycopg error carrying a ``BLnnn`` SQLSTATE; None for anything else."""
    diag = exc.diag
    cls = lookup(diag.sqlstate or "")
    if cls is None:
        return None
    return cls(
        diag.message_primary or str(exc),
        detail=diag.message_detail,
        hint=diag.message_hint,
    )
