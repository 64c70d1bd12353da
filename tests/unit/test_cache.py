"""Cache unit tests with a fake clock (no sleeping): TTL, bounds, negative caching,
single-flight, the stale-fill refusal, serve-stale."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from beamline_store.cache import MISS, Cache
from beamline_store.errors import DatabaseUnavailable, NotFound


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def tick(self, seconds: float) -> None:
        self.now += seconds


def make(clock: Clock, **kwargs: Any) -> Cache[Any, Any]:
    kwargs.setdefault("ttl", 10.0)
    return Cache("t", timer=clock, **kwargs)


def test_ttl_expiry_with_a_fake_clock() -> None:
    clock = Clock()
    cache = make(clock)
    assert cache.load("k", lambda: ("v", None)) == "v"
    clock.tick(9.9)
    assert cache.get("k") == "v"
    clock.tick(0.2)
    assert cache.get("k") is MISS


def test_loader_ttl_is_capped_by_the_kind_ttl() -> None:
    clock = Clock()
    cache = make(clock)
    cache.load("short", lambda: (1, 2.0))
    cache.load("long", lambda: (1, 99.0))
    clock.tick(2.5)
    assert cache.get("short") is MISS
    assert cache.get("long") == 1
    clock.tick(8)
    assert cache.get("long") is MISS


def test_bounds_by_entries_and_bytes() -> None:
    clock = Clock()
    cache = make(clock, max_entries=3, size_of=lambda v: v)
    for i in range(5):
        cache.load(i, lambda i=i: (10, None))
    assert len(cache) == 3 and cache.evictions == 2
    assert cache.get(0) is MISS and cache.get(4) == 10
    by_bytes = make(clock, max_bytes=100, size_of=lambda v: v)
    for i in range(5):
        by_bytes.load(i, lambda: (40, None))
    assert by_bytes.bytes <= 100 and len(by_bytes) == 2


def test_negative_caching() -> None:
    clock = Clock()
    cache = make(clock, negative_ttl=1.0)
    calls = []

    def missing() -> tuple[Any, float | None]:
        calls.append(1)
        raise NotFound("no such policy", detail='{"policy_id": "x"}')

    for _ in range(3):
        with pytest.raises(NotFound) as caught:
            cache.load("x", missing)
    assert len(calls) == 1 and caught.value.detail == '{"policy_id": "x"}'
    clock.tick(1.1)
    with pytest.raises(NotFound):
        cache.load("x", missing)
    assert len(calls) == 2


def test_stale_fill_is_refused() -> None:
    """SPEC §5.1 at unit level: the loader read v1, an invalidation happens while it runs,
    the fill of v1 is refused."""
    cache = make(Clock())

    def slow_v1() -> tuple[str, float | None]:
        cache.invalidate("k")  # the writer's signal is processed meanwhile
        return "v1", None

    assert cache.load("k", slow_v1) == "v1"  # the caller gets what it read...
    assert cache.get("k") is MISS  # ...but it was not stored
    assert cache.refused_fills == 1
    assert cache.load("k", lambda: ("v2", None)) == "v2"
    assert cache.get("k") == "v2"


def test_flush_refuses_fills_that_started_before() -> None:
    cache = make(Clock())

    def racing() -> tuple[str, float | None]:
        cache.clear()
        return "old", None

    cache.load("k", racing)
    assert cache.get("k") is MISS


def test_group_invalidation() -> None:
    cache = make(Clock(), group_of=lambda key: key[:2])
    for action in ("a", "b"):
        cache.load(("t", "u", action), lambda: (True, None))
    cache.load(("t", "v", "a"), lambda: (True, None))
    assert cache.invalidate(("t", "u")) == 2
    assert cache.get(("t", "u", "a")) is MISS and cache.get(("t", "v", "a")) is True


def test_write_through_fill_respects_newer_invalidation() -> None:
    cache = make(Clock())
    generation = cache.generation()
    cache.invalidate("k")  # another process's newer change was signalled
    assert cache.fill("k", "mine", generation) is False
    assert cache.fill("k", "mine", cache.generation()) is True


def test_single_flight_one_loader_call_for_100_threads() -> None:
    cache = make(Clock())
    release = threading.Event()
    calls = []

    def loader() -> tuple[str, float | None]:
        calls.append(1)
        release.wait(30)
        return "value", None

    results: list[str] = []
    threads = [
        threading.Thread(target=lambda: results.append(cache.load("k", loader))) for _ in range(100)
    ]
    for t in threads:
        t.start()
    while cache.coalesced + cache.hits < 99:
        threading.Event().wait(0.001)
    release.set()
    for t in threads:
        t.join()
    assert calls == [1] and results == ["value"] * 100


def test_single_flight_shares_exceptions() -> None:
    cache = make(Clock())
    release = threading.Event()

    def failing() -> tuple[str, float | None]:
        release.wait(30)
        raise RuntimeError("boom")

    errors: list[BaseException] = []

    def run() -> None:
        try:
            cache.load("k", failing)
        except RuntimeError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(10)]
    for t in threads:
        t.start()
    while cache.coalesced < 9:
        threading.Event().wait(0.001)
    release.set()
    for t in threads:
        t.join()
    assert len(errors) == 10 and cache.get("k") is MISS


def test_serve_stale_when_the_database_is_unavailable() -> None:
    clock = Clock()
    cache = make(clock, serve_stale_for=60.0)
    cache.load("k", lambda: ("old", None))
    clock.tick(11)

    def down() -> tuple[str, float | None]:
        raise DatabaseUnavailable("down")

    assert cache.load("k", down) == "old" and cache.stale_hits == 1
    clock.tick(60)
    with pytest.raises(DatabaseUnavailable):
        cache.load("k", down)


def test_sweep_keeps_stale_window_and_drops_the_rest() -> None:
    clock = Clock()
    cache = make(clock, serve_stale_for=5.0)
    cache.load("k", lambda: ("v", None))
    clock.tick(12)
    assert cache.sweep() == 0  # expired but still servable while the database is down
    clock.tick(4)
    assert cache.sweep() == 1 and len(cache) == 0 and cache.bytes == 0


def down() -> tuple[Any, float | None]:
    raise DatabaseUnavailable("down")


def test_serve_stale_never_passes_the_loaders_own_deadline() -> None:
    """A permission that expires (the loader's ttl) is not served stale past its expiry, even
    inside serve_stale_for; a value without such a bound is."""
    clock = Clock()
    cache = make(clock, ttl=300.0, serve_stale_for=300.0)
    assert cache.load("grant", lambda: (True, 5.0)) is True
    assert cache.load("plain", lambda: ("v", None)) == "v"
    clock.tick(6.0)
    with pytest.raises(DatabaseUnavailable):
        cache.load("grant", down)
    clock.tick(300.0)  # plain is now expired but within serve_stale_for
    assert cache.load("plain", down) == "v"
    assert cache.stale_hits == 1


def test_a_load_started_before_an_invalidation_is_not_joined() -> None:
    """A caller arriving after an invalidation must not get the result of a load that started
    before it (e.g. the decision from before a revoke)."""
    clock = Clock()
    cache = make(clock)
    started, release = threading.Event(), threading.Event()

    def slow_old() -> tuple[Any, float | None]:
        started.set()
        release.wait(5)
        return "old", None

    leader = threading.Thread(target=cache.load, args=("k", slow_old))
    leader.start()
    assert started.wait(5)
    cache.invalidate("k")
    assert cache.load("k", lambda: ("new", None)) == "new"
    release.set()
    leader.join(5)
    assert cache.get("k") == "new", "the older load's fill was refused"


def test_a_failing_fill_does_not_strand_waiting_callers() -> None:
    clock = Clock()

    def broken_size(_value: Any) -> int:
        raise TypeError("size estimate failed")

    cache = make(clock, size_of=broken_size)
    started, release = threading.Event(), threading.Event()
    results: list[Any] = []

    def slow() -> tuple[Any, float | None]:
        started.set()
        release.wait(5)
        return "v", None

    def leader() -> None:
        with pytest.raises(TypeError):
            cache.load("k", slow)

    first = threading.Thread(target=leader)
    first.start()
    assert started.wait(5)
    follower = threading.Thread(target=lambda: results.append(cache.load("k", slow)))
    follower.start()
    while cache.coalesced == 0 and follower.is_alive():
        pass
    release.set()
    first.join(5)
    follower.join(5)
    assert not follower.is_alive() and results == ["v"]
