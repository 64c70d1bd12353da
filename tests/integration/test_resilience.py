"""Resilience of the client against a real server (issue 12): every call bounded, fail fast
while down, recovery on demand, outcome-unknown writes, standby writes, refusals at connect,
DevState's pool after a restart. Faults are real: a stopped server, SIGSTOP-frozen processes,
terminated backends.

Cases
    sticky degraded      after an outage, a call ending in a database error (NotFound) clears
                         "down": the following writes all succeed at once
    probe blocking       with a frozen postmaster, calls wait on the network at most once per
                         probe interval (counted from the end of the previous wait, waits never
                         chain); the others fail in milliseconds
    shared probe         4 callers meet a cut connection to a frozen server: those that wait
                         for the one probe share its failure, none probes after it
    listener reconnect   while a pooled backend is frozen the listener reconnects and listens
                         again at once (the store's pools are renewed, not checked by a round
                         trip without a deadline); the next write is answered at once
    serve stale          an expired entry inside serve_stale_for is answered at once while down
    hung backends        SIGSTOP of the store's backends: a write fails within call_timeout
                         (WriteOutcomeUnknown, a DatabaseUnavailable); the listener notices
                         and reconnects; a read is answered again at once
    outcome unknown      a write whose connection dies after it was sent raises
                         WriteOutcomeUnknown; nothing was written; the retry with
                         expected_version is safe
    commit past deadline a write whose COMMIT waited for a synchronous standby past the
                         deadline is WriteOutcomeUnknown, its cached key evicted (both clients)
    read-only server     a write refused with 25006 raises ReadOnlyDatabase with a hint; the
                         pools are dropped, so writes work once the server accepts them
    wrong login          a login lacking the application role, or an unknown role: a
                         ConfigurationError with the reason at once, not "unreachable" later
    DevState restart     DevState's pooled connections after a server restart: no failure
                         (Store and AsyncStore)
    first call back      after the server returns, the first call succeeds without backoff
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import psycopg
import pytest

from beamline_store.config import Settings
from beamline_store.embedded import Cluster
from beamline_store.errors import (
    ConfigurationError,
    DatabaseUnavailable,
    NotFound,
    ReadOnlyDatabase,
    WriteOutcomeUnknown,
)
from beamline_store.migrate import migrate
from beamline_store.store import Store
from tests.support.async_support import SyncAsyncStore, make_any_store
from tests.support.devstate_support import register_key
from tests.support.store_support import TENANT, bootstrap, make_store, policy

FAST = {"call_timeout": 1.0, "connect_timeout": 1.0, "pool_timeout": 1.0}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def fast(settings: Settings, **extra: object) -> Settings:
    return replace(settings, **{**FAST, **extra})  # type: ignore[arg-type]


def backend_pids(admin_url: str, application_name: str) -> list[int]:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        rows = conn.execute(
            "select pid from pg_stat_activity where application_name = %s and pid <> "
            "pg_backend_pid()",
            [application_name],
        ).fetchall()
    return [int(r[0]) for r in rows]


def eventually(predicate: object, what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


@pytest.fixture
def migrated(own_cluster: Cluster) -> Iterator[tuple[Cluster, Settings]]:
    settings = fast(replace(Settings(), home=own_cluster.home))
    migrate(own_cluster.url(), settings, login_role=True)
    yield own_cluster, settings


@contextlib.contextmanager
def frozen(pids: list[int]) -> Iterator[None]:
    """SIGSTOP *pids* for the block (SIGCONT afterwards, whatever happens)."""
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)


def timed(call: Callable[[], object]) -> tuple[float, BaseException | None]:
    start = time.monotonic()
    try:
        call()
    except Exception as exc:
        return time.monotonic() - start, exc
    return time.monotonic() - start, None


# -- outages ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_any_round_trip_clears_down_even_a_database_error(
    kind: str,
    migrated: tuple[Cluster, Settings],
) -> None:
    cluster, settings = migrated
    store = make_any_store(kind, cluster.url(), settings, listen=False, probe_interval=0.2)
    try:
        bootstrap(store)
        store.put_policy(TENANT, "p", policy(70))
        cluster.stop()
        with pytest.raises(DatabaseUnavailable):
            store.get_policy(TENANT, "missing-1")
        assert store.stats()["degraded"] is True
        cluster.start()
        time.sleep(0.25)  # the probe interval: the next call may try again
        with pytest.raises(NotFound):  # a database error is a successful round trip
            store.get_policy(TENANT, "missing-2")
        assert store.stats()["degraded"] is False
        refused = 0
        for weight in range(40):
            try:
                store.put_policy(TENANT, "p", policy(weight))
            except DatabaseUnavailable:
                refused += 1
        assert refused == 0
    finally:
        store.close()


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_first_call_after_the_server_returns_succeeds_without_backoff(
    kind: str,
    migrated: tuple[Cluster, Settings],
) -> None:
    cluster, settings = migrated
    store = make_any_store(kind, cluster.url(), settings, listen=False, probe_interval=0.05)
    try:
        bootstrap(store)
        cluster.stop()
        for _ in range(3):  # the pool's own reconnection attempts fail meanwhile
            with pytest.raises(DatabaseUnavailable):
                store.put_policy(TENANT, "p", policy(10))
            time.sleep(0.1)
        cluster.start()
        time.sleep(0.06)  # past the probe interval
        # AsyncStore: this call probes and succeeds. Store: its recovery thread also tries
        # every 0.1 s, and a call that arrives while that attempt is in flight fails at once
        # (the probe gate; a loaded machine hit it once in 8 runs of the file): then a call
        # within the next tick succeeds. Either way without waiting for any backoff.
        deadline = time.monotonic() + 0.5
        while True:
            took, error = timed(lambda: store.put_policy(TENANT, "p", policy(20)))
            if error is None or kind == "async" or time.monotonic() > deadline:
                break
            assert isinstance(error, DatabaseUnavailable) and took < 0.05, (error, took)
        assert error is None, error
        assert took < 0.5  # a probe and a fresh pool, no backoff
    finally:
        store.close()


PROBE_INTERVAL = 1.0
# A call longer than this waited on the network: every such wait here lasts at least the call
# deadline less the watchdog's tick (~0.95 s) or a connect timeout (2 s), while a fast failure
# takes milliseconds, though a loaded 2-core machine once stalled one for 0.54 s.
WAITED = 0.8
# The gate stamps the end of a probe (or of a call cut by its deadline) a little before the
# caller's own clock reads the end of that call, and checks the interval a little after the
# next call's start: the error's translation, the broken connection's return to the pool and
# the Store's statistics lie in between. Measured gaps were 0.996-0.999 s for a 1-s interval
# (1-4 ms of bookkeeping); SLACK allows 0.3 s of it (a scheduler stall in that window on a
# loaded machine), while a probe that follows another at once (a gap of ~0 s) still fails.
SLACK = 0.3
# An episode lasts one probe (or one deadline) plus the time the callers that shared it take
# to get the GIL back from the threads failing fast in a tight loop: up to 0.12 s measured
# with 4 threads. A second probe chained to the first would add 2 s.
EPISODE_SLACK = 0.5


def episodes(calls: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Merge the (start, duration) of calls that waited on the network into episodes (start,
    end) of overlapping waits: callers that wait together share one probe's outcome."""
    merged: list[tuple[float, float]] = []
    for start, end in sorted((s, s + took) for s, took in calls if took > WAITED):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def assert_one_wait_per_interval(calls: list[tuple[float, float]], longest: float) -> None:
    """The gate's promise: waits on the network never chain (an episode is one probe or one
    deadline long), and each episode starts at least one probe interval after the previous
    one ended."""
    waits = episodes(calls)
    assert waits, "no call waited: the outage was not met"
    for start, end in waits:
        assert end - start <= longest + EPISODE_SLACK, waits
    for (_, previous_end), (start, _) in itertools.pairwise(waits):
        assert start - previous_end >= PROBE_INTERVAL - SLACK, waits


