"""MCP operation latency (issue 7): 200 calls per main tool through a real MCP client session
(the SDK's stdio client spawning ``beamline mcp``), p50/p95/p99 per tool, printed beside two
baselines measured in the same run:

- ``store``: the same call on a :class:`beamline_store.store.Store` in this process (what the
  tool costs without MCP: cache, pool, database);
- ``ping``: an MCP ``ping`` round trip (the protocol's own cost: JSON-RPC over pipes); each
  tool's p95 is also printed less the ping's p95 (what the tool adds to a bare round trip);
- ``connect``: opening and closing the short-lived connection a DevState call of the Store
  uses (``devstate.db.connect`` with the HMAC settings): the floor of every DevState tool.

Goal: p95 < 5 ms for reads and < 20 ms for writes (the brief: < 50 ms). Runs in a throwaway
cluster (never ./.beamline) unless DATABASE_URL is set (then a migrated database with tenant
``bench`` bootstrapped is needed; the bench bootstraps it when it is empty).

    .venv/bin/python bench/mcp_bench.py [--calls 200]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
import mcp_types as types
import psycopg
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

from beamline_store.config import load_settings
from beamline_store.embedded import Cluster
from beamline_store.migrate import migrate

BEAMLINE = str(Path(sys.executable).with_name("beamline"))
TENANT, ACTOR = "bench", "bench-admin"
HMAC = "bench-hmac-secret-0123456789abcdef"
POLICY = {
    "providers": [{"id": "openai", "weight": 70}, {"id": "anthropic", "weight": 30}],
    "rules": [{"id": "r1", "match": {"model": "gpt-4*"}, "route": ["openai"], "priority": 10}],
    "fallback": {"provider": "anthropic"},
}

# tool -> (kind, arguments for call i)
TOOLS: dict[str, tuple[str, Callable[[int], dict[str, Any]]]] = {
    "get_policy": ("read", lambda i: {"tenant": TENANT, "policy_id": "routing"}),
    "check_permission": ("read", lambda i: {"tenant": TENANT, "action": "policy:write"}),
    "list_policies": ("read", lambda i: {"tenant": TENANT, "limit": 10}),
    "get_audit_log": ("read", lambda i: {"tenant": TENANT, "limit": 10}),
    "put_policy": (
        "write",
        lambda i: {
            "tenant": TENANT,
            "policy_id": f"p{i % 5}",
            "data": {**POLICY, "rules": [{**POLICY["rules"][0], "priority": i}]},
        },
    ),
    "get_state": ("read", lambda i: {}),
    "search_history": ("read", lambda i: {"action": "bench", "limit": 10}),
    "verify_hmac_chain": ("read", lambda i: {}),
    "update_state": ("write", lambda i: {"patch": {"metadata": {"bench": i}}}),
    "append_history": ("write", lambda i: {"action": "bench", "cp_to": f"cp{i}"}),
    "lock_state": ("write", lambda i: {"scope": "bench", "ttl_seconds": 60}),
}


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    q = statistics.quantiles(samples, n=100, method="inclusive")
    return q[49], q[94], q[98]


def fmt(samples: list[float] | None) -> str:
    if not samples:
        return f"{'-':>26}"
    p50, p95, p99 = percentiles(samples)
    return f"{p50:7.2f} {p95:8.2f} {p99:8.2f}  "


async def timed(n: int, fn: Callable[[int], Awaitable[Any]]) -> list[float]:
    for i in range(min(20, n)):  # warm up
        await fn(i)
    out = []
    for i in range(n):
        start = time.perf_counter()
        await fn(i)
        out.append((time.perf_counter() - start) * 1000)
    return out


def store_baseline(url: str, calls: int) -> dict[str, list[float]]:
    """The same operations on an in-process Store (no MCP)."""
    from beamline_store.mcp.backend import Backend
    from beamline_store.store import Store

    settings = load_settings(environ={"BEAMLINE_HMAC_SECRET": HMAC, "BEAMLINE_ACTOR": ACTOR})
    out: dict[str, list[float]] = {}
    with Store(settings, conninfo=url, actor=ACTOR) as store:
        backend = Backend(store, ACTOR)
        for name, (_kind, args) in TOOLS.items():
            method = getattr(backend, name)
            try:
                method(**args(0))
            except Exception as exc:
                print(f"  store {name}: unavailable ({type(exc).__name__}: {exc})", file=sys.stderr)
                continue
            samples = []
            for i in range(calls):
                start = time.perf_counter()
                method(**args(i))
                samples.append((time.perf_counter() - start) * 1000)
            out[name] = samples
        from beamline_store.devstate import db as devstate_db

        params = psycopg.conninfo.conninfo_to_dict(url)
        params["options"] = f"-c role={settings.app_role}"
        dsn = psycopg.conninfo.make_conninfo("", **params)
        samples = []
        for _ in range(calls):
            start = time.perf_counter()
            devstate_db.connect(dsn, secret=HMAC).close()
            samples.append((time.perf_counter() - start) * 1000)
        out["connect"] = samples
    return out


async def mcp_run(url: str, calls: int) -> tuple[dict[str, list[float]], list[float]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BEAMLINE_")}
    env.update({"DATABASE_URL": url, "BEAMLINE_ACTOR": ACTOR, "BEAMLINE_HMAC_SECRET": HMAC})
    params = StdioServerParameters(command=BEAMLINE, args=["mcp"], env=env)
    out: dict[str, list[float]] = {}
    async with (
        stdio_client(params) as (read, write),
        ClientSession(
            read, write, client_info=types.Implementation(name="mcp-bench", version="1")
        ) as session,
    ):
        await session.initialize()
        await session.list_tools()
        ping = await timed(calls, lambda i: session.send_ping())
        for name, (_kind, args) in TOOLS.items():
            first = await session.call_tool(name, args(0))
            if getattr(first, "is_error", False):
                text = first.content[0].text if first.content else ""  # type: ignore[union-attr]
                print(f"  mcp {name}: unavailable ({text[:120]})", file=sys.stderr)
                continue

            async def one(i: int, name: str = name, args: Any = args) -> None:
                result = await session.call_tool(name, args(i))
                assert not getattr(result, "is_error", False), result

            out[name] = await timed(calls, one)
    return out, ping


def prepare(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        if not conn.execute(
            "select 1 from beamline.user_roles where tenant_id = %s", (TENANT,)
        ).fetchone():
            conn.execute("select beamline_admin.bootstrap_admin(%s, %s)", (TENANT, ACTOR))
        if not conn.execute(
            "select 1 from beamline.user_roles where tenant_id = 'devstate' and user_id = %s",
            (ACTOR,),
        ).fetchone():
            conn.execute("select beamline_admin.bootstrap_admin('devstate', %s)", (ACTOR,))
    from beamline_store.devstate import db as devstate_db

    register = getattr(devstate_db, "register_hmac_key", None)  # (none before issue 11)
    if register is not None:
        with devstate_db.connect(url, secret=HMAC) as owner:  # the superuser registers key k1
            register(owner)
    from beamline_store.store import Store

    with Store(load_settings(environ={}), conninfo=url, actor=ACTOR, listen=False) as store:
        try:
            store.get_policy(TENANT, "routing")
        except Exception:
            try:
                store.put_policy(TENANT, "routing", POLICY)
            except Exception as exc:
                print(f"  cannot create the bench policy: {type(exc).__name__}: {exc}",
                      file=sys.stderr)  # fmt: skip


def report(url: str, calls: int) -> None:
    prepare(url)
    baseline = store_baseline(url, calls)
    measured, ping = anyio.run(mcp_run, url, calls)
    ping_p95 = percentiles(ping)[1]
    print(f"\nMCP tool latency, {calls} calls each, milliseconds (same run)")
    print(f"{'tool':<18} {'kind':<5} | {'MCP p50':>7} {'p95':>8} {'p99':>8}  | "
          f"{'p95 less ping':>14} | "
          f"{'Store p50':>7} {'p95':>8} {'p99':>8}  | goal p95")  # fmt: skip
    print(f"{'ping (baseline)':<18} {'-':<5} | {fmt(ping)}| {'':>14} | {fmt(None)}|")
    print(f"{'connect (baseline)':<18} {'-':<5} | {fmt(None)}| {'':>14} | "
          f"{fmt(baseline.get('connect'))}|")  # fmt: skip
    for name, (kind, _args) in TOOLS.items():
        goal = 5.0 if kind == "read" else 20.0
        got = measured.get(name)
        verdict = "-" if not got else ("ok" if percentiles(got)[1] < goal else "MISSED")
        over = f"{percentiles(got)[1] - ping_p95:+14.2f}" if got else f"{'-':>14}"
        print(f"{name:<18} {kind:<5} | {fmt(got)}| {over} | {fmt(baseline.get(name))}| "
              f"< {goal:g} ms {verdict}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=200, help="calls per tool (default 200)")
    args = parser.parse_args()
    if os.environ.get("DATABASE_URL"):
        report(os.environ["DATABASE_URL"], args.calls)
        return
    home = Path(tempfile.mkdtemp(prefix="beamline-bench-", dir="/tmp"))
    cluster = Cluster(home, settings={"fsync": "off", "synchronous_commit": "off"})
    try:
        cluster.start()
        with psycopg.connect(cluster.url(dbname="postgres"), autocommit=True) as conn:
            conn.execute("create database bench")
        url = cluster.url(dbname="bench")
        migrate(url, load_settings(environ={}, home=home))
        report(url, args.calls)
    finally:
        cluster.destroy()
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
