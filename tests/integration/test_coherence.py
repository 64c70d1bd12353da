"""Cache coherence against real PostgreSQL (SPEC §5): eviction on another connection's commit,
the stale-fill race forced deterministically, a change made while the listener is
disconnected, and a server restart healed without restarting the process."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import psycopg
import pytest

from beamline_store.config import Settings
from beamline_store.embedded import Cluster
from beamline_store.migrate import migrate
from beamline_store.store import Store
from tests.support.store_support import (
    ADMIN,
    TENANT,
    bootstrap,
    make_store,
    policy,
    settle,
)

WAIT = 30.0  # upper bound so a broken build fails instead of hanging; never a speed claim


def eventually(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.002)


def put_elsewhere(url: str, settings: Settings, weight: int, policy_id: str = "p1") -> int:
    """Write through a separate connection (as the application role), like another process."""
    with psycopg.connect(url, autocommit=True, options=f"-c role={settings.app_role}") as conn:
        row = conn.execute(
            "select version from beamline.put_policy(%s, %s, %s::jsonb, %s)",
            [TENANT, policy_id, psycopg.types.json.Jsonb(policy(weight)), ADMIN],
        ).fetchone()
    assert row is not None
    return int(row[0])


@pytest.fixture
def store(db_url: str, settings: Settings) -> Iterator[Store]:
    s = make_store(db_url, settings)
    bootstrap(s)
    try:
        yield s
    finally:
        s.close()


def cached(store: Store, policy_id: str = "p1") -> bool:
    return (TENANT, policy_id) in store._policies


def test_eviction_on_a_commit_by_another_connection(
    store: Store, db_url: str, settings: Settings
) -> None:
    store.put_policy(TENANT, "p1", policy(70))
    settle(store)
    assert store.get_policy(TENANT, "p1").version == 1 and cached(store)
    put_elsewhere(db_url, settings, 50)
    eventually(lambda: not cached(store), "the listener evicts p1")
    assert store.get_policy(TENANT, "p1").version == 2


def test_stale_fill_race_cannot_leave_v1(store: Store, db_url: str, settings: Settings) -> None:
    """Reader misses and reads v1; writer commits v2; the signal is processed; then the reader
    stores v1. Forced with events: the reader's fill must be refused."""
    store.put_policy(TENANT, "p1", policy(70))
    store.check_permission(TENANT, ADMIN, "policy:read")
    store._policies.clear()
    read_done, may_store = threading.Event(), threading.Event()
    original = store._call

    def gated(name: str, params: Any) -> Any:
        rows = original(name, params)
        if name == "GET_POLICY" and threading.current_thread().name == "reader":
            read_done.set()
            may_store.wait(WAIT)
        return rows

    store._call = gated  # type: ignore[method-assign]
    result: list[int] = []
    reader = threading.Thread(
        target=lambda: result.append(store.get_policy(TENANT, "p1").version), name="reader"
    )
    reader.start()
    assert read_done.wait(WAIT)  # the reader holds v1
    invalidations = store._policies.invalidations
    put_elsewhere(db_url, settings, 50)  # v2 committed by someone else
    eventually(lambda: store._policies.invalidations > invalidations, "v2's signal processed")
    may_store.set()
    reader.join(WAIT)
    store._call = original  # type: ignore[method-assign]
    assert result == [1]  # the reader itself got what it read
    assert store._policies.refused_fills >= 1
    assert store.get_policy(TENANT, "p1").version == 2  # v1 never landed in the cache


def test_change_while_the_listener_is_disconnected(
    store: Store, db_url: str, settings: Settings, db_conn: psycopg.Connection
) -> None:
    listener = store.listener
    store.put_policy(TENANT, "p1", policy(70))
    settle(store)
    assert store.get_policy(TENANT, "p1").version == 1
    hold = threading.Event()
    connect = listener._connect

    def held_connect() -> Any:
        hold.wait(WAIT)
        return connect()

    listener._connect = held_connect
    db_conn.execute("select pg_terminate_backend(%s)", [listener.backend_pid])
    eventually(lambda: listener.state()["state"] == "reconnecting", "listener notices")
    put_elsewhere(db_url, settings, 40)  # its NOTIFY reaches nobody
    assert cached(store)  # nothing could tell the cache yet
    hold.set()
    eventually(lambda: listener.reconnects == 1, "listener reconnects")
    assert not cached(store)  # the resync from the change log evicted it
    assert store.get_policy(TENANT, "p1").version == 2
    put_elsewhere(db_url, settings, 30)  # and signals work again
    eventually(lambda: not cached(store), "evicted after reconnect")


