"""AsyncStore against real PostgreSQL (issue 17), beyond the behavioural tests it shares with
Store (tests/integration/test_store.py runs every test over both): the hit path never
suspends, single flight across coroutines, coherence with a write made by another OS process,
a read retried after its backend was terminated, degraded mode and healing."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from dataclasses import replace
from typing import Any

import psycopg
import pytest

from beamline_store.async_store import AsyncStore
from beamline_store.config import Settings
from beamline_store.embedded import Cluster
from beamline_store.errors import DatabaseUnavailable, NotFound
from beamline_store.migrate import migrate
from tests.support.store_support import ADMIN, TENANT, policy

WAIT = 30.0  # bound so a broken build fails instead of hanging; never a speed claim


def make(url: str, settings: Settings, **kwargs: Any) -> AsyncStore:
    kwargs.setdefault("listener_options", {"wait_timeout": 0.05, "detect_timeout": 1.0})
    return AsyncStore(settings, conninfo=url, actor=ADMIN, **kwargs)


async def eventually(condition: Any, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        await asyncio.sleep(0.005)


def test_runs_as_the_application_role_and_hits_without_suspending(
    db_url: str, settings: Settings
) -> None:
    async def main() -> None:
        async with make(db_url, settings, listen=False) as store:
            await store.bootstrap_admin(TENANT, ADMIN)

            async def whoami(conn: Any) -> Any:
                return await (await conn.execute("select current_user")).fetchone()

            row = await store._connector.run(whoami, write=False)
            assert row == (settings.app_role,)
            written = await store.put_policy(TENANT, "p1", policy(70))
            await store.check_permission(TENANT, ADMIN, "policy:read")
            calls = store.calls.calls["GET_POLICY"]
            # A hit completes on the first step of the coroutine: it never yields to the loop.
            coro = store.get_policy(TENANT, "p1")
            with pytest.raises(StopIteration) as done:
                coro.send(None)
            assert done.value.value == written
            assert store.cached_policy(TENANT, "p1") == written
            assert store.calls.calls["GET_POLICY"] == calls

    asyncio.run(main())


def test_single_flight_across_coroutines(db_url: str, settings: Settings) -> None:
    async def main() -> None:
        async with make(db_url, settings, listen=False) as store:
            await store.bootstrap_admin(TENANT, ADMIN)
            await store.put_policy(TENANT, "hot", policy())
            await store.check_permission(TENANT, ADMIN, "policy:read")
            store._policies.clear()
            calls = store.calls.calls["GET_POLICY"]
            results = await asyncio.gather(*(store.get_policy(TENANT, "hot") for _ in range(50)))
            assert len({id(r) for r in results}) == 1
            assert store.calls.calls["GET_POLICY"] == calls + 1
            assert store._policies.coalesced == 49

    asyncio.run(main())


WRITER = """
import sys, psycopg
from psycopg.types.json import Jsonb
url, role, weight = sys.argv[1], sys.argv[2], int(sys.argv[3])
doc = {"providers": [{"id": "openai", "weight": weight}, {"id": "anthropic", "weight": 30}],
       "rules": [{"id": "r1", "match": {"model": "gpt-4*"}, "route": ["openai"], "priority": 10}],
       "fallback": {"provider": "anthropic"}}
with psycopg.connect(url, autocommit=True, options=f"-c role={role}") as conn:
    conn.execute("select beamline.put_policy('acme', 'p1', %s::jsonb, 'alice')", [Jsonb(doc)])
"""


def test_coherence_with_a_write_of_another_process(db_url: str, settings: Settings) -> None:
    async def main() -> None:
        async with make(db_url, settings) as store:
            assert store.listener is not None
            assert await asyncio.to_thread(store.listener.wait_ready, 30)
            await store.bootstrap_admin(TENANT, ADMIN)
            await store.put_policy(TENANT, "p1", policy(70))
            assert (await store.get_policy(TENANT, "p1")).version == 1
            subprocess.run(
                [sys.executable, "-c", WRITER, db_url, settings.app_role, "55"], check=True
            )
            await eventually(lambda: (TENANT, "p1") not in store._policies, "eviction")
            got = await store.get_policy(TENANT, "p1")
            assert got.version == 2 and got.data["providers"][0]["weight"] == 55

    asyncio.run(main())


def test_a_read_is_retried_after_its_backend_was_terminated(
    db_url: str, settings: Settings, db_conn: psycopg.Connection[Any]
) -> None:
    async def main() -> None:
        async with make(db_url, settings, listen=False) as store:
            await store.bootstrap_admin(TENANT, ADMIN)
            await store.put_policy(TENANT, "p1", policy())
            db_conn.execute(
                "select pg_terminate_backend(pid) from pg_stat_activity "
                "where application_name = 'beamline-store' and pid <> pg_backend_pid()"
            )
            history = await store.policy_history(TENANT, "p1")  # not cached: reaches the db
            assert [p.version for p in history] == [1]

    asyncio.run(main())


def test_degraded_mode_and_healing(own_cluster: Cluster) -> None:
    url = own_cluster.url()
    settings = replace(
        Settings(),
        home=own_cluster.home,
        pool_timeout=1.0,
        connect_timeout=1.0,
        ttl_policies=60.0,
        serve_stale_for=300.0,
    )
    migrate(url, settings)

    async def main() -> None:
        async with make(url, settings, listen=False, probe_interval=0.1) as store:
            await store.bootstrap_admin(TENANT, ADMIN)
            await store.put_policy(TENANT, "fresh", policy(70))
            await store.check_permission(TENANT, ADMIN, "policy:read")
            with pytest.raises(NotFound):
                await store.get_policy(TENANT, "gone")
            await asyncio.to_thread(own_cluster.stop)

            assert (await store.get_policy(TENANT, "fresh")).version == 1  # a hit
            with pytest.raises(DatabaseUnavailable):
                await store.get_policy(TENANT, "never-cached")
            assert store.degraded and store.stats()["degraded"] is True
            started = time.monotonic()
            with pytest.raises(DatabaseUnavailable):  # fails fast while down
                await store.put_policy(TENANT, "fresh", policy(10))
            assert time.monotonic() - started < 1.0

            await asyncio.to_thread(own_cluster.start)
            deadline = time.monotonic() + WAIT
            while True:
                try:
                    written = await store.put_policy(TENANT, "fresh", policy(10))
                    break
                except DatabaseUnavailable:
                    if time.monotonic() > deadline:
                        raise
                    await asyncio.sleep(0.05)
            assert written.version == 2
            assert (await store.get_policy(TENANT, "fresh")).version == 2
            assert store.degraded is False

    asyncio.run(main())
