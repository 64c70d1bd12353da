"""Invalidation signal (SPEC §5, issue 4 point 6): the change log, the coalesced NOTIFY on
channel beamline_changes, and exact resync with safe watermarks (docs/CACHE_COHERENCE.md).

Cases: a change committed while nobody listens is returned by changes_since after reconnect;
a signal carries keys and ids only; a late commit with a smaller change id is not missed
(why ids are not watermarks); a rolled-back change leaves nothing; and end to end, 8 writers
on real connections plus a reader following the documented algorithm (wake on signal, then
re-read until the watermark passes the horizon) see every change although writers coalesce
their signals."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from tests.integration.test_policy_api import DOC, prepare_tenant

CHANNEL = "beamline_changes"


def changes_since(conn: psycopg.Connection[Any], watermark: int) -> tuple[int, int, list[Any]]:
    """(next watermark, horizon, changes) after reading every page."""
    out: list[Any] = []
    while True:
        row = conn.execute(
            "select watermark, horizon, more, changes from beamline.changes_since(%s, 1000)",
            [watermark],
        ).fetchone()
        assert row is not None
        watermark, horizon, more, changes = row
        out += changes
        if not more:
            return watermark, horizon, out


def put(conn: psycopg.Connection[Any], policy: str, tenant: str = "t1") -> None:
    conn.execute("select beamline.put_policy(%s, %s, %s, 'alice')", [tenant, policy, Jsonb(DOC)])


def test_change_committed_while_nobody_listens_is_resynced(
    db_url: str, db_conn: psycopg.Connection[Any]
) -> None:
    prepare_tenant(db_conn)
    with psycopg.connect(db_url, autocommit=True) as listener:
        listener.execute(f"listen {CHANNEL}")
        row = listener.execute("select beamline.current_watermark()").fetchone()
        assert row is not None
        watermark = int(row[0])
    # The listener is gone: this signal is lost.
    put(db_conn, "p1")
    db_conn.execute("select beamline.set_quota('t1', 'alice', 7)")
    with psycopg.connect(db_url, autocommit=True) as listener:
        listener.execute(f"listen {CHANNEL}")
        _, _, changes = changes_since(listener, watermark)
    keys = {(c["kind"], c["object_id"]) for c in changes}
    assert ("policy", "p1") in keys
    assert ("quota", "t1") in keys


def test_signal_carries_keys_not_documents(db_url: str, db_conn: psycopg.Connection[Any]) -> None:
    prepare_tenant(db_conn)
    with psycopg.connect(db_url, autocommit=True) as listener:
        listener.execute(f"listen {CHANNEL}")
        put(db_conn, "p1")
        notes = list(listener.notifies(timeout=5.0, stop_after=1))
    assert len(notes) == 1
    payload = json.loads(notes[0].payload)
    assert set(payload) == {"change_id", "xid", "kind", "tenant", "key", "version"}
    assert (payload["kind"], payload["tenant"], payload["key"]) == ("policy", "t1", "p1")
    assert len(notes[0].payload) < 8000


def test_late_commit_with_smaller_id_is_not_missed(
    db_url: str, db_conn: psycopg.Connection[Any]
) -> None:
    # Two tenants: the audit writers of one tenant queue on its audit hash chain from their
    # audit row to their commit (issue 11, docs/AUDIT.md), so a second writer of t1 would wait.
    prepare_tenant(db_conn)
    prepare_tenant(db_conn, "t2")
    put(db_conn, "slow")
    put(db_conn, "fast", "t2")  # both exist: new versions take only their own policy's lock
    start = int(db_conn.execute("select beamline.current_watermark()").fetchone()[0])  # type: ignore[index]
    with psycopg.connect(db_url) as slow:  # a transaction left open
        put(slow, "slow")  # takes the smaller change id, commits last
        put(db_conn, "fast", "t2")
        watermark, _, first = changes_since(db_conn, start)
        assert {c["object_id"] for c in first if c["kind"] == "policy"} == {"fast"}
        slow.commit()
    _, _, second = changes_since(db_conn, watermark)
    slow_ids = [c["change_id"] for c in second if c["object_id"] == "slow"]
    fast_ids = [c["change_id"] for c in first if c["object_id"] == "fast"]
    assert slow_ids, "the late commit is returned from the earlier watermark"
    assert max(slow_ids) < min(fast_ids), "its id is smaller: an id watermark would have lost it"


def test_rolled_back_change_leaves_no_entry(db_url: str, db_conn: psycopg.Connection[Any]) -> None:
    prepare_tenant(db_conn)
    with psycopg.connect(db_url) as conn:
        put(conn, "ghost")
        conn.rollback()
    _, _, changes = changes_since(db_conn, 0)
    assert all(c["object_id"] != "ghost" for c in changes)


class Reader(threading.Thread):
    """The documented client algorithm (docs/CACHE_COHERENCE.md), without a poll backstop:
    on a signal read changes_since and raise the target to its horizon; re-read every
    RECHECK seconds while watermark < target."""

    RECHECK = 0.005

    def __init__(self, url: str, watermark: int) -> None:
        super().__init__(daemon=True)
        self.conn = psycopg.connect(url, autocommit=True)
        self.conn.execute(f"listen {CHANNEL}")
        self.watermark = watermark
        self.target = 0
        self.seen: set[int] = set()
        self.signals = 0
        self.stop = threading.Event()

    def read(self) -> int:
        self.watermark, horizon, changes = changes_since(self.conn, self.watermark)
        self.seen.update(c["change_id"] for c in changes)
        return horizon

    def run(self) -> None:
        while not self.stop.is_set():
            woke = False
            for _ in self.conn.notifies(timeout=0.05, stop_after=1):
                self.signals += 1
                woke = True
            if woke:
                self.target = max(self.target, self.read())
            while self.watermark < self.target and not self.stop.is_set():
                time.sleep(self.RECHECK)
                self.read()
        self.conn.close()


def test_coalesced_signals_with_watermark_recheck_see_every_change(
    db_url: str, db_conn: psycopg.Connection[Any]
) -> None:
    prepare_tenant(db_conn, max_policies=1000)
    start = int(db_conn.execute("select beamline.current_watermark()").fetchone()[0])  # type: ignore[index]
    reader = Reader(db_url, start)
    reader.start()
    writers, per_writer = 8, 25

    def write(w: int) -> None:
        with psycopg.connect(db_url, autocommit=True) as conn:
            for i in range(per_writer):
                put(conn, f"w{w}-{i % 5}")

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rows = db_conn.execute(
        "select id from beamline.change_log where xid::text::bigint >= %s", [start]
    ).fetchall()
    expected = {r[0] for r in rows}
    assert len(expected) == writers * per_writer  # one entry per put_policy (a new version)
    deadline = time.monotonic() + 30.0  # a bound for termination, not a speed assertion
    while not expected <= reader.seen and time.monotonic() < deadline:
        time.sleep(0.05)
    reader.stop.set()
    reader.join()
    assert expected - reader.seen == set()
    assert 0 < reader.signals <= writers * per_writer
