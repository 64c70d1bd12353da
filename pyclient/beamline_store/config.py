"""Configuration: environment variables, then an optional YAML file, then defaults.

Precedence (highest first): explicit keyword arguments, ``BEAMLINE_*`` / ``DATABASE_URL``
environment variables, the YAML file (``BEAMLINE_CONFIG`` or ``config/beamline_store.yaml``),
built-in defaults. Every key is documented in ``docs/CONFIG.md``.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import yaml

__all__ = ["Settings", "load_settings", "sql_root"]

DEFAULT_CONFIG_FILE = Path("config/beamline_store.yaml")


@dataclass(frozen=True)
class Settings:
    """Resolved configuration. Durations are seconds, sizes are bytes."""

    database_url: str | None = field(default=None, repr=False)  # may hold a password
    listen_url: str | None = field(default=None, repr=False)  # the listener's direct URL
    home: Path = Path(".beamline")
    port: int | None = None
    server_user: str | None = None
    owner_role: str = "beamline_owner"
    app_role: str = "beamline_app"
    readonly_role: str = "beamline_readonly"
    login_role: str = "beamline_client"
    actor: str | None = None
    hmac_secret: str | None = field(default=None, repr=False)
    hmac_key_id: str = "k1"
    pool_min_size: int = 1
    pool_max_size: int = 8
    pool_timeout: float = 5.0
    connect_timeout: float = 5.0
    call_timeout: float = 4.0
    ttl_policies: float = 600.0
    ttl_rbac: float = 300.0
    ttl_quotas: float = 900.0
    ttl_audit: float = 1800.0
    ttl_negative: float = 5.0
    sweep_interval: float = 30.0
    max_cache_entries: int = 200_000
    max_cache_size: int = 512 * 1024 * 1024
    serve_stale_for: float = 300.0
    poll_interval: float = 30.0
    metrics: bool = True
    slow_query_threshold: float = 0.1


# environment variable -> field name; parsed with the field's type
_ENV = {
    "DATABASE_URL": "database_url",
    "BEAMLINE_LISTEN_URL": "listen_url",
    "BEAMLINE_LOGIN_ROLE": "login_role",
    "BEAMLINE_CALL_TIMEOUT": "call_timeout",
    "BEAMLINE_HOME": "home",
    "BEAMLINE_PORT": "port",
    "BEAMLINE_SERVER_USER": "server_user",
    "BEAMLINE_OWNER_ROLE": "owner_role",
    "BEAMLINE_APP_ROLE": "app_role",
    "BEAMLINE_READONLY_ROLE": "readonly_role",
    "BEAMLINE_ACTOR": "actor",
    "BEAMLINE_HMAC_SECRET": "hmac_secret",
    "BEAMLINE_HMAC_KEY_ID": "hmac_key_id",
    "BEAMLINE_POOL_MIN_SIZE": "pool_min_size",
    "BEAMLINE_POOL_MAX_SIZE": "pool_max_size",
    "BEAMLINE_POOL_TIMEOUT": "pool_timeout",
    "BEAMLINE_CONNECT_TIMEOUT": "connect_timeout",
    "BEAMLINE_TTL_POLICIES": "ttl_policies",
    "BEAMLINE_TTL_RBAC": "ttl_rbac",
    "BEAMLINE_TTL_QUOTAS": "ttl_quotas",
    "BEAMLINE_TTL_AUDIT": "ttl_audit",
    "BEAMLINE_TTL_NEGATIVE": "ttl_negative",
    "BEAMLINE_SWEEP_INTERVAL": "sweep_interval",
    "BEAMLINE_MAX_CACHE_ENTRIES": "max_cache_entries",
    "BEAMLINE_MAX_CACHE_SIZE": "max_cache_size",
    "BEAMLINE_SERVE_STALE_FOR": "serve_stale_for",
    "BEAMLINE_POLL_INTERVAL": "poll_interval",
    "BEAMLINE_METRICS": "metrics",
    "BEAMLINE_SLOW_QUERY_THRESHOLD": "slow_query_threshold",
}

# YAML keys of the brief (config/beamline_store.yaml) -> field name
_YAML = {
    "pool.size": "pool_max_size",
    "pool.min_size": "pool_min_size",
    "pool.overflow": None,  # psycopg_pool grows to max_size; overflow is folded into pool.size
    "pool.timeout": "pool_timeout",
    "cache.ttl.policies": "ttl_policies",
    "cache.ttl.rbac": "ttl_rbac",
    "cache.ttl.quotas": "ttl_quotas",
    "cache.ttl.audit": "ttl_audit",
    "cache.ttl.negative": "ttl_negative",
    "cache.sweep_interval": "sweep_interval",
    "cache.max_size": "max_cache_size",
    "cache.max_entries": "max_cache_entries",
    "cache.serve_stale_for": "serve_stale_for",
    "cache.poll_interval": "poll_interval",
    "metrics.enabled": "metrics",
    "metrics.slow_query_threshold": "slow_query_threshold",
    "database.url": "database_url",
    "database.listen_url": "listen_url",
    "database.call_timeout": "call_timeout",
    "roles.login": "login_role",
    "database.home": "home",
    "database.port": "port",
    "roles.owner": "owner_role",
    "roles.app": "app_role",
    "roles.readonly": "readonly_role",
    "actor": "actor",
}


class ConfigError(ValueError):
    """A configuration value could not be understood."""


# Numbers that must be > 0 (everything else numeric must be >= 0).
_POSITIVE = {
    "port", "pool_max_size", "pool_timeout", "connect_timeout", "call_timeout", "ttl_policies",
    "ttl_rbac", "ttl_quotas", "ttl_audit", "ttl_negative", "sweep_interval", "max_cache_entries",
    "max_cache_size", "poll_interval",
}  # fmt: skip


def _convert(name: str, raw: Any) -> Any:
    """*raw* (an environment string or a YAML value) as the type of field *name*; ConfigError
    for anything that is not a sensible value of that type."""
    kind = str({f.name: f.type for f in fields(Settings)}[name])

    def bad(reason: str) -> ConfigError:
        shown = "[MASKED]" if name in {"database_url", "listen_url", "hmac_secret"} else repr(raw)
        return ConfigError(f"configuration value for {name} {reason}: {shown}")

    if raw is None or raw == "":
        if "None" in kind:
            return None
        raise bad("needs a value")
    if isinstance(raw, list | dict):
        raise bad("must be a single value")
    if "Path" in kind:
        return Path(str(raw)).expanduser()
    if "bool" in kind:
        if isinstance(raw, bool):
            return raw
        return str(raw).strip().lower() in {"1", "true", "yes", "on"}
    if "int" in kind or "float" in kind:
        if isinstance(raw, bool):
            raise bad("must be a number")
        try:
            number = float(raw)
        except ValueError:
            raise bad("must be a number") from None
        if not math.isfinite(number):
            raise bad("must be finite")
        if number < 0 or (name in _POSITIVE and number == 0):
            raise bad("must be positive" if name in _POSITIVE else "must not be negative")
        if "int" in kind:
            if number != int(number):
                raise bad("must be a whole number")
            return int(number)
        return number
    return str(raw)


def _flatten(prefix: str, value: Any, out: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for key, sub in value.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), sub, out)
    else:
        out[prefix] = value


def _from_yaml(path: Path) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from exc
    if not isinstance(loaded, dict):
        raise ConfigError(f"config file {path} must hold a mapping")
    flat: dict[str, Any] = {}
    _flatten("", loaded.get("beamline_store", loaded), flat)
    values: dict[str, Any] = {}
    for key, raw in flat.items():
        if key not in _YAML:
            raise ConfigError(f"unknown key {key!r} in config file {path}")
        target = _YAML[key]
        if target is not None:
            values[target] = _convert(target, raw)
    return values


def load_settings(
    environ: dict[str, str] | None = None, config_file: Path | None = None, **overrides: Any
) -> Settings:
    """Resolve settings from *environ* (default ``os.environ``), a YAML file and *overrides*."""
    env = dict(os.environ if environ is None else environ)
    values: dict[str, Any] = {}
    path = config_file or (Path(env["BEAMLINE_CONFIG"]) if env.get("BEAMLINE_CONFIG") else None)
    if path is None and DEFAULT_CONFIG_FILE.is_file():
        path = DEFAULT_CONFIG_FILE
    if path is not None:
        values.update(_from_yaml(path))
    for var, name in _ENV.items():
        if var in env and env[var] != "":
            values[name] = _convert(name, env[var])
    values.update({k: v for k, v in overrides.items() if v is not None})
    return replace(Settings(), **values)


def sql_root() -> Path:
    """Directory holding ``sql/``, ``migrations/`` and ``docs/*.schema.json``.

    A wheel carries them as ``beamline_store/_sql``; a source checkout has them at the top level.
    """
    packaged = Path(__file__).resolve().parent / "_sql"
    if (packaged / "migrations").is_dir():
        return packaged
    return Path(__file__).resolve().parents[2]
