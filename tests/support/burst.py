"""The burst drill of issue 13 (shared by tests/integration/test_coherence_burst.py and
bench/coherence_burst.py): writer threads commit concurrently through the public
``Store.put_policy`` in bursts, while reader *processes*, each a Store with its listener, read
the same keys through their caches as fast as they can. Every reader records, per key, when it
first saw each version; a version's lag is the first time a reader saw it (or a newer one)
minus the time its write was acknowledged. A burst is stale when any reader saw any of its
versions later than the bound. Times are wall-clock (one machine, several processes).
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import threading
import time
from dataclasses import dataclass
from typing import Any

from beamline_store.config import Settings
from beamline_store.errors import AlreadyExists

from .store_support import ADMIN, make_store, policy

KEYS_PER_WRITER = 2


def writer_tenant(w: int) -> str:
    # One tenant per writer thread: writes of one tenant queue on its quota lock, and the race
    # needs writers committing at the same moment.
    return f"burst{w}"


def keys(writers: int) -> list[tuple[str, str]]:
    return [(writer_tenant(w), f"k{k}") for w in range(writers) for k in range(KEYS_PER_WRITER)]


def _reader(url: str, settings: Settings, writers: int, stop: Any, ready: Any, out: Any) -> None:
    store = make_store(url, settings)
    try:
        seen: dict[tuple[str, str], list[tuple[int, float]]] = {k: [] for k in keys(writers)}
        last: dict[tuple[str, str], int] = {}
        ready.set()
        while not stop.is_set():
            for key in seen:
                version = store.get_policy(key[0], key[1]).version
                if version > last.get(key, 0):
                    last[key] = version
                    seen[key].append((version, time.time()))
            time.sleep(0.0005)
        out.put({f"{t}/{p}": v for (t, p), v in seen.items()})
    finally:
        store.close()


@dataclass
class BurstResult:
    bursts: int
    lags_ms: list[float]  # one per (burst, key, reader)
    stale_bursts: int  # bursts with any lag above the bound
    worst_ms: float

    def percentile(self, q: float) -> float:
        ordered = sorted(self.lags_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def run(
    url: str,
    settings: Settings,
    *,
    writers: int = 4,
    readers: int = 3,
    bursts: int = 500,
    bound_s: float = 1.0,
) -> BurstResult:
    """Set up the tenants and keys, run the drill, return the lags."""
    writer = make_store(url, settings)
    try:
        for w in range(writers):
            with contextlib.suppress(AlreadyExists):  # a second run on the same database
                writer.bootstrap_admin(writer_tenant(w), ADMIN)
        for tenant, pid in keys(writers):
            writer.put_policy(tenant, pid, policy(1))
        ctx = mp.get_context("spawn")
        stop, out = ctx.Event(), ctx.Queue()
        ready = [ctx.Event() for _ in range(readers)]
        procs = [
            ctx.Process(target=_reader, args=(url, settings, writers, stop, ready[r], out))
            for r in range(readers)
        ]
        for p in procs:
            p.start()
        for r in ready:
            if not r.wait(60):
                raise RuntimeError("a reader process did not start")
        acked: dict[tuple[str, str, int], tuple[int, float]] = {}  # (tenant, key, version)
        barrier = threading.Barrier(writers)
        failures: list[BaseException] = []

        def write(w: int) -> None:
            try:
                tenant = writer_tenant(w)
                for b in range(bursts):
                    pid = f"k{b % KEYS_PER_WRITER}"
                    barrier.wait(60)
                    version = writer.put_policy(tenant, pid, policy(2 + b % 90)).version
                    acked[(tenant, pid, version)] = (b, time.time())
            except BaseException as exc:  # reported below
                failures.append(exc)
                barrier.abort()

        threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if failures:
            raise failures[0]
        time.sleep(bound_s + 0.5)  # let every reader see the last burst (or be late)
        stop.set()
        seen_all = [out.get(timeout=60) for _ in procs]
        for p in procs:
            p.join(30)
    finally:
        writer.close()

    lags: list[float] = []
    stale: set[int] = set()
    worst = 0.0
    for seen in seen_all:
        for (tenant, pid, version), (burst, at) in acked.items():
            first = next((t for v, t in seen[f"{tenant}/{pid}"] if v >= version), None)
            lag = float("inf") if first is None else max(0.0, first - at)
            lags.append(lag * 1e3)
            worst = max(worst, lag * 1e3)
            if lag > bound_s:
                stale.add(burst)
    return BurstResult(bursts=bursts, lags_ms=lags, stale_bursts=len(stale), worst_ms=worst)
