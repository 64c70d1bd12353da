"""``beamline rbac check|roles|assign|revoke|bootstrap`` (SPEC §4 RBAC)."""

from __future__ import annotations

import sys
from datetime import datetime

import click

from ..config import Settings
from ..models import RoleGrant
from ._common import actor_option, emit, json_option, open_store, table

__all__ = ["commands"]


def _grant_table(grant: RoleGrant) -> str:
    return table(
        [(grant.user_id, grant.role, ",".join(grant.permissions), grant.expires_at,
          ",".join(grant.effective_permissions or ()))],
        ["user", "role", "extra", "expires_at", "effective"],
    )  # fmt: skip


@click.group("rbac")
def rbac() -> None:
    """Roles and permissions per tenant."""


@rbac.command("check")
@click.argument("tenant")
@click.argument("user")
@click.argument("action")
@json_option
@click.pass_obj
def check(settings: Settings, tenant: str, user: str, action: str, as_json: bool) -> None:
    """May USER do ACTION (e.g. policy:write) in TENANT? Exit 0 yes, 1 no."""
    with open_store(settings) as store:
        allowed = store.check_permission(tenant, user, action)
    emit(as_json, {"allowed": allowed}, lambda: "allowed" if allowed else "denied")
    if not allowed:
        sys.exit(1)


@rbac.command("roles")
@click.argument("tenant")
@click.argument("user")
@actor_option
@json_option
@click.pass_obj
def roles(settings: Settings, tenant: str, user: str, actor: str | None, as_json: bool) -> None:
    """USER's grant in TENANT (own grant always; others need rbac:manage)."""
    with open_store(settings, actor) as store:
        grant = store.get_user_roles(tenant, user)
    emit(
        as_json,
        None if grant is None else grant.to_dict(),
        lambda: "no grant" if grant is None else _grant_table(grant),
    )


@rbac.command("assign")
@click.argument("tenant")
@click.argument("user")
@click.argument("role", type=click.Choice(["admin", "operator", "viewer"]))
@click.option("--permission", "permissions", multiple=True, help="Extra permission (repeatable).")
@click.option(
    "--expires-at",
    type=click.DateTime(["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"]),
    help="When the grant stops giving access (ISO 8601).",
)
@actor_option
@json_option
@click.pass_obj
def assign(
    settings: Settings,
    tenant: str,
    user: str,
    role: str,
    permissions: tuple[str, ...],
    expires_at: datetime | None,
    actor: str | None,
    as_json: bool,
) -> None:
    """Give USER ROLE in TENANT (replaces any previous grant)."""
    with open_store(settings, actor) as store:
        grant = store.assign_role(
            tenant, user, role, permissions=permissions, expires_at=expires_at
        )
    emit(as_json, grant.to_dict(), lambda: _grant_table(grant))


@rbac.command("revoke")
@click.argument("tenant")
@click.argument("user")
@actor_option
@json_option
@click.pass_obj
def revoke(settings: Settings, tenant: str, user: str, actor: str | None, as_json: bool) -> None:
    """Remove USER's grant in TENANT."""
    with open_store(settings, actor) as store:
        grant = store.revoke_role(tenant, user)
    emit(as_json, grant.to_dict(), lambda: f"revoked {grant.role} of {user} in {tenant}")


@rbac.command("bootstrap")
@click.argument("tenant")
@click.argument("user")
@json_option
@click.pass_obj
def bootstrap(settings: Settings, tenant: str, user: str, as_json: bool) -> None:
    """Owner-only: make USER the first admin of TENANT."""
    with open_store(settings) as store:
        grant = store.bootstrap_admin(tenant, user)
    emit(as_json, grant.to_dict(), lambda: f"{user} is the first admin of {tenant}")


commands = [rbac]
