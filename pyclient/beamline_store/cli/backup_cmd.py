"""``beamline backup``, ``beamline backup verify``, ``beamline restore`` (docs/OPERATIONS.md).

Progress goes to stderr (``--quiet`` silences it); the result goes to stdout, as text or, with
``--json``, as one JSON object. Exit codes (docs/CLI.md): 0 done / verified; 23 pg_dump or
pg_restore failed; 24 the backup does not match its manifest (the first problem is named); 25
restore refused (target not empty, no ``--force``); 20 / 21 configuration / database
unreachable."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from .. import backup as backup_mod
from ..config import Settings
from ..database import resolve_dsn
from ..errors import BackupInvalid

__all__ = ["commands"]


def _progress(quiet: bool) -> backup_mod.Progress:
    started = time.monotonic()

    def report(message: str) -> None:
        if not quiet:
            click.echo(f"[{time.monotonic() - started:7.1f}s] {message}", err=True)

    return report


def _print(as_json: bool, data: dict[str, object], human: str) -> None:
    click.echo(json.dumps(data, indent=2, sort_keys=True, default=str) if as_json else human)


@click.group("backup", invoke_without_command=True)
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write a new backup into this directory (must not exist, or be empty).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["directory", "custom"]),
    default="directory",
    show_default=True,
    help="pg_dump archive format.",
)
@click.option(
    "--jobs",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="pg_dump parallel jobs (directory format).",
)
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@click.option("-q", "--quiet", is_flag=True, help="No progress output on stderr.")
@click.pass_context
def backup(
    ctx: click.Context, output: Path | None, fmt: str, jobs: int, as_json: bool, quiet: bool
) -> None:
    """Back up everything beamline-store owns (pg_dump + manifest): `beamline backup -o DIR`.

    `beamline backup verify DIR` restores a backup into a scratch database and checks it.
    """
    if ctx.invoked_subcommand is not None:
        return
    if output is None:
        raise click.UsageError("give --output DIR (or a subcommand: verify)")
    settings: Settings = ctx.obj
    result = backup_mod.backup(
        resolve_dsn(settings), settings, output, fmt=fmt, jobs=jobs, progress=_progress(quiet)
    )
    data = result.as_dict()
    _print(
        as_json,
        data,
        f"backup written to {data['directory']}: {data['tables']} tables, {data['rows']} rows, "
        f"{data['devstate_entries']} DevState entries, migrations at {data['migrations']}, "
        f"{data['bytes']} bytes{', signed' if data['signed'] else ''} in {data['seconds']}s",
    )


@backup.command("verify")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--server-url",
    envvar="BEAMLINE_VERIFY_SERVER_URL",
    help="Restore into a scratch database on this server (default: a throwaway embedded cluster).",
)
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@click.option("-q", "--quiet", is_flag=True, help="No progress output on stderr.")
@click.pass_obj
def verify_cmd(
    settings: Settings, directory: Path, server_url: str | None, as_json: bool, quiet: bool
) -> None:
    """Restore DIRECTORY into a scratch database and check it against its manifest.

    Checks: every dump file's size and sha256 (and the manifest's signature when
    BEAMLINE_HMAC_SECRET is set), migrations level, per-table row counts and checksums,
    sequences, functions with owners and ACLs, the DevState HMAC chain (needs
    BEAMLINE_HMAC_SECRET), the audit chain when the schema has one. Never connects to the
    backed-up database. Exit 24 naming the first problem.
    """
    result = backup_mod.verify(
        directory, settings, server_url=server_url, progress=_progress(quiet)
    )
    data = result.as_dict()
    status = "verified" if result.ok else "FAILED"
    _print(
        as_json,
        data,
        f"backup {directory}: {status} in {data['seconds']}s ({result.scratch})\n"
        + backup_mod.describe_checks(result.checks),
    )
    problem = result.first_problem
    if problem is not None:
        raise BackupInvalid(
            f"backup {directory} failed verification: {problem.name}: {problem.detail}"
        )


@click.command("restore")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--target-url",
    help="Restore into this database (default: DATABASE_URL, else the embedded database).",
)
@click.option("--force", is_flag=True, help="Drop beamline's schemas in a non-empty target first.")
@click.option("--no-check", is_flag=True, help="Skip comparing the result with the manifest.")
@click.option(
    "--jobs",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="pg_restore parallel jobs (not one transaction when > 1).",
)
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@click.option("-q", "--quiet", is_flag=True, help="No progress output on stderr.")
@click.pass_obj
def restore(
    settings: Settings,
    directory: Path,
    target_url: str | None,
    force: bool,
    no_check: bool,
    jobs: int,
    as_json: bool,
    quiet: bool,
) -> None:
    """Restore the backup in DIRECTORY (roles, then pg_restore in one transaction).

    A target that already holds beamline's schemas or any table is refused (exit 25) unless
    --force. Afterwards the database is compared with the manifest (exit 24 on a mismatch).
    """
    target = target_url or resolve_dsn(settings)
    result = backup_mod.restore(
        directory,
        target,
        settings,
        force=force,
        check=not no_check,
        jobs=jobs,
        progress=_progress(quiet),
    )
    data = result.as_dict()
    _print(
        as_json,
        data,
        f"restored {directory} into {result.target} in {data['seconds']}s"
        + (f" (dropped {', '.join(result.dropped)})" if result.dropped else "")
        + ("\n" + backup_mod.describe_checks(result.checks) if result.checks else ""),
    )
    problem = next((c for c in result.checks if not c.ok), None)
    if problem is not None:
        raise BackupInvalid(
            f"restored database differs from the manifest: {problem.name}: {problem.detail}"
        )


commands = [backup, restore]
