"""``beamline policy put|get|list|delete|activate|deactivate|history`` (SPEC §4 policies)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..config import Settings
from ..errors import BadInput
from ..models import Policy
from ._common import actor_option, emit, json_argument, json_option, open_store, table

__all__ = ["commands"]


def _rows(policies: list[Policy]) -> str:
    return table(
        [(p.policy_id, p.version, "yes" if p.is_active else "no", p.updated_by, p.updated_at)
         for p in policies],
        ["policy", "version", "active", "updated_by", "updated_at"],
    )  # fmt: skip


def _load_document(source: str) -> object:
    text = sys.stdin.read() if source == "-" else None
    if text is None:
        path = Path(source)
        text = path.read_text(encoding="utf-8") if path.is_file() else source
    try:
        return json.loads(text)
    except ValueError as exc:
        raise BadInput(f"the policy document is not JSON: {exc}") from None


@click.group("policy")
def policy() -> None:
    """Policies: versioned JSON documents per tenant."""


@policy.command("put")
@click.argument("tenant")
@click.argument("policy_id")
@click.argument("document")
@click.option(
    "--expected-version", type=int, help="Compare-and-set on the latest version (0 = create only)."
)
@actor_option
@json_option
@click.pass_obj
def put(
    settings: Settings,
    tenant: str,
    policy_id: str,
    document: str,
    expected_version: int | None,
    actor: str | None,
    as_json: bool,
) -> None:
    """Write a new active version. DOCUMENT: a file, '-' for stdin, or inline JSON."""
    data = _load_document(document)
    with open_store(settings, actor) as store:
        written = store.put_policy(
            tenant,
            policy_id,
            data,  # type: ignore[arg-type]
            expected_version=expected_version,
        )
    emit(
        as_json,
        written.to_dict(),
        lambda: f"{tenant}/{policy_id} version {written.version} is active",
    )


@policy.command("get")
@click.argument("tenant")
@click.argument("policy_id")
@click.option("--version", type=int, help="A specific version (default: the active one).")
@actor_option
@json_option
@click.pass_obj
def get(
    settings: Settings,
    tenant: str,
    policy_id: str,
    version: int | None,
    actor: str | None,
    as_json: bool,
) -> None:
    """Show a policy (the active version unless --version)."""
    with open_store(settings, actor) as store:
        found = store.get_policy(tenant, policy_id, version=version)
    emit(
        as_json,
        found.to_dict(),
        lambda: _rows([found]) + "\n" + json.dumps(found.data, indent=2, sort_keys=True),
    )


@policy.command("list")
@click.argument("tenant")
@click.option(
    "--filter", "filters", help='JSON filters, e.g. \'{"contains": {...}, "active": true}\'.'
)
@click.option("--limit", type=int, default=50, show_default=True)
@click.option("--cursor", help="next_cursor of the previous page.")
@actor_option
@json_option
@click.pass_obj
def list_(
    settings: Settings,
    tenant: str,
    filters: str | None,
    limit: int,
    cursor: str | None,
    actor: str | None,
    as_json: bool,
) -> None:
    """List policies (keyset-paginated)."""
    parsed = json_argument("filter", filters) if filters else {}
    with open_store(settings, actor) as store:
        page = store.list_policies(tenant, filters=parsed, limit=limit, cursor=cursor)
    data = {"items": [p.to_dict() for p in page.items], "next_cursor": page.next_cursor}
    emit(
        as_json,
        data,
        lambda: (
            _rows(list(page.items))
            + (f"\nnext page: --cursor {page.next_cursor}" if page.next_cursor else "")
        ),
    )


def _simple(name: str, method: str, help_text: str) -> click.Command:
    @click.argument("tenant")
    @click.argument("policy_id")
    @actor_option
    @json_option
    @click.pass_obj
    def command(
        settings: Settings, tenant: str, policy_id: str, actor: str | None, as_json: bool
    ) -> None:
        with open_store(settings, actor) as store:
            row: Policy = getattr(store, method)(tenant, policy_id)
        emit(
            as_json, row.to_dict(), lambda: f"{tenant}/{policy_id}: {name} (version {row.version})"
        )

    command.__doc__ = help_text
    return policy.command(name)(command)


_simple("delete", "delete_policy", "Delete a policy from routing (versions stay as history).")
_simple("deactivate", "deactivate_policy", "Deactivate the active version.")


@policy.command("activate")
@click.argument("tenant")
@click.argument("policy_id")
@click.argument("version", type=int)
@actor_option
@json_option
@click.pass_obj
def activate(
    settings: Settings, tenant: str, policy_id: str, version: int, actor: str | None, as_json: bool
) -> None:
    """Make VERSION the active one (rollback)."""
    with open_store(settings, actor) as store:
        row = store.activate_policy(tenant, policy_id, version)
    emit(as_json, row.to_dict(), lambda: f"{tenant}/{policy_id} version {row.version} is active")


@policy.command("history")
@click.argument("tenant")
@click.argument("policy_id")
@actor_option
@json_option
@click.pass_obj
def history(
    settings: Settings, tenant: str, policy_id: str, actor: str | None, as_json: bool
) -> None:
    """All versions of a policy, oldest first."""
    with open_store(settings, actor) as store:
        rows = store.policy_history(tenant, policy_id)
    emit(as_json, [p.to_dict() for p in rows], lambda: _rows(rows))


commands = [policy]
