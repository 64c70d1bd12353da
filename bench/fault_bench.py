"""Outage timings of the client (issue 12; ``make bench-faults``), beside the configured
deadlines they must respect. Runs on a throwaway cluster of its own (it stops and freezes the
server), with the default settings unless overridden by the environment (BEAMLINE_*):

* server stopped: time to fail a cache miss and a write (p50/p99/max) while it is down, and
  how many calls waited at all (one probe per probe interval may wait for connect_timeout);
* server back: time from the server accepting connections to the first successful write, and
  that call's own duration (reconnection on demand, no pool backoff);
* server frozen (SIGSTOP of the postmaster and every backend): time until a write fails, and
  until the listener notices (its probe under the call deadline);
* serve-stale: latency of an expired cached read while the server is down.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import psycopg

from beamline_store.config import load_settings
from beamline_store.embedded import Cluster
from beamline_store.errors import DatabaseUnavailable
from beamline_store.migrate import migrate
from beamline_store.store import Store

TENANT, ADMIN = "bench", "bench-admin"
DOC = {
    "providers": [{"id": "openai", "weight": 70}, {"id": "anthropic", "weight": 30}],
    "rules": [{"id": "r1", "match": {"model": "gpt-4*"}, "route": ["openai"], "priority": 1}],
    "fallback": {"provider": "anthropic"},
}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def ms(value: float) -> str:
    return f"{value * 1e3:,.1f} ms"


def row(label: str, figure: str, bound: str) -> None:
    print(f"  {label:<46} {figure:>28}   {bound}")


def timed(call: Any) -> tuple[float, BaseException | None]:
    start = time.monotonic()
    try:
        call()
    except Exception as exc:
        return time.monotonic() - start, exc
    return time.monotonic() - start, None


def summary(durations: list[float]) -> str:
    return f"p50 {ms(pct(durations, 0.5))} p99 {ms(pct(durations, 0.99))} max {ms(max(durations))}"


def main() -> int:
    home = Path(tempfile.mkdtemp(prefix="beamline-faults-", dir="/tmp"))
    cluster = Cluster(home, settings={"fsync": "off", "synchronous_commit": "off"})
    cluster.start()
    try:
        return run(cluster)
    finally:
        cluster.destroy()
        shutil.rmtree(home, ignore_errors=True)


def run(cluster: Cluster) -> int:
    settings = replace(load_settings(environ=dict(os.environ)), home=cluster.home)
    migrate(cluster.url(), settings, login_role=True)
    probe_interval = 1.0
    clock = Clock()
    stale = replace(settings, ttl_policies=3.0, serve_stale_for=10.0)
    store = Store(stale, actor=ADMIN, timer=clock, probe_interval=probe_interval)
    assert store.listener is not None and store.listener.wait_ready(30)
    store.bootstrap_admin(TENANT, ADMIN)
    store.put_policy(TENANT, "cached", DOC)
    store.get_policy(TENANT, "cached")
    print(
        f"outage timings (call_timeout {settings.call_timeout:g} s, connect_timeout "
        f"{settings.connect_timeout:g} s, probe_interval {probe_interval:g} s, pool_timeout "
        f"{settings.pool_timeout:g} s)\n"
    )

    # -- server stopped ----------------------------------------------------------------------
    cluster.stop()
    misses: list[float] = []
    writes: list[float] = []
    end = time.monotonic() + 3.0
    n = 0
    while time.monotonic() < end:
        n += 1
        key = f"miss-{n}"
        took, error = timed(lambda key=key: store.get_policy(TENANT, key))  # type: ignore[misc]
        assert isinstance(error, DatabaseUnavailable), error
        misses.append(took)
        took, error = timed(lambda: store.put_policy(TENANT, "cached", DOC))
        assert isinstance(error, DatabaseUnavailable), error
        writes.append(took)
    clock.now += 4  # the cached entry expired; inside its serve-stale window
    stale_reads = [timed(lambda: store.get_policy(TENANT, "cached"))[0] for _ in range(1000)]
    print("server stopped")
    waited = sum(1 for d in misses + writes if d > 0.05)
    row("miss fails", summary(misses), f"bound: {ms(settings.connect_timeout)} once per probe")
    row("write fails", summary(writes), f"{len(misses) + len(writes)} calls, {waited} waited")
    row("expired entry served stale", summary(stale_reads), "bound: at once")

    # -- server back -------------------------------------------------------------------------
    cluster.start()
    back = time.monotonic()
    first_call = 0.0
    while True:
        took, error = timed(lambda: store.put_policy(TENANT, "cached", DOC))
        if error is None:
            first_call = took
            break
        time.sleep(0.005)
    print("\nserver back (from accepting connections)")
    row("first successful write after", ms(time.monotonic() - back), "bound: probe_interval")
    row("  that write's own duration", ms(first_call), "no reconnection backoff")

    # -- server frozen ---------------------------------------------------------------------
    store.get_quota(TENANT)
    listener = store.listener
    eventually(lambda: listener.state()["state"] == "listening", 30)
    reconnects = listener.reconnects
    status = cluster.status()
    assert status.pid is not None
    with psycopg.connect(cluster.url(dbname="postgres"), autocommit=True) as conn:
        backends = [
            int(r[0])
            for r in conn.execute(
                "select pid from pg_stat_activity where backend_type = 'client backend'"
                " and pid <> pg_backend_pid()"
            ).fetchall()
        ]
    frozen = [status.pid, *backends]
    for pid in frozen:
        os.kill(pid, signal.SIGSTOP)
    try:
        start = time.monotonic()
        took, error = timed(lambda: store.put_policy(TENANT, "cached", DOC))
        assert isinstance(error, DatabaseUnavailable), error
        noticed = eventually(
            lambda: listener.reconnects > reconnects or listener.state()["state"] != "listening",
            60,
        )
        print("\nserver frozen (SIGSTOP of the postmaster and every backend)")
        row("write fails after", f"{ms(took)} ({type(error).__name__})",
            f"bound: call_timeout {settings.call_timeout:g} s")  # fmt: skip
        row("listener notices after", ms(noticed - start),
            f"bound: its probe period 2 s + call_timeout {settings.call_timeout:g} s")  # fmt: skip
    finally:
        for pid in frozen:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
    store.close()
    return 0


def eventually(predicate: Any, timeout: float) -> float:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not reached")
        time.sleep(0.01)
    return time.monotonic()


if __name__ == "__main__":
    sys.exit(main())
