"""Where the database is: ``DATABASE_URL`` when set, else the embedded cluster
of ``BEAMLINE_HOME``."""

from __future__ import annotations

import psycopg

from .config import Settings
from .embedded import Cluster
from .errors import ConfigurationError, DatabaseUnavailable
from .secrets import mask_text

__all__ = ["cluster_for", "connect_admin", "resolve_dsn"]


def cluster_for(settings: Settings) -> Cluster:
    """The embedded cluster described by *settings* (refuses when ``DATABASE_URL`` is set)."""
    if settings.database_url:
        raise ConfigurationError(
            "DATABASE_URL is set, so beamline uses that server: unset it to manage the "
            "embedded database"
        )
    return Cluster(settings.home, port=settings.port, server_user=settings.server_user)


def resolve_dsn(settings: Settings) -> str:
    """The connection string to use; raises a one-line error when there is nothing to reach."""
    if settings.database_url:
        try:
            psycopg.conninfo.conninfo_to_dict(settings.database_url)
        except psycopg.ProgrammingError:
            # Neither the value nor libpq's reason is shown: both can quote the password.
            raise ConfigurationError(
                "DATABASE_URL is not a valid libpq connection string or URL "
                "(postgresql://user:password@host:port/dbname); its value is not shown"
            ) from None
        return settings.database_url
    cluster = Cluster(settings.home, port=settings.port, server_user=settings.server_user)
    if not cluster.status().running:
        raise DatabaseUnavailable(
            f"the embedded database in {cluster.home} is not running: run `beamline db start` "
            "(or `make run`), or set DATABASE_URL"
        )
    return cluster.url()


def connect_admin(dsn: str, *, timeout: float = 5.0) -> psycopg.Connection[tuple[object, ...]]:
    """An autocommit connection for administrative work, with a one-line masked error."""
    try:
        return psycopg.connect(dsn, autocommit=True, connect_timeout=max(1, int(timeout)))
    except psycopg.Error as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise DatabaseUnavailable(
            mask_text(f"cannot connect to {dsn}: {reason}", [_password_of(dsn)])
        ) from None


def _password_of(dsn: str) -> str | None:
    try:
        return psycopg.conninfo.conninfo_to_dict(dsn).get("password")  # type: ignore[return-value]
    except psycopg.ProgrammingError:
        return None
