"""RBAC under real parallel connections: the first-admin bootstrap is race-free, and a grant
revoked by one session is gone for every other session's next check (no cached decisions)."""

from __future__ import annotations

import threading

import psycopg
import pytest

PARALLEL = 8


def _bootstrap(
    url: str, tenant: str, user: str, results: list[str], barrier: threading.Barrier
) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        barrier.wait()
        try:
            conn.execute("select beamline_admin.bootstrap_admin(%s, %s)", [tenant, user])
            results.append("ok")
        except psycopg.Error as exc:
            results.append(exc.sqlstate or "?")


def test_parallel_bootstrap_makes_exactly_one_admin(
    db_url: str, db_conn: psycopg.Connection
) -> None:
    results: list[str] = []
    barrier = threading.Barrier(PARALLEL)
    threads = [
        threading.Thread(target=_bootstrap, args=(db_url, "race", f"u{i}", results, barrier))
        for i in range(PARALLEL)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["BL013"] * (PARALLEL - 1) + ["ok"]
    row = db_conn.execute(
        "select count(*) from beamline.user_roles where tenant_id = 'race' and role = 'admin'"
    ).fetchone()
    assert row == (1,)
    audit = db_conn.execute(
        "select count(*) from beamline.policy_audit_log"
        " where tenant_id = 'race' and action = 'ASSIGN'"
    ).fetchone()
    assert audit == (1,)


def test_revoke_is_seen_by_other_sessions(db_url: str, db_conn: psycopg.Connection) -> None:
    db_conn.execute("select beamline_admin.bootstrap_admin('t1', 'alice')")
    db_conn.execute("select beamline.assign_role('t1', 'bob', 'operator', 'alice')")
    with psycopg.connect(db_url, autocommit=True) as reader:
        reader.execute("set role beamline_app")
        check = "select beamline.check_permission('t1', 'bob', 'policy:write')"
        assert reader.execute(check).fetchone() == (True,)
        db_conn.execute("select beamline.revoke_role('t1', 'bob', 'alice')")
        assert reader.execute(check).fetchone() == (False,)


@pytest.mark.parametrize("bad", ["", "a'b", "a;b", "zoë", "x" * 129, "a\tb"])
def test_bad_user_ids_are_bl007_through_the_driver(db_conn: psycopg.Connection, bad: str) -> None:
    with pytest.raises(psycopg.Error) as info:
        db_conn.execute("select beamline.check_permission('t1', %s, 'policy:read')", [bad])
    assert info.value.sqlstate == "BL007"


def test_grant_changes_of_a_tenant_are_serialised(db_url: str, db_conn: psycopg.Connection) -> None:
    """assign_role reads the user's grant and then upserts it; grant changes of one tenant are
    serialised so no grant can appear between the two (a concurrent grant for another user of
    the same tenant waits; another tenant does not)."""
    db_conn.execute("select beamline_admin.bootstrap_admin('t1', 'alice')")
    db_conn.execute("select beamline_admin.bootstrap_admin('t2', 'alice')")
    with psycopg.connect(db_url) as holder, psycopg.connect(db_url, autocommit=True) as other:
        holder.execute("select beamline.assign_role('t1', 'mallory', 'viewer', 'alice')")
        other.execute("set lock_timeout = '300ms'")
        with pytest.raises(psycopg.errors.LockNotAvailable):
            other.execute("select beamline.assign_role('t1', 'trent', 'viewer', 'alice')")
        other.execute("select beamline.assign_role('t2', 'trent', 'viewer', 'alice')")
        holder.commit()
        other.execute("select beamline.assign_role('t1', 'trent', 'viewer', 'alice')")
    count = db_conn.execute(
        "select count(*) from beamline.user_roles where user_id in ('mallory', 'trent')"
    ).fetchone()
    assert count == (3,)
