"""`beamline maintain` / beamline_admin.maintain against real PostgreSQL (issue 16): expired
leases and grants removed and audited, audit retention through cleanup_old_logs (skipped with a
reason when the actor lacks audit:manage), idempotence, concurrent runs from several sessions
under concurrent writers (one runs, the others skip; nothing fails; the change log stays
bounded), and a listener that fell behind the pruned change log flushes instead of serving a
stale value."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from click.testing import CliRunner

from beamline_store.cli import main
from beamline_store.config import Settings
from beamline_store.errors import NotFound
from tests.support.store_support import make_store, policy

WAIT = 30.0


def eventually(predicate: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for: {what}")
        time.sleep(0.02)


def maintain(conn: psycopg.Connection[Any], actor: str | None = None) -> dict[str, Any]:
    row = conn.execute("select beamline_admin.maintain(%s)", [actor]).fetchone()
    assert row is not None
    return row[0]  # type: ignore[no-any-return]


def audit_rows(conn: psycopg.Connection[Any], action: str) -> list[tuple[Any, ...]]:
    return conn.execute(
        "select tenant_id, target_id, actor, old_data from beamline.policy_audit_log "
        "where action = %s order by timestamp",
        [action],
    ).fetchall()


@pytest.fixture
def seeded(db_conn: psycopg.Connection[Any]) -> psycopg.Connection[Any]:
    db_conn.execute("select beamline_admin.bootstrap_admin('acme', 'alice')")
    db_conn.execute("select beamline_admin.bootstrap_admin('devstate', 'alice')")
    db_conn.execute("select beamline.assign_role('acme', 'bob', 'operator', 'alice')")
    db_conn.execute("select beamline.assign_role('acme', 'carol', 'viewer', 'alice')")
    # bob's grant and one lease expired an hour ago; carol's grant and another lease are live
    with db_conn.transaction():
        db_conn.execute("select beamline_internal.set_actor('alice')")
        db_conn.execute(
            "update beamline.user_roles set expires_at = now() - interval '1 hour' "
            "where user_id = 'bob'"
        )
    db_conn.execute(
        "insert into devstate.locks (scope, owner, acquired_at, expires_at) values "
        "('state', 'old-agent', now() - interval '2 hours', now() - interval '1 hour'), "
        "('docs', 'live-agent', now(), now() + interval '1 hour')"
    )
    return db_conn


def test_expired_leases_and_grants_are_removed_and_audited(
    seeded: psycopg.Connection[Any],
) -> None:
    report = maintain(seeded)
    assert report["ran"] is True and report["actor"] == "beamline-maintain"
    assert (report["leases_expired"], report["grants_expired"]) == (1, 1)
    assert seeded.execute("select scope from devstate.locks").fetchall() == [("docs",)]
    users = seeded.execute(
        "select user_id from beamline.user_roles where tenant_id = 'acme' order by 1"
    ).fetchall()
    assert users == [("alice",), ("carol",)]
    leases = audit_rows(seeded, "LEASE_EXPIRED")
    assert [r[:3] for r in leases] == [("devstate", "state", "beamline-maintain")]
    assert leases[0][3]["owner"] == "old-agent"
    revoked = audit_rows(seeded, "REVOKE")
    assert [r[:3] for r in revoked] == [("acme", "bob", "beamline-maintain")]
    assert revoked[0][3]["role"] == "operator"  # the old grant is kept in the audit row
    summary = audit_rows(seeded, "MAINTAIN")
    assert len(summary) == 1 and summary[0][0] == "global"
    # the revoke is signalled to caches like any other grant change
    assert seeded.execute(
        "select count(*) from beamline.change_log where kind = 'role' and object_id = 'bob' "
        "and op = 'delete'"
    ).fetchone() == (1,)

    again = maintain(seeded)  # idempotent: nothing left to do, nothing logged
    assert (again["leases_expired"], again["grants_expired"]) == (0, 0)
    assert len(audit_rows(seeded, "MAINTAIN")) == 1


def test_audit_retention_needs_audit_manage_and_goes_through_cleanup(
    seeded: psycopg.Connection[Any],
) -> None:
    # A tenant of their own: retention removes the oldest prefix of each tenant's hash chain
    # (docs/AUDIT.md), and rows inserted after acme's recent ones are no prefix of acme's chain.
    seeded.execute(
        "insert into beamline.policy_audit_log (tenant_id, target_type, target_id, action, actor, "
        "timestamp) select 'archive', 'app', 'old-' || g, 'DEPLOY', 'alice', "
        "now() - interval '400 days' from generate_series(1, 25) g"
    )
    settings = seeded.execute(
        "select beamline_admin.set_maintenance(p_audit_retention => '365 days')"
    ).fetchone()
    assert settings is not None and settings[0]["audit_retention"] == "365 days"
    report = maintain(seeded)
    assert (
        report["audit"]["skipped"] == "actor beamline-maintain lacks audit:manage in tenant global"
    )
    old = (
        "select count(*) from beamline.policy_audit_log where timestamp < now() - interval '1 year'"
    )
    assert seeded.execute(old).fetchone() == (25,)

    seeded.execute("select beamline_admin.bootstrap_admin('global', 'ops')")
    seeded.execute("select beamline_admin.set_maintenance(p_actor => 'ops')")
    report = maintain(seeded)
    assert report["audit"] == {"retention": "365 days", "deleted": 25}
    assert seeded.execute(old).fetchone() == (0,)
    cleanup = audit_rows(seeded, "CLEANUP")
    assert [r[:3] for r in cleanup] == [("global", None, "ops")]
    assert maintain(seeded)["audit"]["deleted"] == 0

    with pytest.raises(psycopg.Error) as bad:
        seeded.execute("select beamline_admin.set_maintenance(p_audit_retention => '-1 day')")
    assert bad.value.diag.sqlstate == "BL007"


def test_maintain_is_owner_only(db_conn: psycopg.Connection[Any]) -> None:
    with db_conn.transaction():
        db_conn.execute("set local role beamline_app")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            db_conn.execute("select beamline_admin.maintain()")


def test_concurrent_runs_under_concurrent_writers(
    seeded: psycopg.Connection[Any], db_url: str, settings: Settings
) -> None:
    """Four sessions run maintain over and over while four writers write policies and a Store
    (with its listener) keeps reading them: no error, overlapping runs skip (the advisory
    lock), every write lands, with a zero window the change log ends empty once the writers
    stop, and the Store ends up serving every policy's latest version (no change missed,
    though the log was pruned under its feet)."""
    seeded.execute("select beamline_admin.set_maintenance(p_change_log_keep => '0 seconds')")
    stop = threading.Event()
    errors: list[BaseException] = []
    outcomes: list[bool] = []
    writes = [0] * 4

    def writer(i: int) -> None:
        try:
            with psycopg.connect(db_url, autocommit=True) as conn:
                n = 0
                while not stop.is_set() and n < 40:
                    conn.execute(
                        "select beamline.put_policy('acme', %s, %s, 'alice')",
                        [f"w{i}-{n % 2}", json.dumps(policy(10 + n))],
                    )
                    n += 1
                writes[i] = n
        except BaseException as exc:
            errors.append(exc)

    def maintainer() -> None:
        try:
            with psycopg.connect(db_url, autocommit=True) as conn:
                while not stop.is_set():
                    outcomes.append(bool(maintain(conn)["ran"]))
        except BaseException as exc:
            errors.append(exc)

    ids = [f"w{i}-{k}" for i in range(4) for k in range(2)]
    store = make_store(db_url, settings)

    def reader() -> None:
        while not stop.is_set():
            for pid in ids:
                try:
                    store.get_policy("acme", pid)
                except NotFound:
                    pass
                except BaseException as exc:
                    errors.append(exc)
                    return

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(4)]
    threads += [threading.Thread(target=maintainer) for _ in range(4)]
    threads.append(threading.Thread(target=reader))
    for t in threads:
        t.start()
    for t in threads[:4]:
        t.join(120)
    stop.set()
    for t in threads[4:]:
        t.join(60)
    assert not errors, errors
    assert all(w == 40 for w in writes)
    assert True in outcomes
    versions = seeded.execute(
        "select count(*) from beamline.policies where tenant_id = 'acme'"
    ).fetchone()
    assert versions == (160,)
    final = maintain(seeded)
    assert final["ran"] is True and final["change_log"]["remaining"] == 0
    latest = dict(
        seeded.execute(
            "select policy_id, max(version) from beamline.policies where tenant_id = 'acme' "
            "and policy_id like 'w%%' group by policy_id"
        ).fetchall()
    )
    try:
        eventually(
            lambda: all(store.get_policy("acme", pid).version == latest[pid] for pid in ids),
            "the Store serves every policy's latest version",
        )
    finally:
        store.close()


def test_a_listener_behind_the_pruned_log_flushes(
    seeded: psycopg.Connection[Any], db_url: str, settings: Settings
) -> None:
    """SQL side: a watermark from before the prune is answered complete = false (flush); one
    taken after it sees every later change. Client side: the Store's listener is cut off (real
    backend termination, new connections refused), a change is committed and pruned while it
    is away; when it comes back it cannot resync exactly, flushes, and serves the new value."""
    old = seeded.execute("select beamline.current_watermark()").fetchone()
    assert old is not None
    seeded.execute(
        "select beamline.put_policy('acme', 'p1', %s, 'alice')", [json.dumps(policy(70))]
    )
    seeded.execute("select beamline_admin.set_maintenance(p_change_log_keep => '0 seconds')")
    assert maintain(seeded)["change_log"]["pruned"] >= 1
    answer = seeded.execute("select complete from beamline.changes_since(%s)", [old[0]]).fetchone()
    assert answer == (False,)
    fresh = seeded.execute("select beamline.current_watermark()").fetchone()
    assert fresh is not None
    seeded.execute(
        "select beamline.put_policy('acme', 'p1', %s, 'alice')", [json.dumps(policy(60))]
    )
    later = seeded.execute(
        "select complete, changes from beamline.changes_since(%s)", [fresh[0]]
    ).fetchone()
    assert later is not None and later[0] is True
    assert ("p1", 2) in [(c["object_id"], c["version"]) for c in later[1]]

    store = make_store(db_url, settings)
    dbname = seeded.info.dbname
    try:
        assert store.get_policy("acme", "p1").version == 2  # cached now
        server = psycopg.conninfo.make_conninfo(db_url, dbname="postgres")
        with (
            psycopg.connect(server, autocommit=True) as admin,
            psycopg.connect(db_url, autocommit=True) as writer,
        ):
            admin.execute(f'alter database "{dbname}" with allow_connections false')
            try:
                writer.execute(
                    "select pg_terminate_backend(pid) from pg_stat_activity "
                    "where datname = current_database() "
                    "and application_name = 'beamline-store-listener'"
                )
                writer.execute(
                    "select beamline.put_policy('acme', 'p1', %s, 'alice')",
                    [json.dumps(policy(50))],
                )
                assert maintain(writer)["change_log"]["pruned"] >= 1
                assert store.get_policy("acme", "p1").version == 2  # nobody could tell it yet
            finally:
                admin.execute(f'alter database "{dbname}" with allow_connections true')
        eventually(
            lambda: store.get_policy("acme", "p1").version == 3,
            "the listener reconnects, finds the log pruned past its watermark and flushes",
        )
    finally:
        store.close()


def test_cli_maintain_json_and_config(db_url: str, seeded: psycopg.Connection[Any]) -> None:
    runner = CliRunner()
    env = {"DATABASE_URL": db_url}
    out = runner.invoke(
        main,
        [
            "maintain",
            "config",
            "--change-log-keep",
            "1 day",
            "--audit-retention",
            "90 days",
            "--json",
        ],
        env=env,
    )
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["change_log_keep"] == "1 day"
    out = runner.invoke(main, ["maintain", "--json"], env=env)
    assert out.exit_code == 0, out.output
    report = json.loads(out.stdout)
    assert report["ran"] is True and report["grants_expired"] == 1
    assert report["audit_partitions"]["blocked"] == []  # migrate made the months ahead
    out = runner.invoke(main, ["maintain"], env=env)
    assert out.exit_code == 0 and "leases expired: 0" in out.stdout
    assert "audit partitions created: none" in out.stdout  # the first pass made any missing
    out = runner.invoke(main, ["maintain", "config", "--audit-retention", "-3 days"], env=env)
    assert out.exit_code == 2 and out.stderr.startswith("beamline: error: BadInput")


def test_maintenance_status_shows_pending_work_and_the_last_run(
    seeded: psycopg.Connection[Any],
) -> None:
    status = (
        "select expired_leases, expired_grants, last_maintain_at is not null "
        "from beamline.maintenance_status"
    )
    assert seeded.execute(status).fetchone() == (1, 1, False)
    maintain(seeded)
    assert seeded.execute(status).fetchone() == (0, 0, True)
    with seeded.transaction():
        seeded.execute("set local role beamline_readonly")
        assert seeded.execute("select count(*) from beamline.maintenance_status").fetchone() == (1,)


def test_a_run_while_another_holds_the_lock_skips_at_once(
    seeded: psycopg.Connection[Any], db_url: str
) -> None:
    with psycopg.connect(db_url) as other:
        other.execute("select beamline_admin.maintain()")  # in progress: transaction open
        started = time.monotonic()
        report = maintain(seeded)
        assert report == {
            "ran": False,
            "reason": "another maintain run holds the lock beamline.maintain",
        }
        assert time.monotonic() - started < 5.0  # did not wait for the other run
        other.rollback()
    assert maintain(seeded)["ran"] is True
