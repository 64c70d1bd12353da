"""Who may ask about whom, through the Python client (issue 11; docs/RBAC.md "Who may see
what"): a user asks about itself (cached), another user's rights need rbac:manage in the tenant
(the MCP check_permission tool asks as its configured actor)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from beamline_store.config import Settings
from beamline_store.errors import PermissionDenied
from beamline_store.store import Store
from tests.support.store_support import ADMIN, TENANT, bootstrap, make_store


@pytest.fixture
def store(db_url: str, settings: Settings) -> Iterator[Store]:
    s = make_store(db_url, settings, listen=False)
    bootstrap(s)
    bootstrap(s, "other", "olga")
    s.assign_role(TENANT, "vera", "viewer")
    try:
        yield s
    finally:
        s.close()


def test_asking_about_another_user_needs_rbac_manage(store: Store) -> None:
    assert store.check_permission(TENANT, "vera", "policy:read") is True  # vera asks herself
    assert store.check_permission(TENANT, "vera", "policy:read", actor=ADMIN) is True
    with pytest.raises(PermissionDenied) as info:
        store.check_permission(TENANT, ADMIN, "rbac:manage", actor="vera")
    assert info.value.detail_json == {
        "tenant": TENANT,
        "actor": "vera",
        "permission": "rbac:manage",
    }
    with pytest.raises(PermissionDenied):  # an admin of another tenant
        store.check_permission(TENANT, "vera", "policy:read", actor="olga")
