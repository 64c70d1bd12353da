"""Store against real PostgreSQL: a method per SQL API function, typed results, errors mapped
to their classes, read-your-writes, negative caching, single-flight, immutable values."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import psycopg
import pytest

from beamline_store.config import Settings
from beamline_store.errors import (
    AlreadyExists,
    NotFound,
    PermissionDenied,
    QuotaExceeded,
    ValidationFailed,
    VersionConflict,
)
from beamline_store.models import AuditPage, Policy, Quota, RoleGrant
from beamline_store.store import Store
from tests.support.async_support import make_any_store
from tests.support.store_support import (
    ADMIN,
    TENANT,
    bootstrap,
    policy,
)


@pytest.fixture(params=["sync", "async"])
def store(request: pytest.FixtureRequest, db_url: str, settings: Settings) -> Iterator[Store]:
    """Every test runs over Store and over AsyncStore (driven synchronously, issue 17)."""
    s = make_any_store(request.param, db_url, settings, listen=False)
    bootstrap(s)
    try:
        yield s
    finally:
        s.close()


def test_runs_as_the_application_role(store: Store, settings: Settings) -> None:
    if not isinstance(store, Store):
        pytest.skip("Store's connector only (AsyncStore: test_async_store.py)")
    with store._connector.borrow() as conn:
        row = conn.execute("select current_user").fetchone()
    assert row == (settings.app_role,)


def test_put_get_roundtrip_and_read_your_writes(store: Store) -> None:
    written = store.put_policy(TENANT, "p1", policy(70))
    assert isinstance(written, Policy) and written.version == 1 and written.is_active
    calls = store.calls.calls["GET_POLICY"]
    got = store.get_policy(TENANT, "p1")
    assert got == written  # served from the write-through entry, no database read
    assert store.calls.calls["GET_POLICY"] == calls
    second = store.put_policy(TENANT, "p1", policy(60), expected_version=1)
    assert store.get_policy(TENANT, "p1").version == second.version == 2
    assert store.get_policy(TENANT, "p1").data["providers"][0]["weight"] == 60
    assert store.get_policy(TENANT, "p1", version=1).data["providers"][0]["weight"] == 70


def test_miss_then_hit(store: Store) -> None:
    store.put_policy(TENANT, "p1", policy())
    store._policies.clear()
    store.get_policy(TENANT, "p1")
    before = store.stats()["caches"]["policies"]
    store.get_policy(TENANT, "p1")
    after = store.stats()["caches"]["policies"]
    assert after["hits"] == before["hits"] + 1 and after["misses"] == before["misses"]


def test_mutating_a_returned_policy_changes_nothing(store: Store) -> None:
    store.put_policy(TENANT, "p1", policy(70))
    first = store.get_policy(TENANT, "p1")
    doc = first.data
    doc["providers"][0]["weight"] = 1
    doc["injected"] = True
    with pytest.raises(AttributeError):
        first.version = 99  # type: ignore[misc]
    again = store.get_policy(TENANT, "p1")
    assert again.data["providers"][0]["weight"] == 70 and "injected" not in again.data


def test_not_found_is_cached_negatively(store: Store) -> None:
    with pytest.raises(NotFound):
        store.get_policy(TENANT, "missing")
    calls = store.calls.calls["GET_POLICY"]
    with pytest.raises(NotFound) as caught:
        store.get_policy(TENANT, "missing")
    assert store.calls.calls["GET_POLICY"] == calls
    assert caught.value.message
    store.put_policy(TENANT, "missing", policy())  # own write replaces the negative entry
    assert store.get_policy(TENANT, "missing").version == 1


def test_errors_carry_their_class_and_detail(store: Store) -> None:
    store.put_policy(TENANT, "p1", policy())
    with pytest.raises(VersionConflict) as conflict:
        store.put_policy(TENANT, "p1", policy(), expected_version=5)
    assert conflict.value.detail_json["actual"] == 1
    with pytest.raises(ValidationFailed) as invalid:
        store.put_policy(TENANT, "p2", {"rules": "nope"})
    assert isinstance(invalid.value.detail_json, list)
    with pytest.raises(PermissionDenied):
        store.get_policy(TENANT, "p1", actor="mallory")
    with pytest.raises(AlreadyExists):
        store.bootstrap_admin(TENANT, "bob")


def test_rbac_and_cached_decisions(store: Store) -> None:
    assert store.check_permission(TENANT, ADMIN, "policy:write") is True
    assert store.check_permission(TENANT, "bob", "policy:read") is False
    grant = store.assign_role(TENANT, "bob", "viewer")
    assert isinstance(grant, RoleGrant) and grant.role == "viewer"
    # the assignment evicted bob's cached "no"
    assert store.check_permission(TENANT, "bob", "policy:read") is True
    assert store.check_permission(TENANT, "bob", "policy:write") is False
    roles = store.get_user_roles(TENANT, "bob")
    assert roles is not None and "policy:read" in (roles.effective_permissions or ())
    store.revoke_role(TENANT, "bob")
    assert store.check_permission(TENANT, "bob", "policy:read") is False
    assert store.get_user_roles(TENANT, "bob") is None


def test_permission_cache_never_outlives_expiry(store: Store, db_conn: psycopg.Connection) -> None:
    import datetime as dt

    expires = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30)
    store.assign_role(TENANT, "carol", "viewer", expires_at=expires)
    assert store.check_permission(TENANT, "carol", "policy:read") is True
    entry = store._rbac._data[(TENANT, "carol", "policy:read")]
    remaining = entry[0] - store._rbac.timer()
    assert 0 < remaining <= 30  # capped by the grant's expiry, not ttl_rbac (300 s)


def test_quota_and_rejection(store: Store) -> None:
    quota = store.get_quota(TENANT)
    assert isinstance(quota, Quota)
    changed = store.set_quota(TENANT, max_policies=1)
    assert changed.max_policies == 1
    assert store.get_quota(TENANT).max_policies == 1  # own write evicted the cached quota
    store.put_policy(TENANT, "p1", policy())
    with pytest.raises(QuotaExceeded):
        store.put_policy(TENANT, "p2", policy())


def test_policy_lifecycle_and_history(store: Store) -> None:
    store.put_policy(TENANT, "p1", policy(70))
    store.put_policy(TENANT, "p1", policy(50))
    assert [p.version for p in store.policy_history(TENANT, "p1")] == [1, 2]
    assert store.activate_policy(TENANT, "p1", 1).version == 1
    assert store.get_policy(TENANT, "p1").version == 1
    page = store.list_policies(TENANT)
    assert [p.policy_id for p in page.items if p.is_active] == ["p1"]
    store.deactivate_policy(TENANT, "p1")
    with pytest.raises(NotFound):
        store.get_policy(TENANT, "p1")
    store.activate_policy(TENANT, "p1", 2)
    store.delete_policy(TENANT, "p1")
    with pytest.raises(NotFound):
        store.get_policy(TENANT, "p1")


def test_audit_log(store: Store) -> None:
    store.put_policy(TENANT, "p1", policy())
    store.log_action(TENANT, "DEPLOY", "router-1", data={"build": 7})
    assert store.log_actions(TENANT, [{"action": "PING", "target_id": "r"}] * 3) == 3
    page = store.get_audit_log(TENANT)
    assert isinstance(page, AuditPage)
    actions = [e.action for e in page.entries]
    assert "DEPLOY" in actions and "CREATE" in actions
    assert store.get_audit_log(TENANT) is page  # cached
    store.log_action(TENANT, "DEPLOY", "router-2")
    assert store.get_audit_log(TENANT) is not page  # own write invalidated it
    assert store.cleanup_old_logs("1 day", tenant=TENANT) == 0


def test_single_flight_one_database_call(store: Store) -> None:
    if not isinstance(store, Store):
        pytest.skip("patches Store._call (AsyncStore: test_async_store.py)")
    store.put_policy(TENANT, "hot", policy())
    store.check_permission(TENANT, ADMIN, "policy:read")
    store._policies.clear()
    calls = store.calls.calls["GET_POLICY"]
    start = threading.Barrier(100)
    results: list[Policy] = []

    def reader() -> None:
        start.wait()
        results.append(store.get_policy(TENANT, "hot"))

    # Hold the leader inside its load until the others are waiting on it.
    original = store._call
    gate = threading.Event()

    def gated(name: str, params: object) -> object:
        if name == "GET_POLICY":
            gate.wait(30)
        return original(name, params)  # type: ignore[arg-type]

    store._call = gated  # type: ignore[assignment,method-assign]
    threads = [threading.Thread(target=reader) for _ in range(100)]
    for t in threads:
        t.start()
    while store._policies.coalesced < 99 and store._policies.hits == 0:
        threading.Event().wait(0.001)
    gate.set()
    for t in threads:
        t.join()
    store._call = original  # type: ignore[method-assign]
    assert len(results) == 100 and len({id(r) for r in results}) == 1
    assert store.calls.calls["GET_POLICY"] == calls + 1
