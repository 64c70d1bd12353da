"""``beamline migrate``: create or update the schema (SPEC §3/§4) on the configured database."""

from __future__ import annotations

import json

import click

from ..config import Settings
from ..database import resolve_admin_dsn
from ..migrate import migrate as run_migrate

__all__ = ["commands"]


@click.command("migrate")
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@click.pass_obj
def migrate(settings: Settings, as_json: bool) -> None:
    """Apply pending migrations and re-apply every SQL function, view, trigger and grant."""
    # The embedded cluster gets its dedicated login role for application connections.
    embedded = not settings.database_url
    report = run_migrate(resolve_admin_dsn(settings), settings, login_role=embedded)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "roles_created": report.roles_created,
                    "migrations_applied": report.migrations_applied,
                    "sql_files_applied": report.sql_files_applied,
                }
            )
        )
        return
    applied = ", ".join(report.migrations_applied) or "none pending"
    click.echo(f"migrations: {applied}")
    if report.roles_created:
        click.echo(f"roles created: {', '.join(report.roles_created)}")
    click.echo(f"stored logic: {report.sql_files_applied} SQL files applied")


commands = [migrate]