def test_server_restart_heals_without_process_restart(own_cluster: Cluster) -> None:
    url = own_cluster.url()
    settings = replace(Settings(), home=own_cluster.home, pool_timeout=2.0, connect_timeout=2.0)
    migrate(url, settings)
    store = make_store(url, settings, probe_interval=0.2)
    try:
        bootstrap(store)
        store.put_policy(TENANT, "p1", policy(70))
        settle(store)
        assert store.get_policy(TENANT, "p1").version == 1
        own_cluster.stop()
        eventually(lambda: store.listener.state()["state"] == "reconnecting", "listener down")
        assert store.get_policy(TENANT, "p1").version == 1  # cached reads keep answering
        reconnects = store.listener.reconnects
        own_cluster.start()
        url = own_cluster.url()
        assert url == store.conninfo, "the restarted cluster must keep its address"
        eventually(lambda: store.listener.reconnects > reconnects, "listener reconnects")
        put_elsewhere(url, settings, 40)
        eventually(lambda: not cached(store), "change after restart evicts")

        def healed() -> bool:
            try:
                return store.get_policy(TENANT, "p1").version == 2
            except Exception:
                return False

        eventually(healed, "reads through the pool work again")
        assert store.put_policy(TENANT, "p1", policy(20)).version == 3
    finally:
        store.close()


def test_poll_backstop_when_listen_cannot_work(db_url: str, settings: Settings) -> None:
    """Where LISTEN can't work (standby, transaction pooler) the listener polls the change log."""
    polling = replace(settings, poll_interval=0.2)
    store = make_store(db_url, polling, listen=False)
    listener = store.make_listener()
    listener._check_listen_works = lambda conn: "polling"  # type: ignore[method-assign]
    store.listener = listener
    listener.start()
    try:
        assert listener.wait_ready(WAIT)
        bootstrap(store)
        store.put_policy(TENANT, "p1", policy(70))
        assert listener.state()["state"] == "polling"
        syncs = listener.syncs
        eventually(lambda: listener.syncs >= syncs + 2, "two polls")
        assert store.get_policy(TENANT, "p1").version == 1 and cached(store)
        put_elsewhere(db_url, settings, 50)
        eventually(lambda: not cached(store), "a poll evicts p1")
        assert listener.signals == 0  # no notification was involved
    finally:
        store.close()


def test_own_write_is_not_evicted_by_its_own_signal(
    store: Store, db_url: str, settings: Settings
) -> None:
    """Read-your-writes without a wasted miss: the write's own change signal (same xid) leaves
    the written-through version in place, while another writer's signal still evicts."""
    store.put_policy(TENANT, "p1", policy(70))
    settle(store)  # the write's own signal (and its change-log entry) has been processed
    calls = store.calls.calls["GET_POLICY"]
    assert cached(store) and store.get_policy(TENANT, "p1").version == 1
    assert store.calls.calls["GET_POLICY"] == calls, "served from the write-through entry"
    put_elsewhere(db_url, settings, 50)
    eventually(lambda: not cached(store), "another writer's signal still evicts p1")
    assert store.get_policy(TENANT, "p1").version == 2


def test_signal_of_another_writer_during_own_write_is_applied_after_it(
    store: Store, db_url: str, settings: Settings
) -> None:
    """A change by another writer, signalled while this process's put_policy of the same key is
    in flight, is held back and applied once the write returns: the key ends up evicted."""
    store.put_policy(TENANT, "p1", policy(70))
    settle(store)
    key = (TENANT, "p1")
    with store._coherence.writing(key):  # as if a put_policy of p1 were in flight
        put_elsewhere(db_url, settings, 50)
        deferred = store._coherence._deferred
        eventually(lambda: key in deferred, "the other writer's signal is deferred")
        assert cached(store), "not applied while the write is in flight"
    assert not cached(store), "applied when the write returned"
    written = store.put_policy(TENANT, "p1", policy(40))
    assert written.version == 3
    settle(store)
    assert store.get_policy(TENANT, "p1").version == 3


def test_values_cached_before_the_listener_follows_the_log_are_dropped(
    db_url: str, settings: Settings
) -> None:
    """A change committed before the listener takes its first watermark can never be replayed
    from the change log, so what was cached before that point is flushed."""
    store = make_store(db_url, settings, listen=False)
    try:
        bootstrap(store)
        store.put_policy(TENANT, "p1", policy(70))
        assert store.get_policy(TENANT, "p1").version == 1 and cached(store)
        put_elsewhere(db_url, settings, 50)  # committed while nothing listens
        listener = store.make_listener()
        store.listener = listener
        listener.start()
        assert listener.wait_ready(30)
        assert store.get_policy(TENANT, "p1").version == 2
    finally:
        store.close()


def test_a_forged_wake_up_of_an_unknown_kind_flushes_nothing(
    store: Store, db_url: str, settings: Settings
) -> None:
    """Any role may NOTIFY beamline_changes (helper review, 2026-12-03): a payload of an unknown
    kind used to flush every cache of every listening process, a cache-miss storm on demand. The
    payload may now evict only the key it names; the change log decides the rest."""
    store.put_policy(TENANT, "p1", policy(70))
    store.put_policy(TENANT, "p2", policy(60))
    settle(store)
    assert cached(store, "p1") and cached(store, "p2")
    with psycopg.connect(db_url, autocommit=True, options=f"-c role={settings.app_role}") as conn:
        conn.execute(
            "select pg_notify('beamline_changes', %s)",
            ['{"kind": "zzz", "tenant": "t9", "key": "k", "change_id": 1}'],
        )
    # a real change after it: once the listener has applied that, it has handled the forged one
    put_elsewhere(db_url, settings, 50, "p2")
    eventually(lambda: not cached(store, "p2"), "the listener evicts p2")
    assert cached(store, "p1"), "the forged signal flushed the cache"
