"""``beamline audit log|record|cleanup`` (SPEC §4 audit)."""

from __future__ import annotations

import click

from ..config import Settings
from ._common import actor_option, emit, json_argument, json_option, open_store, table

__all__ = ["commands"]


@click.group("audit")
def audit() -> None:
    """The audit trail."""


@audit.command("log")
@click.argument("tenant")
@click.option("--policy", "policy_id", help="Only this policy.")
@click.option("--filter", "filters", help='JSON: {"actor","action","target_type","from","to"}.')
@click.option("--limit", type=int, default=50, show_default=True)
@click.option("--cursor", help="Cursor of the last row of the previous page.")
@actor_option
@json_option
@click.pass_obj
def log(
    settings: Settings,
    tenant: str,
    policy_id: str | None,
    filters: str | None,
    limit: int,
    cursor: str | None,
    actor: str | None,
    as_json: bool,
) -> None:
    """Audit rows, newest first."""
    with open_store(settings, actor) as store:
        page = store.get_audit_log(
            tenant,
            policy_id=policy_id,
            filters=json_argument("filter", filters) if filters else None,
            limit=limit,
            cursor=cursor,
        )
    data = {"entries": [e.to_dict() for e in page.entries], "next_cursor": page.next_cursor}
    emit(
        as_json,
        data,
        lambda: (
            table(
                [
                    (e.timestamp, e.action, e.target_type, e.target_id or e.policy_id, e.actor)
                    for e in page.entries
                ],
                ["time", "action", "type", "target", "actor"],
            )
            + (f"\nnext page: --cursor {page.next_cursor}" if page.next_cursor else "")
        ),
    )


@audit.command("record")
@click.argument("tenant")
@click.argument("action")
@click.argument("target_id")
@click.option("--data", help="JSON object with details.")
@click.option("--policy", "policy_id")
@actor_option
@json_option
@click.pass_obj
def record(
    settings: Settings,
    tenant: str,
    action: str,
    target_id: str,
    data: str | None,
    policy_id: str | None,
    actor: str | None,
    as_json: bool,
) -> None:
    """Record an application event (log_action)."""
    with open_store(settings, actor) as store:
        payload = json_argument("data", data) if data else None
        row_id = store.log_action(tenant, action, target_id, data=payload, policy_id=policy_id)
    emit(as_json, {"id": str(row_id)}, lambda: f"recorded {action} ({row_id})")


@audit.command("cleanup")
@click.argument("older_than")
@click.option("--tenant", help="One tenant (default: all, needs audit:manage in 'global').")
@actor_option
@json_option
@click.pass_obj
def cleanup(
    settings: Settings, older_than: str, tenant: str | None, actor: str | None, as_json: bool
) -> None:
    """Delete audit rows older than OLDER_THAN (an interval, e.g. '90 days')."""
    with open_store(settings, actor) as store:
        count = store.cleanup_old_logs(older_than, tenant=tenant)
    emit(as_json, {"deleted": count}, lambda: f"deleted {count} audit row(s)")


commands = [audit]
