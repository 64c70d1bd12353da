"""Compare-and-set has no lost updates (SPEC §4, issue 4 point 1): 16 writers on real
connections, released together, all write the same policy with the same expected_version;
exactly one wins, the others get BL005, and exactly one new version exists."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from tests.integration.test_policy_api import DOC, prepare_tenant
from tests.integration.test_quota_race import WRITERS, _race


def test_same_expected_version_has_exactly_one_winner(
    db_url: str, db_conn: psycopg.Connection[Any]
) -> None:
    prepare_tenant(db_conn)
    db_conn.execute("select beamline.put_policy('t1', 'p1', %s, 'alice')", [Jsonb(DOC)])
    docs = [dict(DOC, metadata={"writer": i}) for i in range(WRITERS)]
    calls = [("select beamline.put_policy('t1', 'p1', %s, 'alice', 1)", [Jsonb(d)]) for d in docs]
    outcomes = _race(db_url, calls)
    assert outcomes.count("ok") == 1
    assert outcomes.count("BL005") == WRITERS - 1
    rows = db_conn.execute(
        "select version, is_active, data from beamline.policies"
        " where tenant_id = 't1' and policy_id = 'p1' order by version"
    ).fetchall()
    assert [(r[0], r[1]) for r in rows] == [(1, False), (2, True)]
    assert rows[1][2] == docs[outcomes.index("ok")]


def test_unconditional_writers_all_land_as_distinct_versions(
    db_url: str, db_conn: psycopg.Connection[Any]
) -> None:
    """Without expected_version every write lands: versions 2..17, no duplicates, one active."""
    prepare_tenant(db_conn)
    db_conn.execute("select beamline.put_policy('t1', 'p1', %s, 'alice')", [Jsonb(DOC)])
    calls = [
        ("select beamline.put_policy('t1', 'p1', %s, 'alice')", [Jsonb(DOC)])
        for _ in range(WRITERS)
    ]
    assert _race(db_url, calls) == ["ok"] * WRITERS
    rows = db_conn.execute(
        "select array_agg(version order by version), count(*) filter (where is_active)"
        " from beamline.policies where tenant_id = 't1' and policy_id = 'p1'"
    ).fetchone()
    assert rows == (list(range(1, WRITERS + 2)), 1)
