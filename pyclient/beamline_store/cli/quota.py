"""``beamline quota get|set`` (SPEC §4 quotas)."""

from __future__ import annotations

import click

from ..config import Settings
from ..models import Quota
from ._common import actor_option, emit, json_option, open_store, table

__all__ = ["commands"]


def _quota_table(quota: Quota) -> str:
    data = quota.to_dict()
    return table([(k, v) for k, v in data.items()], ["field", "value"])


@click.group("quota")
def quota() -> None:
    """Tenant quotas."""


@quota.command("get")
@click.argument("tenant")
@actor_option
@json_option
@click.pass_obj
def get(settings: Settings, tenant: str, actor: str | None, as_json: bool) -> None:
    """The tenant's limits and usage."""
    with open_store(settings, actor) as store:
        found = store.get_quota(tenant)
    emit(as_json, found.to_dict(), lambda: _quota_table(found))


@quota.command("set")
@click.argument("tenant")
@click.option("--max-policies", type=int)
@click.option("--max-rules", type=int, help="Maximum rules per policy.")
@click.option("--max-providers", type=int, help="Maximum providers per policy.")
@actor_option
@json_option
@click.pass_obj
def set_(
    settings: Settings,
    tenant: str,
    max_policies: int | None,
    max_rules: int | None,
    max_providers: int | None,
    actor: str | None,
    as_json: bool,
) -> None:
    """Set limits (an option left out keeps its value)."""
    with open_store(settings, actor) as store:
        changed = store.set_quota(
            tenant, max_policies=max_policies, max_rules=max_rules, max_providers=max_providers
        )
    emit(as_json, changed.to_dict(), lambda: _quota_table(changed))


commands = [quota]
