"""max_policies is race-free (SPEC §4 Quotas, issue 4 point 3): 16 writers on 16 real
connections, released together by a barrier, each creating a distinct policy in one tenant,
never push the tenant past max_policies. The per-tenant advisory lock in
beamline_internal.quota_check_active is what makes this hold; without it several writers
would count the same usage and all insert."""

from __future__ import annotations

import threading
from typing import Any

import psycopg
import pytest
from psycopg.types.json import Jsonb

from tests.integration.test_policy_api import DOC, prepare_tenant

WRITERS = 16
LIMIT = 5


def _race(db_url: str, calls: list[tuple[str, list[Any]]]) -> list[str]:
    """Run each (sql, params) on its own connection at the same moment; return 'ok' or the
    SQLSTATE per call."""
    conns = [psycopg.connect(db_url, autocommit=True) for _ in calls]
    barrier = threading.Barrier(len(calls))
    outcomes: list[str] = [""] * len(calls)

    def run(i: int) -> None:
        sql, params = calls[i]
        barrier.wait()
        try:
            conns[i].execute(sql, params)
            outcomes[i] = "ok"
        except psycopg.Error as exc:
            outcomes[i] = exc.sqlstate or "?"

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for c in conns:
        c.close()
    return outcomes


@pytest.mark.parametrize("existing", [0, 3])
def test_parallel_creators_never_exceed_max_policies(
    db_url: str, db_conn: psycopg.Connection[Any], existing: int
) -> None:
    prepare_tenant(db_conn, max_policies=LIMIT)
    for i in range(existing):
        db_conn.execute(
            "select beamline.put_policy('t1', %s, %s, 'alice')", [f"old{i}", Jsonb(DOC)]
        )
    calls = [
        ("select beamline.put_policy('t1', %s, %s, 'alice')", [f"new{i}", Jsonb(DOC)])
        for i in range(WRITERS)
    ]
    outcomes = _race(db_url, calls)
    assert outcomes.count("ok") == LIMIT - existing
    assert outcomes.count("BL003") == WRITERS - (LIMIT - existing)
    row = db_conn.execute(
        "select count(*) from beamline.policies where tenant_id = 't1' and is_active"
    ).fetchone()
    assert row == (LIMIT,)


def test_parallel_reactivations_respect_max_policies(
    db_url: str, db_conn: psycopg.Connection[Any]
) -> None:
    """activate_policy of inactive policies races through the same check."""
    prepare_tenant(db_conn, max_policies=WRITERS)
    for i in range(WRITERS):
        db_conn.execute("select beamline.put_policy('t1', %s, %s, 'alice')", [f"p{i}", Jsonb(DOC)])
        db_conn.execute("select beamline.deactivate_policy('t1', %s, 'alice')", [f"p{i}"])
    db_conn.execute("select beamline.set_quota('t1', 'alice', %s)", [LIMIT])
    calls = [
        ("select beamline.activate_policy('t1', %s, 1, 'alice')", [f"p{i}"]) for i in range(WRITERS)
    ]
    outcomes = _race(db_url, calls)
    assert outcomes.count("ok") == LIMIT
    assert set(outcomes) == {"ok", "BL003"}
