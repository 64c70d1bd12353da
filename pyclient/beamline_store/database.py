"""Where the database is: ``DATABASE_URL`` when set, else the embedded cluster of
``BEAMLINE_HOME`` — for application work as the dedicated login role (``beamline_client``,
a member of the application role only), for administration as the cluster's superuser."""

from __future__ import annotations

import psycopg

from .config import Settings
from .connection import connect_admin
from .embedded import Cluster
from .errors import ConfigurationError, DatabaseUnavailable

__all__ = ["cluster_for", "connect_admin", "resolve_admin_dsn", "resolve_dsn"]


def cluster_for(settings: Settings) -> Cluster:
    """The embedded cluster described by *settings* (refuses when ``DATABASE_URL`` is set)."""
    if settings.database_url:
        raise ConfigurationError(
            "DATABASE_URL is set, so beamline uses that server: unset it to manage the "
            "embedded database"
        )
    return Cluster(settings.home, port=settings.port, server_user=settings.server_user)


def resolve_dsn(settings: Settings) -> str:
    """The connection string for application work; a one-line error when there is nothing to
    reach. On the embedded cluster: the dedicated login role (created by ``beamline migrate``)."""
    return _resolve(settings, admin=False)


def resolve_admin_dsn(settings: Settings) -> str:
    """The connection string for administration (migrate, bootstrap): ``DATABASE_URL``, or the
    embedded cluster's superuser."""
    return _resolve(settings, admin=True)


def _resolve(settings: Settings, *, admin: bool) -> str:
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
    return cluster.url() if admin else cluster.url(user=settings.login_role)
