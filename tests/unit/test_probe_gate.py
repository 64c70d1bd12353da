"""The probe gate of ``connection.Connector`` / ``AsyncConnector`` (issue 12), deterministic.

The promise (docs/CLIENT.md, "Degraded mode and faults"): while PostgreSQL is unreachable at
most one attempt to connect runs per ``probe_interval`` in the whole process, counted from the
end of the previous attempt, and every other call fails at once. These tests drive the client's
own gate with a fake connect function and threads ordered by events (no server, no sleeping);
tests/integration/test_resilience.py checks the same promise against a real frozen server.

Cases
    queued behind a failing probe   callers that arrived while the state was unknown (first
                                    call, lost connection) and waited for the probe share its
                                    failure: one attempt, not one per caller (sync and async)
    ... a successful one            they go on without probing; a refusal is shared too
    stale read of the gate          a caller that found a probe due, then took the lock just
                                    after another caller's probe failed, fails at once
    background watch                an attempt of the recovery thread counts as a probe: the
                                    next caller does not wait on the network right after it
    interval from the end           a probe that waited 2 s is followed by fast failures for
                                    one interval from its end (fake timer), then one probe
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest

from beamline_store import connection
from beamline_store.config import Settings
from beamline_store.connection import AsyncConnector, Connector
from beamline_store.errors import ConfigurationError, DatabaseUnavailable

HOUR = 3600.0  # a probe interval no test outlives: "within the interval" whatever the load
WAIT = 10.0  # seconds an event may take before the test fails (never reached when passing)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class StubPool:
    """Stands in for psycopg_pool (the gate never touches the pool)."""

    def close(self, timeout: float = 0.0) -> None:
        pass

    def get_stats(self) -> dict[str, int]:
        return {}


class FakeServer:
    """``connection.connect`` for the gate: records the calling thread, then does *behave*."""

    def __init__(self) -> None:
        self.callers: list[str] = []
        self.behave: Callable[[], None] = self.unreachable
        self._lock = threading.Lock()

    @staticmethod
    def unreachable() -> None:
        raise DatabaseUnavailable("cannot connect to PostgreSQL: timeout expired")

    def __call__(self, *args: object, **kwargs: object) -> Any:
        with self._lock:
            self.callers.append(threading.current_thread().name)
        self.behave()
        return _Closable()

    def by(self, thread: str) -> int:
        return sum(1 for name in self.callers if name == thread)


class _Closable:
    def close(self) -> None:
        pass


class HookedLock:
    """The probe lock with a hook run just before every ``acquire`` (orders the threads)."""

    def __init__(self, before_acquire: Callable[[], None]) -> None:
        self._lock = threading.Lock()
        self._before = before_acquire

    def acquire(self, blocking: bool = True) -> bool:
        self._before()
        return self._lock.acquire(blocking)

    def release(self) -> None:
        self._lock.release()

    def locked(self) -> bool:
        return self._lock.locked()


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> FakeServer:
    fake = FakeServer()
    monkeypatch.setattr(connection, "connect", fake)
    monkeypatch.setattr(Connector, "_new_pool", lambda self, *a, **k: StubPool())
    return fake


@pytest.fixture
def make_connector(server: FakeServer) -> Iterator[Callable[..., Connector]]:
    made: list[Connector] = []

    def make(**kwargs: Any) -> Connector:
        kwargs.setdefault("probe_interval", HOUR)
        kwargs.setdefault("recovery_tick", 0.05)
        connector = Connector(
            "host=/nonexistent dbname=none", Settings(), application_name="gate-test", **kwargs
        )
        made.append(connector)
        return connector

    yield make
    for connector in made:
        connector.close()  # ends the recovery thread


def run_in_thread(name: str, call: Callable[[], object]) -> tuple[threading.Thread, list[object]]:
    """Run *call* in a thread named *name*; the list receives its result or exception."""
    outcome: list[object] = []

    def target() -> None:
        try:
            outcome.append(call())
        except Exception as exc:
            outcome.append(exc)

    thread = threading.Thread(target=target, name=name, daemon=True)
    thread.start()
    return thread, outcome


def joined(thread: threading.Thread) -> None:
    thread.join(WAIT)
    assert not thread.is_alive(), f"{thread.name} still blocked"


# -- callers queued behind a probe -----------------------------------------------------------


def test_callers_queued_behind_a_failing_probe_share_its_failure(
    server: FakeServer, make_connector: Callable[..., Connector]
) -> None:
    connector = make_connector()
    entered, release = threading.Event(), threading.Event()
    at_lock = {"waiter-1": threading.Event(), "waiter-2": threading.Event()}

    def probe_hangs() -> None:  # the first attempt: a frozen server, until released
        entered.set()
        assert release.wait(WAIT)
        raise DatabaseUnavailable("cannot connect to PostgreSQL: timeout expired")

    def before_acquire() -> None:
        name = threading.current_thread().name
        if name in at_lock:
            at_lock[name].set()

    connector._probe_lock = HookedLock(before_acquire)  # type: ignore[assignment]
    server.behave = probe_hangs
    first, first_outcome = run_in_thread("prober", connector._probe)
    assert entered.wait(WAIT)
    server.behave = server.unreachable
    # The state is still unknown (no failure yet): these callers wait for the probe's outcome.
    waiters = [run_in_thread(name, connector._probe) for name in at_lock]
    for event in at_lock.values():
        assert event.wait(WAIT)
    release.set()
    for thread, _ in [(first, first_outcome), *waiters]:
        joined(thread)

    assert isinstance(first_outcome[0], DatabaseUnavailable)
    for _, outcome in waiters:
        assert isinstance(outcome[0], DatabaseUnavailable)
        assert "has been unreachable" in str(outcome[0])  # the fast failure, not a new attempt
    assert server.by("prober") == 1
    assert server.by("waiter-1") == server.by("waiter-2") == 0, server.callers


def test_callers_queued_behind_a_successful_probe_go_on_without_probing(
    server: FakeServer, make_connector: Callable[..., Connector]
) -> None:
    connector = make_connector()
    entered, release = threading.Event(), threading.Event()
    at_lock = threading.Event()

    def probe_waits() -> None:
        entered.set()
        assert release.wait(WAIT)

    def before_acquire() -> None:
        if threading.current_thread().name == "waiter":
            at_lock.set()

    connector._probe_lock = HookedLock(before_acquire)  # type: ignore[assignment]
    server.behave = probe_waits
    first, first_outcome = run_in_thread("prober", connector._probe)
    assert entered.wait(WAIT)
    waiter, waiter_outcome = run_in_thread("waiter", connector._probe)
    assert at_lock.wait(WAIT)
    release.set()
    joined(first)
    joined(waiter)

    assert first_outcome == [None] and waiter_outcome == [None]
    assert server.callers == ["prober"]
    assert connector.down_since is None


def test_callers_queued_behind_a_refused_probe_get_the_refusal_at_once(
    server: FakeServer, make_connector: Callable[..., Connector]
) -> None:
    connector = make_connector()
    entered, release = threading.Event(), threading.Event()
    at_lock = threading.Event()

    def refused() -> None:
        entered.set()
        assert release.wait(WAIT)
        raise ConfigurationError('PostgreSQL refused the connection: role "x" does not exist')

    def before_acquire() -> None:
        if threading.current_thread().name == "waiter":
            at_lock.set()

    connector._probe_lock = HookedLock(before_acquire)  # type: ignore[assignment]
    server.behave = refused
    first, _ = run_in_thread("prober", connector._probe)
    assert entered.wait(WAIT)
    waiter, waiter_outcome = run_in_thread("waiter", connector._probe)
    assert at_lock.wait(WAIT)
    release.set()
    joined(first)
    joined(waiter)

    assert isinstance(waiter_outcome[0], ConfigurationError)
    assert 'role "x" does not exist' in str(waiter_outcome[0])
    assert server.callers == ["prober"]


def test_a_caller_that_read_the_gate_before_a_probe_ended_fails_at_once(
    server: FakeServer, make_connector: Callable[..., Connector]
) -> None:
    connector = make_connector()
    state = connector._state
    state.down_since = connection.time.monotonic() - 2 * HOUR  # down for a while,
    state.last_probe = connection.time.monotonic() - 2 * HOUR  # and a probe is due
    found_due, probe_over = threading.Event(), threading.Event()

    def before_acquire() -> None:
        # "late" has passed the interval check (a probe is due) and is about to take the
        # lock; it gets there only after "prober"'s probe has come and gone.
        if threading.current_thread().name == "late":
            found_due.set()
            assert probe_over.wait(WAIT)

    connector._probe_lock = HookedLock(before_acquire)  # type: ignore[assignment]
    late, late_outcome = run_in_thread("late", connector._probe)
    assert found_due.wait(WAIT)
    prober, prober_outcome = run_in_thread("prober", connector._probe)
    joined(prober)
    probe_over.set()
    joined(late)

    assert isinstance(prober_outcome[0], DatabaseUnavailable)
    assert isinstance(late_outcome[0], DatabaseUnavailable)
    assert server.by("prober") == 1
    assert server.by("late") == 0, server.callers


def test_an_attempt_of_the_background_watch_counts_as_a_probe(
    server: FakeServer, make_connector: Callable[..., Connector]
) -> None:
    connector = make_connector(recovery_tick=0.0)
    state = connector._state
    state.down_since = connection.time.monotonic() - 2 * HOUR
    state.last_probe = connection.time.monotonic() - 2 * HOUR  # the last caller probe: long ago

    def watch_attempt_once() -> None:
        # The recovery thread's attempt fails (as on a frozen server, after connect_timeout);
        # closing meanwhile ends its loop after this one attempt.
        connector._closed = True
        raise DatabaseUnavailable("cannot connect to PostgreSQL: timeout expired")

    server.behave = watch_attempt_once
    watch, _ = run_in_thread("beamline-recovery", connector._watch_recovery)
    joined(watch)
    assert server.callers == ["beamline-recovery"]
    connector._closed = False
    server.behave = server.unreachable

    caller, outcome = run_in_thread("caller", connector._probe)
    joined(caller)
    assert isinstance(outcome[0], DatabaseUnavailable)
    assert server.by("caller") == 0, "a caller waited on the network right after the watch"


# -- the interval, on a fake timer -----------------------------------------------------------


def test_the_interval_counts_from_the_end_of_a_probe_then_one_caller_probes(
    server: FakeServer, make_connector: Callable[..., Connector]
) -> None:
    clock = Clock()
    # (No recovery thread attempts here: its first tick is an hour away.)
    connector = make_connector(probe_interval=1.0, timer=clock, recovery_tick=HOUR)

    def frozen_server() -> None:  # waits connect_timeout, then fails
        clock.now += 2.0
        raise DatabaseUnavailable("cannot connect to PostgreSQL: timeout expired")

    server.behave = frozen_server
    with pytest.raises(DatabaseUnavailable, match="timeout expired"):
        connector._probe()  # 1000 -> 1002
    assert len(server.callers) == 1
    for now in (1002.0, 1002.5, 1002.999):  # within one interval of the end (not the start)
        clock.now = now
        with pytest.raises(DatabaseUnavailable, match="has been unreachable for"):
            connector._probe()
    assert len(server.callers) == 1
    clock.now = 1003.0
    with pytest.raises(DatabaseUnavailable, match="timeout expired"):
        connector._probe()  # the one caller of this interval: 1003 -> 1005
    assert len(server.callers) == 2
    clock.now = 1005.5
    with pytest.raises(DatabaseUnavailable, match=r"has been unreachable for 3\.5 s"):
        connector._probe()
    assert len(server.callers) == 2


# -- AsyncConnector --------------------------------------------------------------------------


def test_async_coroutines_queued_behind_a_failing_probe_share_its_failure(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    callers: list[str] = []

    async def scenario() -> list[object]:
        entered, release = asyncio.Event(), asyncio.Event()

        async def fake_connect(conninfo: str, **kwargs: object) -> Any:
            task = asyncio.current_task()
            callers.append(task.get_name() if task is not None else "?")
            entered.set()
            await release.wait()
            raise psycopg.OperationalError("connection to server failed: timeout expired")

        monkeypatch.setattr(psycopg.AsyncConnection, "connect", fake_connect)
        connector = AsyncConnector(
            "host=/nonexistent dbname=none",
            Settings(),
            application_name="gate-test",
            probe_interval=HOUR,
        )
        first = asyncio.create_task(connector._probe(), name="prober")
        await entered.wait()
        waiters = [asyncio.create_task(connector._probe(), name=f"waiter-{i}") for i in (1, 2)]
        for _ in range(5):  # let the waiters reach the probe lock
            await asyncio.sleep(0)
        assert connector._probe_lock.locked()
        release.set()
        outcomes = await asyncio.gather(first, *waiters, return_exceptions=True)
        # Within the interval, afterwards: at once, no attempt.
        outcomes.append((await asyncio.gather(connector._probe(), return_exceptions=True))[0])
        return list(outcomes)

    outcomes = asyncio.run(scenario())
    assert all(isinstance(o, DatabaseUnavailable) for o in outcomes), outcomes
    assert callers == ["prober"], callers
