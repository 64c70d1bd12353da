"""``beamline maintain`` and ``beamline maintain config`` (docs/OPERATIONS.md).

``beamline maintain`` runs one pass of ``beamline_admin.maintain`` (owner only: connect as a
superuser or a login role that is a member of the owner role) and prints its report. It is
idempotent and safe to run from several hosts at once: a run that finds another one in
progress returns at once with ``ran: false`` (exit 0). Exit codes as every command
(docs/CLI.md)."""

from __future__ import annotations

import json
from typing import Any

import click

from ..config import Settings
from ..database import connect_admin, resolve_dsn

__all__ = ["commands"]


def _call(settings: Settings, query: str, params: list[Any]) -> Any:
    with connect_admin(resolve_dsn(settings), timeout=settings.connect_timeout) as conn:
        row = conn.execute(query, params).fetchone()
    return row[0] if row else None


def _human(report: dict[str, Any]) -> str:
    if not report.get("ran"):
        return f"maintain: not run: {report.get('reason')}"
    log = report["change_log"]
    audit = report["audit"]
    retention = (
        f"deleted {audit['deleted']} audit rows older than {audit['retention']}"
        if "deleted" in audit
        else f"audit retention skipped: {audit['skipped']}"
    )
    parts = report.get("audit_partitions") or {}
    partitions = f"  audit partitions created: {', '.join(parts.get('created') or []) or 'none'}"
    if parts.get("blocked"):
        partitions += f"; blocked (rows in the default partition): {', '.join(parts['blocked'])}"
    return "\n".join(
        [
            f"maintain as {report['actor']} ({report['ms']} ms):",
            f"  change log: pruned {log['pruned']}, {log['remaining']} remaining "
            f"(window {log['keep']})",
            f"  leases expired: {report['leases_expired']}",
            f"  grants expired: {report['grants_expired']}",
            f"  {retention}",
            partitions,
        ]
    )


@click.group("maintain", invoke_without_command=True)
@click.option(
    "--actor",
    help="Act as this actor (audited); default: the configured one (beamline maintain config).",
)
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@click.pass_context
def maintain(ctx: click.Context, actor: str | None, as_json: bool) -> None:
    """One maintenance pass: prune the change log, remove expired leases and grants
    (audited), apply the audit retention. Idempotent; concurrent runs skip."""
    if ctx.invoked_subcommand is not None:
        return
    report = _call(ctx.obj, "select beamline_admin.maintain(%s)", [actor])
    click.echo(json.dumps(report, indent=2, sort_keys=True) if as_json else _human(report))


@maintain.command("config")
@click.option("--change-log-keep", help="Change-log window, e.g. '7 days'.")
@click.option("--audit-retention", help="Delete audit rows older than this, e.g. '400 days'.")
@click.option("--keep-audit-forever", is_flag=True, help="Clear the audit retention.")
@click.option("--actor", "maint_actor", help="The actor maintain runs as.")
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@click.pass_obj
def config(
    settings: Settings,
    change_log_keep: str | None,
    audit_retention: str | None,
    keep_audit_forever: bool,
    maint_actor: str | None,
    as_json: bool,
) -> None:
    """Show (no options) or change the maintenance settings stored in the database."""
    report = _call(
        settings,
        "select beamline_admin.set_maintenance(%s::interval, %s::interval, %s, %s)",
        [change_log_keep, audit_retention, maint_actor, keep_audit_forever],
    )
    if as_json:
        click.echo(json.dumps(report, indent=2, sort_keys=True))
    else:
        click.echo(
            f"change log window: {report['change_log_keep']}\n"
            f"audit retention:   {report['audit_retention'] or 'keep forever'}\n"
            f"actor:             {report['actor']}"
        )


commands = [maintain]
