"""``beamline db start|stop|status|url|psql``: the embedded default database (SPEC §2)."""

from __future__ import annotations

import json
import os
import shutil

import click

from ..config import Settings
from ..connection import assume_app_role
from ..database import cluster_for, connect_admin
from ..embedded import ClusterStatus
from ..errors import ConfigurationError
from ..secrets import mask_url

__all__ = ["commands"]


def _describe(status: ClusterStatus, as_json: bool) -> str:
    if as_json:
        return json.dumps(
            {
                "running": status.running,
                "initialized": status.initialized,
                "home": str(status.home),
                "port": status.port,
                "pid": status.pid,
                "url": status.url,
            },
            sort_keys=True,
        )
    if not status.initialized:
        return f"not initialised (state directory {status.home})"
    state = f"running (pid {status.pid})" if status.running else "stopped"
    lines = [f"embedded database: {state}", f"  home: {status.home}", f"  port: {status.port}"]
    if status.url:
        lines.append(f"  url:  {status.url}")
    return "\n".join(lines)


@click.group("db")
def db() -> None:
    """Manage the embedded database (or report on DATABASE_URL)."""


@db.command()
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@click.pass_obj
def start(settings: Settings, as_json: bool) -> None:
    """Initialise (first time) and start the embedded database; no-op when running."""
    status = cluster_for(settings).start()
    click.echo(_describe(status, as_json))


@db.command()
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@click.pass_obj
def stop(settings: Settings, as_json: bool) -> None:
    """Stop the embedded database (fast shutdown); no-op when stopped."""
    status = cluster_for(settings).stop()
    click.echo(_describe(status, as_json))


@db.command()
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@click.pass_obj
def status(settings: Settings, as_json: bool) -> None:
    """Show whether the database runs and how to reach it. Exit 0 running, 1 stopped."""
    if settings.database_url:
        with connect_admin(settings.database_url, timeout=settings.connect_timeout) as conn:
            version = conn.info.server_version
            # Reachable is not enough: the login must be able to act as the application role
            # (a ConfigurationError with the reason, exit 20, instead of "reachable" now and
            # failures later). Before `beamline migrate` there is no role to check yet.
            try:
                assume_app_role(conn, settings)
            except ConfigurationError as exc:
                if "beamline migrate" not in exc.message:
                    raise
        masked = mask_url(settings.database_url)
        if as_json:
            click.echo(json.dumps({"running": True, "url": masked, "server_version": version}))
        else:
            click.echo(f"DATABASE_URL reachable: {masked} (server {version})")
        return
    current = cluster_for(settings).status()
    click.echo(_describe(current, as_json))
    if not current.running:
        raise SystemExit(1)


@db.command()
@click.option("--tcp", is_flag=True, help="127.0.0.1 URL with password instead of the unix socket.")
@click.option("--show-password", is_flag=True, help="Do not mask the password.")
@click.pass_obj
def url(settings: Settings, tcp: bool, show_password: bool) -> None:
    """Print the connection URL (passwords masked unless --show-password)."""
    if settings.database_url:
        value = settings.database_url
    else:
        cluster = cluster_for(settings)
        if not cluster.status().running:
            raise ConfigurationError(
                f"the embedded database in {cluster.home} is not running: run `beamline db start`"
            )
        value = cluster.url(tcp=tcp)
    click.echo(value if show_password else mask_url(value))


@db.command(context_settings={"ignore_unknown_options": True})
@click.argument("psql_args", nargs=-1, type=click.UNPROCESSED)
@click.pass_obj
def psql(settings: Settings, psql_args: tuple[str, ...]) -> None:
    """Open psql on the database (extra arguments go to psql)."""
    program = shutil.which("psql")
    if program is None:
        raise ConfigurationError("psql not found: install the Debian package postgresql-client-15")
    if settings.database_url:
        target = settings.database_url
    else:
        cluster = cluster_for(settings)
        if not cluster.status().running:
            raise ConfigurationError(
                f"the embedded database in {cluster.home} is not running: run `beamline db start`"
            )
        target = cluster.url()
    os.execv(program, [program, target, *psql_args])


commands = [db]
