"""The two races of issue 13, performed against real PostgreSQL (SPEC §5.7, §5.8):

1. Coalesced NOTIFY misses a writer: two explicit writer transactions with a forced order (N gets
   its xid first and the notifier row, W gets a larger xid and skips NOTIFY; N commits, the
   reader wakes and reads, only then W commits). W's xid is >= the reader's snapshot xmax
   (latestCompletedXid + 1), so a horizon taken from xmax let the reader stop before W.
2. A different server history: the listener reconnects to a server whose transaction ids
   rewound (a base backup of the same cluster started in its place, as after a restore or a
   lossy failover): caches, watermark and own-write xids from the old history must go.
3. On a hot standby (no xid can be handed out) the listener keeps polling, reconnections too.

Each test bounds staleness well below the listener's poll backstop (set to 60 s here), so only a
signal-driven read can pass it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.types.json import Jsonb

from beamline_store.config import Settings
from beamline_store.embedded import Cluster, find_bindir
from beamline_store.migrate import migrate
from beamline_store.store import Store
from tests.support.store_support import ADMIN, TENANT, bootstrap, make_store, policy, settle

WAIT = 30.0  # termination bound for a broken build, never a speed claim
STALE_BOUND = 2.0  # seconds: far below the 60-s poll backstop


def eventually(condition: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened within {timeout:g} s: {what}")
        time.sleep(0.002)


OTHER = "beta"  # writes of one tenant queue on its quota lock: W writes in another tenant


def cached(store: Store, tenant: str, policy_id: str) -> bool:
    return (tenant, policy_id) in store._policies


def app_connect(url: str, settings: Settings, **kwargs: Any) -> psycopg.Connection[Any]:
    return psycopg.connect(url, options=f"-c role={settings.app_role}", **kwargs)


def put(conn: psycopg.Connection[Any], tenant: str, policy_id: str, weight: int) -> int:
    """put_policy on *conn* (in its open transaction); the transaction's xid."""
    row = conn.execute(
        "select pg_catalog.pg_current_xact_id()::text::bigint"
        " from beamline.put_policy(%s, %s, %s::jsonb, %s)",
        [tenant, policy_id, Jsonb(policy(weight)), ADMIN],
    ).fetchone()
    assert row is not None
    return int(row[0])


@pytest.fixture
def store(db_url: str, settings: Settings) -> Iterator[Store]:
    s = make_store(db_url, replace(settings, poll_interval=60.0))
    bootstrap(s)
    try:
        yield s
    finally:
        s.close()


def test_writer_that_skipped_notify_and_commits_after_the_woken_read_is_seen(
    store: Store, db_url: str, settings: Settings
) -> None:
    listener = store.listener
    assert listener is not None
    bootstrap(store, OTHER)
    keys = [(TENANT, "p1"), (OTHER, "p2")]
    for tenant, pid in keys:
        store.put_policy(tenant, pid, policy(70))
    settle(store)
    store._coherence.flush()
    for tenant, pid in keys:
        assert store.get_policy(tenant, pid).version == 1 and cached(store, tenant, pid)

    with app_connect(db_url, settings) as n, app_connect(db_url, settings) as w:
        n_xid = put(n, TENANT, "p1", 50)
        w_xid = put(w, OTHER, "p2", 50)
        assert w_xid > n_xid  # W holds the largest xid handed out so far
        # Run the commit-time triggers now, in this order: N takes the notifier row (its NOTIFY
        # goes out at its commit); W finds the row locked and will not notify.
        n.execute("set constraints all immediate")
        w.execute("set constraints all immediate")
        syncs = listener.syncs
        n.commit()
        eventually(lambda: not cached(store, TENANT, "p1"), "N's signal evicts p1")
        # Let the woken read finish (it may wait a moment for W), then commit W after it.
        eventually(lambda: listener.syncs > syncs, "the woken read ran")
        assert cached(store, OTHER, "p2")  # W has not committed: p2 is still current
        w.commit()
        committed = time.monotonic()
    eventually(lambda: not cached(store, OTHER, "p2"), "W's change reaches the reader", STALE_BOUND)
    assert time.monotonic() - committed < STALE_BOUND
    assert store.get_policy(OTHER, "p2").version == 2


# -- race 2: a different server history -------------------------------------------------------


def base_backup(cluster: Cluster, *, standby: bool = False) -> Path:
    """pg_basebackup of the running *cluster* (as the server user, WAL streamed): a copy that
    starts as the same system, on the same timeline, with the transaction ids of this moment."""
    target = cluster.home / "backup"
    target.mkdir(mode=0o700)
    account = cluster._server_account()
    if account is not None:
        os.chown(target, account.pw_uid, account.pw_gid)
    port = cluster.port()
    cluster._run(
        [str(find_bindir() / "pg_basebackup"), "-D", str(target), "-X", "stream", "-c", "fast",
         "-h", str(cluster.home), "-p", str(port), "-U", "postgres"]
        + (["-R"] if standby else [])
    )  # fmt: skip
    return target


