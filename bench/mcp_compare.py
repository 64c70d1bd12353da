"""MCP tool latency of two versions side by side, calls interleaved (issue 14's bench point;
``make bench-mcp-compare MCP_BASE=<git ref>``).

The package, SQL, migrations and docs (default schemas) of *BASE* are extracted with
``git archive``; each version gets its own throwaway cluster (same server settings: fsync off,
migrated by that version) and its own ``beamline mcp`` over stdio (the SDK's real client, as in
``bench/mcp_bench.py``). Then, per tool, the calls alternate between the two servers (base,
this, this, base, ...), so both see the same moments of a shared machine's load; the same for
an MCP ``ping`` (the baseline of each server). Repeated ``--rounds`` times; printed per tool:
the median over rounds of each version's p50 and p95, their changes, and issue 14's goal
"no tool slower than 10 % + 0.5 ms" (of the base's p95). On a shared machine the p50 change is
the steadier figure: an A/A run (the same code on both sides) moved p95 by up to 2 ms.

    .venv/bin/python bench/mcp_compare.py [BASE] [--calls 300] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import anyio
import mcp_types as types
import psycopg
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

sys.path.insert(0, str(Path(__file__).resolve().parent))

from beamline_store.embedded import Cluster
from mcp_bench import ACTOR, HMAC, POLICY, TENANT, TOOLS, percentiles

REPO = Path(__file__).resolve().parents[1]
_CLI = "import sys; from beamline_store.cli import main; sys.argv[0] = 'beamline'; main()"
_MIGRATE = (
    "import sys; from beamline_store.config import load_settings; "
    "from beamline_store.migrate import migrate; migrate(sys.argv[1], load_settings(environ={}))"
)


def _env(pythonpath: str, url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BEAMLINE_")}
    env.update(
        {
            "PYTHONPATH": pythonpath,
            "DATABASE_URL": url,
            "BEAMLINE_ACTOR": ACTOR,
            "BEAMLINE_HMAC_SECRET": HMAC,
        }
    )
    return env


def _prepare(url: str, pythonpath: str) -> None:
    """Migrate with the version's own package, bootstrap the actor, register the HMAC key
    where the version has a key registry (issue 11 on)."""
    subprocess.run(
        [sys.executable, "-c", _MIGRATE, url], env=_env(pythonpath, url), check=True
    )  # fmt: skip
    with psycopg.connect(url, autocommit=True) as conn:
        for tenant in (TENANT, "devstate"):
            conn.execute("select beamline_admin.bootstrap_admin(%s, %s)", (tenant, ACTOR))
    with psycopg.connect(url, autocommit=True, options=f"-c beamline.hmac_secret={HMAC}") as conn:
        row = conn.execute("select to_regproc('beamline_admin.register_hmac_key')").fetchone()
        if row is not None and row[0] is not None:
            conn.execute("select beamline_admin.register_hmac_key()")


async def _open(stack: AsyncExitStack, pythonpath: str, url: str) -> ClientSession:
    params = StdioServerParameters(
        command=sys.executable, args=["-c", _CLI, "mcp"], env=_env(pythonpath, url)
    )
    read, write = await stack.enter_async_context(stdio_client(params))
    session = await stack.enter_async_context(
        ClientSession(read, write, client_info=types.Implementation(name="mcp-bench", version="1"))
    )
    await session.initialize()
    await session.list_tools()
    created = await session.call_tool(
        "put_policy", {"tenant": TENANT, "policy_id": "routing", "data": POLICY}
    )
    assert not created.is_error, created
    put = TOOLS["put_policy"][1]
    for i in range(20):  # a full first page of audit rows with documents, as in mcp_bench.py
        assert not (await session.call_tool("put_policy", put(i))).is_error
    return session


async def _timed(session: ClientSession, name: str | None, arguments: dict[str, Any]) -> float:
    start = time.perf_counter()
    if name is None:
        await session.send_ping()
    else:
        result = await session.call_tool(name, arguments)
        assert not result.is_error, result
    return (time.perf_counter() - start) * 1000


async def _round(sessions: dict[str, ClientSession], calls: int) -> dict[str, dict[str, Any]]:
    """{tool: {version: samples}}; calls alternate between the versions, in turn first."""
    rows: dict[str | None, tuple[str, Any]] = {None: ("ping", lambda i: {})}
    rows.update({name: (name, args) for name, (_kind, args) in TOOLS.items()})
    out: dict[str, dict[str, Any]] = {}
    order = list(sessions)
    for name, (label, args) in rows.items():
        samples: dict[str, list[float]] = {v: [] for v in sessions}
        for i in range(20 + calls):
            for version in order if i % 2 == 0 else reversed(order):
                took = await _timed(sessions[version], name, args(i))
                if i >= 20:  # after 20 warm-up calls
                    samples[version].append(took)
        out[label] = samples
    return out


async def _compare(urls: dict[str, tuple[str, str]], calls: int, rounds: int) -> None:
    results: list[dict[str, dict[str, Any]]] = []
    async with AsyncExitStack() as stack:
        sessions = {v: await _open(stack, path, url) for v, (path, url) in urls.items()}
        for _ in range(rounds):
            results.append(await _round(sessions, calls))
    base, this = list(urls)
    print(
        f"\nMCP tool latency, {base} vs {this}: {calls} interleaved calls per tool and version, "
        f"{rounds} rounds; medians over rounds, ms"
    )
    print(
        f"{'tool':<18} | {'base p50':>8} {'p95':>7} | {'this p50':>8} {'p95':>7} | "
        f"{'Δp50':>6} {'Δp95':>6} {'budget':>6}  goal"
    )
    for label in results[0]:

        def med(version: str, q: int, label: str = label) -> float:
            return statistics.median(percentiles(r[label][version])[q] for r in results)

        delta = med(this, 1) - med(base, 1)
        budget = 0.1 * med(base, 1) + 0.5
        verdict = "-" if label == "ping" else ("ok" if delta <= budget else "SLOWER")
        print(
            f"{label:<18} | {med(base, 0):8.2f} {med(base, 1):7.2f} | {med(this, 0):8.2f} "
            f"{med(this, 1):7.2f} | {med(this, 0) - med(base, 0):+6.2f} {delta:+6.2f} "
            f"{budget:6.2f}  {verdict}"
        )
    per_round = ", ".join(
        f"{statistics.median(r['ping'][base]):.2f}/{statistics.median(r['ping'][this]):.2f}"
        for r in results
    )
    print(f"ping p50 per round (base/this): {per_round}")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("base", nargs="?", default="HEAD", help="git ref of the base version")
    parser.add_argument("--calls", type=int, default=300, help="calls per tool and round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (default 3)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="beamline-mcp-compare-", dir="/tmp"))
    clusters: list[Cluster] = []
    try:
        archive = subprocess.run(
            ["git", "-C", str(REPO), "archive", args.base, "pyclient", "sql", "migrations", "docs"],
            check=True,
            capture_output=True,
        ).stdout
        (tmp / "base").mkdir()
        subprocess.run(["tar", "-x", "-C", str(tmp / "base")], input=archive, check=True)
        urls: dict[str, tuple[str, str]] = {}
        versions = {f"base ({args.base})": str(tmp / "base" / "pyclient"), "this": ""}
        for i, (version, pythonpath) in enumerate(versions.items()):
            cluster = Cluster(
                tmp / f"home{i}", settings={"fsync": "off", "synchronous_commit": "off"}
            )
            clusters.append(cluster)
            cluster.start()
            with psycopg.connect(cluster.url(dbname="postgres"), autocommit=True) as conn:
                conn.execute("create database bench")
            url = cluster.url(dbname="bench")
            _prepare(url, pythonpath)
            urls[version] = (pythonpath, url)
        anyio.run(_compare, urls, args.calls, args.rounds)
    finally:
        for cluster in clusters:
            cluster.destroy()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
