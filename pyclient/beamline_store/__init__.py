"""beamline-store: a PostgreSQL-centric policy store with a thin, cached Python client.

The public face: :class:`Store` (the client), :class:`Settings` / :func:`load_settings`
(configuration) and the exception classes of :mod:`beamline_store.errors`. ``Store`` is imported
on first use, so ``import beamline_store`` stays light (the CLI imports what it needs).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .config import Settings, load_settings
from .errors import (
    BeamlineError,
    ConfigurationError,
    DatabaseUnavailable,
    NotFound,
    PermissionDenied,
    ReadOnlyDatabase,
    VersionConflict,
    WriteOutcomeUnknown,
)

if TYPE_CHECKING:
    from .store import Store

__all__ = [
    "BeamlineError",
    "ConfigurationError",
    "DatabaseUnavailable",
    "NotFound",
    "PermissionDenied",
    "ReadOnlyDatabase",
    "Settings",
    "Store",
    "VersionConflict",
    "WriteOutcomeUnknown",
    "__version__",
    "load_settings",
]

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    if name == "Store":
        from .store import Store

        return Store
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