def restore_in_place(cluster: Cluster, backup: Path) -> None:
    """Stop the server and start the backup in its place (same address): the writes made since
    the backup are gone and the transaction ids rewind, as after a restore or a lossy failover."""
    cluster.stop()
    cluster.data_dir.rename(cluster.data_dir.with_name("data-lost"))
    backup.rename(cluster.data_dir)
    cluster.start()


def xid_now(conn: psycopg.Connection[Any]) -> int:
    row = conn.execute("select pg_catalog.pg_current_xact_id()::text::bigint").fetchone()
    assert row is not None
    return int(row[0])


def test_listener_flushes_when_the_server_history_changes_and_forgets_own_xids(
    own_cluster: Cluster,
) -> None:
    url = own_cluster.url()
    settings = replace(
        Settings(), home=own_cluster.home, pool_timeout=2.0, connect_timeout=2.0,
        poll_interval=60.0,
    )  # fmt: skip
    migrate(url, settings)
    store = make_store(url, settings, probe_interval=0.2)
    listener = store.listener
    assert listener is not None
    try:
        bootstrap(store)
        for pid in ("p1", "p2"):
            store.put_policy(TENANT, pid, policy(70))
        backup = base_backup(own_cluster)
        # The old history moves on: xids far past the backup, p1 v2 by another writer, p2 v2 by
        # this process (its xid is remembered as an own write).
        with psycopg.connect(url, autocommit=True) as conn:
            for _ in range(300):
                xid_now(conn)
        with app_connect(url, settings, autocommit=True) as other:
            put(other, TENANT, "p1", 50)
        own = store.put_policy(TENANT, "p2", policy(60))
        assert own.version == 2
        own_xid = max(store._coherence._own_xids)
        settle(store)
        assert store.get_policy(TENANT, "p1").version == 2
        assert store.get_policy(TENANT, "p2").version == 2 and cached(store, TENANT, "p2")
        reconnects = listener.reconnects

        restore_in_place(own_cluster, backup)
        assert own_cluster.url() == url, "the restored server keeps the address"
        eventually(lambda: listener.reconnects > reconnects, "the listener reconnects")
        # 0 stale keys: both versions 2 vanished with the old history; the store serves what
        # the database has, its own acknowledged write included (it was lost).
        for pid in ("p1", "p2"):
            assert not cached(store, TENANT, pid), f"{pid} v2 of the lost history is served"
        assert listener.new_histories == 1

        def current(pid: str) -> int:
            try:
                return store.get_policy(TENANT, pid).version
            except Exception:  # the pool is still reconnecting
                return -1

        eventually(lambda: current("p1") == 1, "p1 is v1 again")
        assert current("p2") == 1 and cached(store, TENANT, "p2")

        # The new history hands out the old history's own-write xid again, to another writer:
        # its change must evict p2 (an own-write match would keep the stale v1).
        with psycopg.connect(url, autocommit=True) as conn:
            while xid_now(conn) < own_xid - 1:
                pass
        with app_connect(url, settings) as other:
            assert xid_now(other) == own_xid, "another transaction took the xid: rerun"
            put(other, TENANT, "p2", 10)
            other.commit()
        eventually(lambda: not cached(store, TENANT, "p2"), "p2 evicted", STALE_BOUND)
        assert store.get_policy(TENANT, "p2").version == 2
    finally:
        store.close()


def test_listener_on_a_hot_standby_polls_without_a_horizon(own_cluster: Cluster) -> None:
    """change_horizon() needs a new xid, which a hot standby cannot hand out: there the listener
    keeps polling the change log (state ``polling``), as before issue 13."""
    url = own_cluster.url()
    settings = replace(Settings(), home=own_cluster.home, poll_interval=0.2)
    migrate(url, settings)
    backup = base_backup(own_cluster, standby=True)
    port = 1 + int(own_cluster.port() or 0)
    options = f"-p {port} -k {own_cluster.home} -c max_connections=300"  # as the primary's
    proc = own_cluster._run(
        [str(find_bindir() / "pg_ctl"), "start", "-w", "-D", str(backup),
         "-l", str(backup / "standby.log"), "-o", options],
        check=False,
    )  # fmt: skip
    log = backup / "standby.log"
    assert proc.returncode == 0, log.read_text() if log.exists() else proc.stderr
    try:
        standby_url = url.replace(f"port={own_cluster.port()}", f"port={port}")
        assert standby_url != url
        store = make_store(url, settings, listen_conninfo=standby_url)
        try:
            listener = store.listener
            assert listener is not None and listener.state()["state"] == "polling"
            syncs = listener.syncs
            eventually(lambda: listener.syncs >= syncs + 2, "the listener polls the standby")
            # A reconnection resyncs (the path that takes a horizon on a primary).
            with psycopg.connect(standby_url, autocommit=True) as conn:
                conn.execute(
                    "select pg_terminate_backend(pid) from pg_stat_activity"
                    " where application_name = 'beamline-store-listener'"
                )
            eventually(lambda: listener.reconnects >= 1, "the listener reconnects")
            syncs = listener.syncs
            eventually(lambda: listener.syncs >= syncs + 2, "and polls again")
            assert listener.state()["state"] == "polling"
        finally:
            store.close()
    finally:
        own_cluster._run(
            [str(find_bindir() / "pg_ctl"), "stop", "-m", "immediate", "-D", str(backup)]
        )