def hammer(
    store: object, seconds: float, threads: int = 1, *, writes: bool = False
) -> list[tuple[float, float]]:
    """Misses (or, *writes*, a policy write per thread: concurrent misses of one key share one
    load, writes do not) from *threads* threads for *seconds*: (start, duration) of every
    call, each of which must fail with DatabaseUnavailable."""
    calls: list[tuple[float, float]] = []
    failures: list[BaseException | None] = []
    begin = time.monotonic()

    def loop() -> None:
        name = f"p-{threading.get_ident()}"
        call: Callable[[], object] = (
            (lambda: store.put_policy(TENANT, name, policy(1)))  # type: ignore[attr-defined]
            if writes
            else (lambda: store.get_policy(TENANT, "never-cached"))  # type: ignore[attr-defined]
        )
        while time.monotonic() - begin < seconds:
            began = time.monotonic()
            took, error = timed(call)
            calls.append((began, took))
            if not isinstance(error, DatabaseUnavailable):
                failures.append(error)

    workers = [threading.Thread(target=loop, daemon=True) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(seconds + 30)
    assert not any(worker.is_alive() for worker in workers)
    assert not failures, failures
    return calls


def _probing_store(kind: str, cluster: Cluster, settings: Settings) -> tuple[Any, int]:
    """A Store / AsyncStore without listener, probing every PROBE_INTERVAL, bootstrapped; and
    the postmaster's pid (to freeze the server)."""
    status = cluster.status()
    assert status.pid is not None
    store = make_any_store(
        kind, cluster.url(), settings, listen=False, probe_interval=PROBE_INTERVAL
    )
    try:
        bootstrap(store)
    except BaseException:
        store.close()
        raise
    return store, status.pid


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_probe_blocks_at_most_once_per_interval_on_a_frozen_server(
    kind: str,
    migrated: tuple[Cluster, Settings],
) -> None:
    cluster, settings = migrated
    store, postmaster = _probing_store(kind, cluster, settings)
    try:
        store.get_quota(TENANT)  # the pool is in use
        pids = [postmaster, *backend_pids(cluster.url(), store.application_name)]
        with frozen(pids):
            calls = hammer(store, 3.5)
        # The call on the pooled connection waits for its deadline (call_timeout 1 s); from
        # then on the database is known to be down and at most one call per probe interval,
        # counted from the end of the previous wait, waits (for libpq's connect timeout, at
        # least 2 s); every other call fails at once. (The previous bound, 3 waits in 3.5 s,
        # let a probe follow a failed one at once: the gaps fixed in connection.py.)
        assert_one_wait_per_interval(calls, longest=2.0)
        assert len(calls) - len([c for c in calls if c[1] > WAITED]) >= 50
    finally:
        store.close()


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_callers_waiting_for_a_probe_share_its_failure(
    kind: str,
    migrated: tuple[Cluster, Settings],
) -> None:
    cluster, settings = migrated
    store, postmaster = _probing_store(kind, cluster, settings)
    try:
        store.get_quota(TENANT)
        # The store's connections are cut (its backends terminated), then the server stops
        # answering (postmaster frozen): the next call finds a closed connection, so the state
        # is unknown and it probes; the other writers wait for that probe and must share its
        # failure, not probe again one after the other.
        admin = cluster.url()
        pids = backend_pids(admin, store.application_name)
        assert pids
        with psycopg.connect(admin, autocommit=True) as conn:
            for pid in pids:
                conn.execute("select pg_terminate_backend(%s)", [pid])
        eventually(lambda: not backend_pids(admin, store.application_name), "backends gone")
        with frozen([postmaster]):
            calls = hammer(store, 3.5, threads=4, writes=True)
        assert_one_wait_per_interval(calls, longest=2.0)
        eventually(lambda: timed(lambda: store.get_quota(TENANT))[1] is None, "recovery")
    finally:
        store.close()


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_the_listener_reconnects_while_a_pooled_backend_is_frozen(
    kind: str,
    migrated: tuple[Cluster, Settings],
) -> None:
    cluster, settings = migrated
    store = make_any_store(kind, cluster.url(), settings, probe_interval=PROBE_INTERVAL)
    try:
        bootstrap(store)
        store.put_policy(TENANT, "p", policy(70))
        listener = store.listener
        assert listener is not None
        admin = cluster.url()
        app_pids = backend_pids(admin, store.application_name)
        assert app_pids
        reconnects = listener.reconnects
        with frozen(app_pids):
            # The listener's connection is cut: it reconnects and tells the store, whose pool
            # must not wait on the frozen idle connection (a check without a deadline kept the
            # listener thread, and so cache coherence, stuck until the backend was resumed).
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute("select pg_terminate_backend(%s)", [listener.backend_pid])
            eventually(
                lambda: (
                    listener.reconnects > reconnects and listener.state()["state"] == "listening"
                ),
                "the listener to reconnect and listen again",
                timeout=settings.call_timeout + settings.connect_timeout + 2,
            )
            # The store connects anew: the next calls are answered by fresh backends.
            took, error = timed(lambda: store.put_policy(TENANT, "p", policy(71)))
            assert error is None, error
            assert took < settings.call_timeout
    finally:
        store.close()


def test_a_caller_waiting_for_a_busy_pool_while_the_pools_are_renewed_gets_a_connection(
    migrated: tuple[Cluster, Settings],
) -> None:
    cluster, settings = migrated
    one = replace(settings, pool_min_size=1, pool_max_size=1, pool_timeout=5.0)
    store = make_store(cluster.url(), one, listen=False)
    try:
        bootstrap(store)
        connector = store._connector
        sleeping = threading.Thread(
            target=connector.run,
            args=(lambda conn: conn.execute("select pg_sleep(1.5)"),),
            kwargs={"write": False, "timeout": None},
            daemon=True,
        )
        sleeping.start()  # holds the only pooled connection
        eventually(lambda: connector.pool_stats()["pool_available"] == 0, "the pool busy")
        outcome: list[object] = []
        writer = threading.Thread(
            target=lambda: outcome.append(timed(lambda: store.put_policy(TENANT, "p", policy(1)))),
            daemon=True,
        )
        writer.start()
        eventually(lambda: connector.pool_stats()["requests_waiting"] >= 1, "the writer waiting")
        time.sleep(0.2)  # past its first 50-ms slice: now waiting in the pool's queue
        # The listener saw a reconnect: the next call probes and renews the pools, closing the
        # old one while the writer is still queued on it.
        store.pool_check()
        with pytest.raises(NotFound):
            store.get_policy(TENANT, "missing")
        writer.join(10)
        sleeping.join(10)
        assert outcome, "the writer is still waiting"
        took, error = outcome[0]  # type: ignore[misc]
        assert error is None, error  # not psycopg_pool's raw PoolClosed
        assert took < one.pool_timeout
    finally:
        store.close()


def test_a_coroutine_waiting_for_a_busy_pool_while_the_pools_are_renewed_gets_a_connection(
    migrated: tuple[Cluster, Settings],
) -> None:
    """The AsyncStore side of the test above: a coroutine queued on the old pool when a probe
    replaces it moves to the new pool (not psycopg_pool's raw PoolClosed)."""
    cluster, settings = migrated
    one = replace(settings, pool_min_size=1, pool_max_size=1, pool_timeout=5.0)
    store = SyncAsyncStore(cluster.url(), one, listen=False)
    try:
        bootstrap(store)  # type: ignore[arg-type]
        connector = store.inner._connector

        async def scenario() -> tuple[float, BaseException | None]:
            sleeping = asyncio.create_task(
                connector.run(
                    lambda conn: conn.execute("select pg_sleep(1.5)"), write=False, timeout=None
                )
            )
            while connector.pool_stats()["pool_available"] != 0:
                await asyncio.sleep(0.01)  # the only pooled connection is busy

            async def write() -> tuple[float, BaseException | None]:
                started = time.monotonic()
                try:
                    await store.inner.put_policy(TENANT, "p", policy(1))
                except BaseException as exc:  # reported by the assertion below
                    return time.monotonic() - started, exc
                return time.monotonic() - started, None

            writer = asyncio.create_task(write())
            while connector.pool_stats()["requests_waiting"] < 1:
                await asyncio.sleep(0.01)  # the writer queued on the old pool
            connector.check()  # as the listener after a reconnect: the next call renews the pools
            with pytest.raises(NotFound):
                await store.inner.get_policy(TENANT, "missing")
            outcome = await asyncio.wait_for(writer, 10)
            await asyncio.wait_for(sleeping, 10)
            return outcome

        took, error = store.run(scenario())
        assert error is None, error  # not psycopg_pool's raw PoolClosed
        assert took < one.pool_timeout
    finally:
        store.close()


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_an_expired_entry_is_served_stale_at_once_while_down(
    kind: str,
    migrated: tuple[Cluster, Settings],
) -> None:
    cluster, settings = migrated
    clock = Clock()
    stale_settings = replace(settings, ttl_policies=3.0, serve_stale_for=10.0)
    store = make_any_store(
        kind, cluster.url(), stale_settings, listen=False, timer=clock, probe_interval=5
    )
    try:
        bootstrap(store)
        store.put_policy(TENANT, "p", policy(70))
        store.get_policy(TENANT, "p")  # the actor's policy:read decision is cached too
        cluster.stop()
        with pytest.raises(DatabaseUnavailable):
            store.get_policy(TENANT, "missing")  # the outage is known from here on
        clock.now += 4  # expired, inside the serve-stale window
        for _ in range(20):
            took, error = timed(lambda: store.get_policy(TENANT, "p"))
            assert error is None and took < 0.05
        assert store.stats()["caches"]["policies"]["stale_hits"] == 20
    finally:
        store.close()


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_frozen_backends_fail_within_the_deadline_and_the_listener_notices(
    kind: str, db_url: str, settings: Settings, pg_cluster: Cluster
) -> None:
    quick = fast(settings)
    store = make_any_store(
        kind,
        db_url,
        quick,
        application_name="bl-frozen",
        probe_interval=0.1,
        listener_options={"probe_interval": 0.3, "wait_timeout": 0.1},
    )
    try:
        bootstrap(store)
        store.put_policy(TENANT, "p", policy(70))
        listener = store.listener
        assert listener is not None
        admin = pg_cluster.url(dbname="postgres")
        app_pids = backend_pids(admin, "bl-frozen")
        listener_pids = backend_pids(admin, "beamline-store-listener")
        pids = app_pids + [p for p in listener_pids if p == listener.backend_pid]
        assert app_pids and len(pids) > len(app_pids)
        reconnects = listener.reconnects
        with frozen(pids):
            took, error = timed(lambda: store.put_policy(TENANT, "p", policy(10)))
            assert isinstance(error, WriteOutcomeUnknown), error
            assert isinstance(error, DatabaseUnavailable)
            assert took <= quick.call_timeout + 0.3
            eventually(lambda: listener.reconnects > reconnects, "the listener to reconnect")
            assert listener.backend_pid not in pids
            time.sleep(0.2)  # the probe interval: the server is answering on new backends
            assert store.get_policy(TENANT, "p").version in (1, 2)
    finally:
        store.close()


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_write_cut_off_after_it_was_sent_is_outcome_unknown(
    kind: str, db_url: str, settings: Settings, db_conn: psycopg.Connection[tuple[object, ...]]
) -> None:
    store = make_any_store(kind, db_url, fast(settings, call_timeout=30.0), listen=False)
    try:
        bootstrap(store)
        store.put_policy(TENANT, "p", policy(70))
        outcome: list[BaseException] = []
        with psycopg.connect(db_url) as blocker:
            blocker.execute("lock table beamline.policies in access exclusive mode")
            writer = threading.Thread(
                target=lambda: outcome.extend(
                    [timed(lambda: store.put_policy(TENANT, "p", policy(1)))[1] or Exception()]
                )
            )
            writer.start()
            eventually(
                lambda: (
                    db_conn.execute(
                        "select count(*) from pg_stat_activity where wait_event_type = 'Lock'"
                        " and query like '%put_policy%'"
                    ).fetchone()
                    == (1,)
                ),
                "the write to wait on the lock",
            )
            db_conn.execute(
                "select pg_terminate_backend(pid) from pg_stat_activity"
                " where wait_event_type = 'Lock' and query like '%put_policy%'"
            )
            writer.join(10)
            blocker.rollback()
        assert isinstance(outcome[0], WriteOutcomeUnknown), outcome
        assert "may" in outcome[0].message
        # In this case it did not commit: still version 1, and the safe retry works.
        assert store.get_policy(TENANT, "p", version=None).version == 1
        assert store.put_policy(TENANT, "p", policy(1), expected_version=1).version == 2
    finally:
        store.close()


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_write_on_a_read_only_server_is_reported_and_reconnects(
    kind: str, db_url: str, settings: Settings, db_conn: psycopg.Connection[tuple[object, ...]]
) -> None:
    name = psycopg.conninfo.conninfo_to_dict(db_url)["dbname"]
    with make_store(db_url, fast(settings), listen=False) as first:
        bootstrap(first)
    # Sessions opened from now on are read-only, as on a standby.
    db_conn.execute(f'alter database "{name}" set default_transaction_read_only = on')
    store = make_any_store(kind, db_url, fast(settings), listen=False, probe_interval=0.01)
    try:
        assert store.get_quota(TENANT) is not None  # reads work
        with pytest.raises(ReadOnlyDatabase) as refused:
            store.put_policy(TENANT, "p", policy(70))
        assert isinstance(refused.value, DatabaseUnavailable)
        assert refused.value.sqlstate == "25006"
        assert "target_session_attrs=read-write" in (refused.value.hint or "")
        db_conn.execute(f'alter database "{name}" reset default_transaction_read_only')
        # The refusal made the store connect anew: the next write reaches a writable session.
        assert store.put_policy(TENANT, "p", policy(70)).version == 1
    finally:
        store.close()


def test_a_login_without_the_application_role_is_a_configuration_error_at_once(
    db_url: str, settings: Settings, db_conn: psycopg.Connection[tuple[object, ...]]
) -> None:
    db_conn.execute(
        "do $$ begin if not exists (select from pg_roles where rolname = 'bl_intruder') then "
        "create role bl_intruder login; end if; end $$"
    )
    params = psycopg.conninfo.conninfo_to_dict(db_url)
    for user, reason in (("bl_intruder", "not a member"), ("bl_nobody", "does not exist")):
        url = psycopg.conninfo.make_conninfo(db_url, user=user)
        store = Store(fast(settings), conninfo=url, actor="alice", listen=False, sweeper=False)
        try:
            took, error = timed(lambda store=store: store.get_policy(TENANT, "p"))  # type: ignore[misc]
            assert isinstance(error, ConfigurationError), error
            assert reason in error.message
            assert took < 0.5
            with pytest.raises(ConfigurationError):  # again, at once
                store.get_quota(TENANT)
        finally:
            store.close()
    assert params["user"] == "postgres"


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_devstate_pool_after_a_server_restart(
    kind: str, migrated: tuple[Cluster, Settings]
) -> None:
    cluster, settings = migrated
    secret = "resilience-secret-0123456789abcdef"
    store = make_any_store(
        kind,
        cluster.url(),
        replace(settings, hmac_secret=secret),
        listen=False,
        probe_interval=0.05,
    )
    try:
        bootstrap(store, "devstate", "alice")
        register_key(cluster.url(), secret)  # the owner registers the DevState key (issue 11)
        store.append_history({"action": "before"}, actor="alice")
        assert store.verify_hmac_chain()["ok"]
        cluster.stop()
        cluster.start()
        # Connections of both pools opened before the restart are broken: never handed out.
        assert store.verify_hmac_chain()["ok"]
        store.append_history({"action": "after"}, actor="alice")
        assert store.search_history(actor="alice")["entries"][0]["action"] == "after"
        assert store.stats()["db"]["errors"] == {}
    finally:
        store.close()


def test_db_status_reports_a_login_that_cannot_act_as_the_application_role(
    db_url: str, db_conn: psycopg.Connection[tuple[object, ...]]
) -> None:
    from click.testing import CliRunner

    from beamline_store.cli import main

    db_conn.execute(
        "do $$ begin if not exists (select from pg_roles where rolname = 'bl_intruder') then "
        "create role bl_intruder login; end if; end $$"
    )
    url = psycopg.conninfo.make_conninfo(db_url, user="bl_intruder")
    result = CliRunner().invoke(main, ["db", "status"], env={"DATABASE_URL": url})
    assert result.exit_code == 20, result.output
    assert "not a member of the application role" in result.output
    ok = CliRunner().invoke(main, ["db", "status"], env={"DATABASE_URL": db_url})
    assert ok.exit_code == 0, ok.output
    # DevState commands go through a Store: the same check, the same error (not the URL's
    # own login running the statement).
    devstate = CliRunner().invoke(
        main, ["devstate", "get", "--actor", "alice"], env={"DATABASE_URL": url}
    )
    assert devstate.exit_code == 20, devstate.output
    assert "not a member of the application role" in devstate.output


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_write_whose_commit_waited_for_a_standby_past_the_deadline_is_outcome_unknown(
    kind: str,
    migrated: tuple[Cluster, Settings],
) -> None:
    """Synchronous replication whose standby never answers (issue 13's HA drills found it):
    the call deadline cancels the commit's wait, PostgreSQL keeps the commit locally with only
    a WARNING and reports success. The write is durable here but not replicated: a failover now
    would lose it, so it must not be acknowledged — WriteOutcomeUnknown, never success."""
    cluster, settings = migrated
    admin = cluster.url(dbname="postgres")
    with psycopg.connect(admin, autocommit=True) as conn:  # test clusters run it off
        conn.execute("alter database beamline set synchronous_commit = on")
    # one pooled session, so the wait below sees the very session the write will use
    one = fast(settings, pool_min_size=1, pool_max_size=1)
    store = make_any_store(kind, cluster.url(), one, listen=False)
    try:
        bootstrap(store)
        store.put_policy(TENANT, "p", policy(70))
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute("alter system set synchronous_standby_names = 'ghost_standby'")
            conn.execute("select pg_reload_conf()")
        # The reload reaches each backend asynchronously (postmaster, then its children): wait
        # until the Store's own pooled session sees it.
        eventually(
            lambda: _pooled_setting(store, "synchronous_standby_names") == "ghost_standby",
            "the Store's session to see the new synchronous_standby_names",
        )
        # Commits wait for standbys only once the checkpointer has processed the reload too (it
        # publishes "standbys defined" to shared memory): until then a commit returns at once.
        eventually(lambda: _commits_wait_for_a_standby(admin), "commits to wait for a standby")
        try:
            took, error = timed(lambda: store.put_policy(TENANT, "p", policy(1)))
        finally:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute("alter system reset synchronous_standby_names")
                conn.execute("select pg_reload_conf()")
        assert isinstance(error, WriteOutcomeUnknown), error
        assert took <= settings.call_timeout + FAST["call_timeout"] + 0.5
        # It did commit locally: reading it again is how the caller resolves the doubt.
        assert store.get_policy(TENANT, "p").version == 2
    finally:
        store.close()


def _commits_wait_for_a_standby(admin_url: str) -> bool:
    """True when a commit now waits for a synchronous standby: a statement that writes WAL is
    cancelled after 0.2 s, and a cancelled wait for replication is reported with a WARNING (the
    commit stays local). statement_timeout could not do it: it is off during the commit."""
    notices: list[str] = []
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.add_notice_handler(lambda diag: notices.append(diag.message_primary or ""))
        conn.execute("set synchronous_commit = on")
        cancel = threading.Timer(0.2, conn.cancel_safe, kwargs={"timeout": 1.0})
        cancel.start()
        try:
            conn.execute("create temp table commit_probe ()")
        except psycopg.errors.QueryCanceled:
            return False  # cancelled before its commit (a slow machine): ask again
        finally:
            cancel.cancel()
            cancel.join()
    return any("synchronous replication" in notice for notice in notices)


def _pooled_setting(store: Store, name: str) -> str:
    """*name* as a session of the Store's (or the driven AsyncStore's) pool sees it."""
    if isinstance(store, Store):
        with store._connector._pool.connection() as conn:
            row = conn.execute("select current_setting(%s)", [name]).fetchone()
        return str(row[0]) if row else ""

    async def read() -> str:
        pool = store.inner._connector._pool
        async with pool.connection() as conn:
            cur = await conn.execute("select current_setting(%s)", [name])
            row = await cur.fetchone()
        return str(row[0]) if row else ""

    return str(store.run(read()))
