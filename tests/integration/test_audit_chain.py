"""The audit log's per-tenant hash chain under real concurrency (issue 11): writers on parallel
connections never fork a tenant's chain or leave a gap in it, and every chain verifies."""

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
        seqs = [
            r[0]
            for r in db_conn.execute(
                "select seq from beamline.policy_audit_log where tenant_id = %s order by seq",
                [tenant],
            ).fetchall()
        ]
        assert seqs == list(range(1, len(seqs) + 1))  # no gap, no duplicate: one chain
        total += len(seqs) - before[tenant]
        result = db_conn.execute(
            "select beamline.verify_audit_chain(%s, 'alice')", [tenant]
        ).fetchone()[0]  # type: ignore[index]
        assert result["ok"] is True and result["checked"] == len(seqs), result
        head = db_conn.execute(
            "select beamline.audit_chain_head(%s, 'alice')", [tenant]
        ).fetchone()[0]  # type: ignore[index]
        assert (head["seq"], head["head"]) == (len(seqs), result["head"])
    assert total == written
