"""The cost of a cache hit: Store.get_policy beside AsyncStore.get_policy (awaited) and
AsyncStore.cached_policy (plain call), same process, same cached policy (issue 17; part of
``make bench-http``). A throwaway cluster; BENCH_HITS hits per row (default 200,000)."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from beamline_store.async_store import AsyncStore
from beamline_store.config import load_settings
from beamline_store.embedded import Cluster
from beamline_store.migrate import migrate
from beamline_store.store import Store

HITS = int(os.environ.get("BENCH_HITS", "200000"))
DOC = {
    "providers": [{"id": "openai", "weight": 70}, {"id": "anthropic", "weight": 30}],
    "rules": [{"id": "r1", "match": {"model": "gpt-4*"}, "route": ["openai"], "priority": 10}],
    "fallback": {"provider": "anthropic"},
}


def main() -> None:
    home = Path(tempfile.mkdtemp(prefix="beamline-hitbench-", dir="/tmp"))
    cluster = Cluster(home, settings={"fsync": "off", "synchronous_commit": "off"})
    cluster.start()
    try:
        settings = replace(load_settings(environ=dict(os.environ)), home=home)
        url = cluster.url()
        migrate(url, settings, login_role=True)
        rows: list[tuple[str, float]] = []
        with Store(settings, conninfo=url, actor="alice", listen=False) as store:
            store.bootstrap_admin("t", "alice")
            store.put_policy("t", "p", DOC)
            store.get_policy("t", "p")
            start = time.perf_counter()
            for _ in range(HITS):
                store.get_policy("t", "p")
            rows.append(("Store.get_policy (hit)", time.perf_counter() - start))

        async def run() -> None:
            async with AsyncStore(settings, conninfo=url, actor="alice", listen=False) as store:
                await store.get_policy("t", "p")
                start = time.perf_counter()
                for _ in range(HITS):
                    await store.get_policy("t", "p")
                rows.append(("await AsyncStore.get_policy (hit)", time.perf_counter() - start))
                start = time.perf_counter()
                for _ in range(HITS):
                    store.cached_policy("t", "p")
                rows.append(("AsyncStore.cached_policy (hit)", time.perf_counter() - start))

        asyncio.run(run())
        base = rows[0][1]
        print(f"{HITS:,} hits per row, same process and policy")
        print("| call | ns/hit | hits/s | vs Store |")
        print("|---|---:|---:|---:|")
        for label, took in rows:
            print(
                f"| {label} | {took / HITS * 1e9:,.0f} | {HITS / took:,.0f} | {base / took:.2f} |"
            )
    finally:
        cluster.destroy()
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
