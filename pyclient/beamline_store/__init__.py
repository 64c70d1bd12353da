"""beamline-store: a PostgreSQL-centric policy store with a thin, cached Python client."""

from __future__ import annotations

from .config import Settings, load_settings

__all__ = ["Settings", "__version__", "load_settings"]

__version__ = "0.1.0"
