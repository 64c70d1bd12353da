"""The audit log's per-tenant hash chain under real concurrency (issue 11; lanes: migration
0100): writers on parallel connections never fork a lane of a tenant's chain or leave a gap in
it, every lane verifies, and audit writers of one tenant no longer queue behind each other's
commit (up to 8 lanes)."""

from __future__ import annotations

import threading
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

WRITERS = 8
ROUNDS = 25
TENANTS = ("acme", "beta")


def _writer(url: str, n: int, start: threading.Barrier, errors: list[BaseException]) -> None:
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            start.wait(timeout=30)
            for i in range(ROUNDS):
                tenant = TENANTS[(n + i) % len(TENANTS)]
                if i % 5 == 4:
                    batch = [{"action": "BATCH", "target_id": f"w{n}-{i}-{k}"} for k in range(5)]
                    conn.execute(
                        "select beamline.log_action(%s, 'alice', %s)", [tenant, Jsonb(batch)]
                    )
                else:
                    conn.execute(
                        "select beamline.log_action(%s, 'alice', 'EVENT', %s, %s)",
                        [tenant, f"w{n}-{i}", Jsonb({"writer": n, "round": i})],
                    )
    except BaseException as exc:  # reported by the test
        errors.append(exc)


def test_parallel_writers_never_fork_or_gap_a_tenants_chain(
    db_url: str, db_conn: psycopg.Connection[Any]
) -> None:
    for tenant in TENANTS:
        db_conn.execute("select beamline_admin.bootstrap_admin(%s, 'alice')", [tenant])
    before = {
        t: db_conn.execute(
            "select count(*) from beamline.policy_audit_log where tenant_id = %s", [t]
        ).fetchone()[0]  # type: ignore[index]
        for t in TENANTS
    }
    start = threading.Barrier(WRITERS)
    errors: list[BaseException] = []
    threads = [
        threading.Thread(target=_writer, args=(db_url, n, start, errors)) for n in range(WRITERS)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert not any(t.is_alive() for t in threads)
    written = WRITERS * ROUNDS // 5 * (4 + 5)  # 4 single events and one batch of 5 per 5 rounds
    total = 0
    for tenant in TENANTS:
        lanes: dict[int, list[int]] = {}
        for lane, seq in db_conn.execute(
            "select lane, seq from beamline.policy_audit_log where tenant_id = %s"
            " order by lane, seq",
            [tenant],
        ).fetchall():
            lanes.setdefault(lane, []).append(seq)
        for seqs in lanes.values():
            assert seqs == list(range(1, len(seqs) + 1))  # no gap, no duplicate: no fork
        rows = sum(len(seqs) for seqs in lanes.values())
        total += rows - before[tenant]
        result = db_conn.execute(
            "select beamline.verify_audit_chain(%s, 'alice')", [tenant]
        ).fetchone()[0]  # type: ignore[index]
        assert result["ok"] is True and result["checked"] == rows, result
        head = db_conn.execute(
            "select beamline.audit_chain_head(%s, 'alice')", [tenant]
        ).fetchone()[0]  # type: ignore[index]
        assert {h["lane"]: (h["seq"], h["head"]) for h in head["lanes"]} == {
            v["lane"]: (v["last_seq"], v["head"]) for v in result["lanes"]
        }
        again = db_conn.execute(
            "select beamline.verify_audit_chain(%s, 'alice', %s)", [tenant, Jsonb(head)]
        ).fetchone()[0]  # type: ignore[index]
        assert (again["ok"], again["expected_head"]) == (True, "found"), again
    assert total == written


def _open_write(url: str, tenant: str, target: str) -> psycopg.Connection[Any]:
    """A connection whose open transaction has written one audit row of tenant (and so holds a
    lane of its chain until it ends)."""
    conn = psycopg.connect(url)
    conn.execute("set lock_timeout = '5s'")
    conn.execute("select beamline.log_action(%s, 'alice', 'HOLD', %s)", [tenant, target])
    return conn


def test_an_open_audit_writer_does_not_hold_up_the_tenants_other_writers(
    db_url: str, db_conn: psycopg.Connection[Any]
) -> None:
    """With one chain per tenant, a second writer waited for the first one's commit (its audit
    row locked the tenant's head until then): here it would hit lock_timeout. With lanes, up to
    8 writers of one tenant proceed side by side, each in its own lane; the 9th waits for one."""
    db_conn.execute("select beamline_admin.bootstrap_admin('acme', 'alice')")
    holders = [_open_write(db_url, "acme", f"h{n}") for n in range(7)]
    try:
        with psycopg.connect(db_url) as conn:  # the 8th writer: a lane of its own, no wait
            conn.execute("set lock_timeout = '500ms'")
            conn.execute("select beamline.log_action('acme', 'alice', 'EIGHTH', 'x')")
            conn.commit()
        with psycopg.connect(db_url) as conn:  # with 8 open: every lane is held, so it waits
            conn.execute("select beamline.log_action('acme', 'alice', 'HOLD', 'h7')")
            with psycopg.connect(db_url) as ninth:
                ninth.execute("set lock_timeout = '300ms'")
                try:
                    ninth.execute("select beamline.log_action('acme', 'alice', 'NINTH', 'x')")
                except psycopg.errors.LockNotAvailable:
                    ninth.rollback()
                else:
                    raise AssertionError("a 9th writer found a free lane while 8 were held")
            conn.commit()
    finally:
        for h in holders:
            h.commit()
            h.close()
    lanes = db_conn.execute(
        "select count(distinct lane), count(*) filter (where action = 'NINTH')"
        " from beamline.policy_audit_log where tenant_id = 'acme'"
    ).fetchone()
    assert lanes == (8, 0)  # 8 lanes in use; the refused 9th wrote nothing
    result = db_conn.execute("select beamline.verify_audit_chain('acme', 'alice')").fetchone()[0]  # type: ignore[index]
    assert result["ok"] is True and len(result["lanes"]) == 8, result
    # a lane is checked like the single chain was: its tail removed behind the functions' back
    with db_conn.transaction(force_rollback=True):
        db_conn.execute("set local session_replication_role = replica")
        db_conn.execute(
            "delete from beamline.policy_audit_log where tenant_id = 'acme' and lane = 3"
        )
        cut = db_conn.execute("select beamline.verify_audit_chain('acme', 'alice')").fetchone()[0]  # type: ignore[index]
    assert (cut["ok"], cut["lane"], cut["reason"]) == (False, 3, "truncated"), cut
