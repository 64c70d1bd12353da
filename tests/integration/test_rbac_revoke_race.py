"""Revocation race (issue 11, "RBAC and quotas" point 2), forced with real connections.

A revoke and a write of the same actor serialise: the write's permission check keeps the
actor's grant locked FOR SHARE until the write's transaction ends (docs/RBAC.md "Revocation").
Each test forces one interleaving by holding a transaction open on one connection and waiting,
on the server's own lock view, until the other connection's backend blocks on it:

- write first: the revoke waits for the write's commit, and the audit log shows the write before
  the revoke (on f076be9 the revoke committed at once and the write committed after it);
- revoke first: the write waits for the revoke, then fails (BL001) and writes nothing;
- REPEATABLE READ writer whose snapshot predates a committed revoke: refused (40001), nothing
  written;
- the read path (check_permission) never waits on either lock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from psycopg.types.json import Jsonb

from tests.integration.test_policy_api import DOC, prepare_tenant

PUT = "select version from beamline.put_policy('t1', %s, %s, 'bob')"
REVOKE = "select user_id from beamline.revoke_role('t1', 'bob', 'alice')"
LOG = "select beamline.log_action('t1', 'bob', 'APP_EVENT', 'x')"


def _app(url: str, *, autocommit: bool) -> psycopg.Connection[Any]:
    conn = psycopg.connect(url, autocommit=autocommit)
    conn.execute("set role beamline_app")
    if not autocommit:
        conn.commit()
    return conn


def _pid(conn: psycopg.Connection[Any]) -> int:
    return conn.info.backend_pid


def _wait_until_blocked(observer: psycopg.Connection[Any], pid: int, timeout: float = 20.0) -> None:
    """Poll the server until backend *pid* waits for a lock (no fixed sleep)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = observer.execute(
            "select wait_event_type from pg_catalog.pg_stat_activity where pid = %s", [pid]
        ).fetchone()
        if row is not None and row[0] == "Lock":
            return
        time.sleep(0.01)
    raise AssertionError(f"backend {pid} never blocked on a lock")


class _Background:
    """Run one call on its own thread; keep its result or its SQLSTATE."""

    def __init__(self, call: Callable[[], Any]) -> None:
        self.result: Any = None
        self.sqlstate: str | None = None
        self._thread = threading.Thread(target=self._run, args=(call,), daemon=True)
        self._thread.start()

    def _run(self, call: Callable[[], Any]) -> None:
        try:
            self.result = call()
        except psycopg.Error as exc:
            self.sqlstate = exc.sqlstate or "?"

    def join(self) -> None:
        self._thread.join(30)
        assert not self._thread.is_alive(), "background call did not finish"

    @property
    def running(self) -> bool:
        return self._thread.is_alive()


@pytest.fixture
def tenant(db_conn: psycopg.Connection[Any]) -> psycopg.Connection[Any]:
    prepare_tenant(db_conn)
    db_conn.execute(
        "select beamline.assign_role('t1', 'bob', 'operator', 'alice', '[\"audit:write\"]')"
    )
    return db_conn


def _audit(conn: psycopg.Connection[Any]) -> list[tuple[str, str]]:
    rows = conn.execute(
        "select action, actor from beamline.policy_audit_log"
        " where tenant_id = 't1' and action in ('CREATE', 'REVOKE')"
        ' order by "timestamp", id'
    ).fetchall()
    return [(str(a), str(b)) for a, b in rows]


def test_revoke_waits_for_the_actors_open_write(
    db_url: str, tenant: psycopg.Connection[Any]
) -> None:
    writer = _app(db_url, autocommit=False)
    revoker = _app(db_url, autocommit=True)
    try:
        assert writer.execute(PUT, ["p1", Jsonb(DOC)]).fetchone() == (1,)  # transaction open
        revoke = _Background(lambda: revoker.execute(REVOKE).fetchone())
        _wait_until_blocked(tenant, _pid(revoker))
        assert revoke.running
        # The grant is still there while the write is in flight.
        assert tenant.execute(
            "select count(*) from beamline.user_roles where tenant_id = 't1' and user_id = 'bob'"
        ).fetchone() == (1,)
        writer.commit()
        revoke.join()
        assert revoke.sqlstate is None and revoke.result == ("bob",)
    finally:
        writer.close()
        revoker.close()
    # The audit order is the real order: the write, then the revoke.
    assert _audit(tenant) == [("CREATE", "bob"), ("REVOKE", "alice")]
    assert tenant.execute(
        "select count(*) from beamline.policies where tenant_id = 't1' and policy_id = 'p1'"
    ).fetchone() == (1,)


def test_a_downgrade_waits_for_the_actors_open_write_too(
    db_url: str, tenant: psycopg.Connection[Any]
) -> None:
    """assign_role replacing the grant (operator -> viewer) serialises like a revoke."""
    writer = _app(db_url, autocommit=False)
    admin = _app(db_url, autocommit=True)
    downgrade = "select role from beamline.assign_role('t1', 'bob', 'viewer', 'alice')"
    try:
        writer.execute(PUT, ["p5", Jsonb(DOC)])
        change = _Background(lambda: admin.execute(downgrade).fetchone())
        _wait_until_blocked(tenant, _pid(admin))
        assert change.running
        writer.commit()
        change.join()
        assert change.sqlstate is None and change.result == ("viewer",)
    finally:
        writer.close()
        admin.close()
    rows = tenant.execute(
        "select action from beamline.policy_audit_log where tenant_id = 't1'"
        " and action in ('CREATE', 'UPDATE') order by \"timestamp\", id"
    ).fetchall()
    assert [r[0] for r in rows] == ["CREATE", "UPDATE"]


def test_write_after_an_open_revoke_waits_then_fails(
    db_url: str, tenant: psycopg.Connection[Any]
) -> None:
    revoker = _app(db_url, autocommit=False)
    writer = _app(db_url, autocommit=True)
    try:
        assert revoker.execute(REVOKE).fetchone() == ("bob",)  # transaction open
        write = _Background(lambda: writer.execute(PUT, ["p2", Jsonb(DOC)]).fetchone())
        _wait_until_blocked(tenant, _pid(writer))
        assert write.running
        revoker.commit()
        write.join()
        assert write.sqlstate == "BL001"
    finally:
        revoker.close()
        writer.close()
    assert tenant.execute(
        "select count(*) from beamline.policies where tenant_id = 't1'"
    ).fetchone() == (0,)
    assert _audit(tenant) == [("REVOKE", "alice")]


def test_repeatable_read_writer_cannot_use_a_revoked_grant(
    db_url: str, tenant: psycopg.Connection[Any]
) -> None:
    """The writer's snapshot still shows the grant; the row lock sees the committed revoke.
    (log_action: policy writes refuse REPEATABLE READ anyway.)"""
    writer = _app(db_url, autocommit=False)
    before = tenant.execute(
        "select count(*) from beamline.policy_audit_log where actor = 'bob'"
    ).fetchone()
    try:
        writer.execute("set transaction isolation level repeatable read")
        writer.execute("select 1").fetchone()  # the transaction's snapshot is taken here
        tenant.execute(REVOKE)
        with pytest.raises(psycopg.Error) as info:
            writer.execute(LOG)
        assert info.value.sqlstate == "40001"
        writer.rollback()
    finally:
        writer.close()
    assert (
        tenant.execute(
            "select count(*) from beamline.policy_audit_log where actor = 'bob'"
        ).fetchone()
        == before
    )


def test_check_permission_never_waits_on_grant_locks(
    db_url: str, tenant: psycopg.Connection[Any]
) -> None:
    writer = _app(db_url, autocommit=False)
    revoker = _app(db_url, autocommit=False)
    reader = _app(db_url, autocommit=True)
    check = "select beamline.check_permission('t1', 'bob', 'policy:write')"
    try:
        reader.execute("set lock_timeout = '200ms'")
        writer.execute(PUT, ["p4", Jsonb(DOC)])  # holds bob's grant FOR SHARE
        assert reader.execute(check).fetchone() == (True,)
        writer.commit()
        revoker.execute(REVOKE)  # holds bob's grant deleted, uncommitted
        assert reader.execute(check).fetchone() == (True,)
        revoker.commit()
        assert reader.execute(check).fetchone() == (False,)
    finally:
        writer.close()
        revoker.close()
        reader.close()
