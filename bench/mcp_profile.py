"""Where an MCP tool call spends its time (issue 14's bench point): the same tools as
``bench/mcp_bench.py``, called in this process on the server's own handler
(:meth:`BeamlineMcp.call_tool`, no transport), against a throwaway cluster started with
``pg_stat_statements``.

Per tool, medians per call in milliseconds:

- ``handler``: the whole ``call_tool`` (argument check, worker-thread hop, Store, result);
- ``store``: the Backend method alone, in the worker thread (Store + database);
- ``result``: building the CallToolResult (``ok_result``: JSON text, secret scan);
- ``args``: the input-schema check;
- ``db``: server execution time of the call's statements (pg_stat_statements, top level),
  and ``stmts``, how many statements (round trips) one call sends;
- with ``--nested N`` (``pg_stat_statements.track = all``, which slows every statement), the
  N statements inside the SQL functions with the largest time per call.

``--cprofile TOOL`` prints a cProfile of the handler for that tool instead.

    .venv/bin/python bench/mcp_profile.py [--calls 300] [--cprofile get_state]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import anyio
import mcp_types as types
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from beamline_store.config import load_settings
from beamline_store.embedded import Cluster
from beamline_store.mcp.results import ok_result
from beamline_store.mcp.server import BeamlineMcp
from beamline_store.migrate import migrate
from mcp_bench import ACTOR, HMAC, TOOLS, prepare

CTX: Any = SimpleNamespace(
    session=SimpleNamespace(
        client_params=SimpleNamespace(client_info=SimpleNamespace(name="mcp-profile"))
    )
)


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def _db_stats(
    admin: psycopg.Connection[Any], calls: int, nested_limit: int
) -> tuple[float, float, str, list[str]]:
    """Server time and statements per call (top level: the tool's own and any the Store's
    listener sent meanwhile), the *nested_limit* nested statements with the largest time per
    call, and one line per top-level statement when there are several."""
    where = (
        "dbid = (select oid from pg_database where datname = current_database())"
        " and query not ilike '%pg_stat%'"
    )
    top_level = admin.execute(
        "select regexp_replace(left(query, 70), '\\s+', ' ', 'g'), calls, total_exec_time"
        f"  from pg_stat_statements where toplevel and {where} order by total_exec_time desc"
    ).fetchall()
    nested = admin.execute(
        "select regexp_replace(left(query, 60), '\\s+', ' ', 'g'), total_exec_time"
        f"  from pg_stat_statements where not toplevel and {where}"
        f" order by total_exec_time desc limit {int(nested_limit)}"
    ).fetchall()
    top = "".join(f"\n      {ms / calls * 1000:5.0f}µs {text}" for text, ms in nested)
    lines = [
        f"    {n / calls:5.2f}x {ms / calls * 1000:6.0f}µs  {text}" for text, n, ms in top_level
    ]
    db = sum(float(ms) for _t, _n, ms in top_level) / calls
    stmts = sum(int(n) for _t, n, _ms in top_level) / calls
    return db, stmts, top, lines if len(lines) > 1 else []


def _reset(admin: psycopg.Connection[Any]) -> None:
    admin.execute("select pg_stat_statements_reset()")


async def profile(url: str, calls: int, only: str | None, nested: int) -> None:
    settings = load_settings(
        environ={"DATABASE_URL": url, "BEAMLINE_ACTOR": ACTOR, "BEAMLINE_HMAC_SECRET": HMAC}
    )
    app = BeamlineMcp(settings)
    admin = psycopg.connect(url, autocommit=True)
    admin.execute("create extension if not exists pg_stat_statements")
    # (also runs on f076be9's package, which had one Store per client name)
    if hasattr(app, "run_as"):
        backend, run_as = app.backend, app.run_as
    else:
        backend = app.backend_for("mcp-profile")
        run_as = lambda client, call: call(backend)  # noqa: E731
    print(f"\nMCP handler profile, {calls} calls each, medians in ms (same run)")
    print(
        f"{'tool':<18} {'handler':>8} {'store':>7} {'result':>7} {'args':>6} {'db':>6} "
        f"{'stmts':>5}  (then: statements per call)"
    )
    try:
        for name, (_kind, args) in TOOLS.items():
            if only and name != only:
                continue
            method = getattr(backend, name)
            validator = app._validators[name]

            def params(i: int, name: str = name, args: Any = args) -> types.CallToolRequestParams:
                return types.CallToolRequestParams(name=name, arguments=args(i))

            for i in range(20):  # warm up: pools, caches, plans
                await app.call_tool(CTX, params(i))
            if only:
                profiler = cProfile.Profile()
                profiler.enable()
                for i in range(calls):
                    await app.call_tool(CTX, params(i))
                profiler.disable()
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
                return
            _reset(admin)
            handler = []
            for i in range(calls):
                start = time.perf_counter()
                result = await app.call_tool(CTX, params(i))
                handler.append(time.perf_counter() - start)
                assert not result.is_error, result
            db, stmts, top, lines = _db_stats(admin, calls, nested)

            def store_calls(method: Any = method, args: Any = args) -> list[float]:
                out = []
                for i in range(calls):
                    start = time.perf_counter()
                    run_as("mcp-profile", lambda b, i=i: method(**args(i)))
                    out.append(time.perf_counter() - start)
                return out

            store = await anyio.to_thread.run_sync(store_calls)
            value = method(**args(0))
            result_t, args_t = [], []
            for i in range(calls):
                start = time.perf_counter()
                ok_result(value, app.secrets)
                result_t.append(time.perf_counter() - start)
                start = time.perf_counter()
                list(validator.iter_errors(args(i)))
                args_t.append(time.perf_counter() - start)
            print(
                f"{name:<18} {_median_ms(handler):8.3f} {_median_ms(store):7.3f} "
                f"{_median_ms(result_t):7.3f} {_median_ms(args_t):6.3f} {db:6.3f} "
                f"{stmts:5.1f}  {top}"
            )
            for line in lines:
                print(line)
    finally:
        admin.close()
        app.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=300, help="calls per tool (default 300)")
    parser.add_argument("--cprofile", metavar="TOOL", help="cProfile the handler of TOOL")
    parser.add_argument(
        "--nested",
        type=int,
        default=0,
        metavar="N",
        help="also show the N statements inside the SQL functions that take the most time "
        "(pg_stat_statements.track = all, which slows every statement)",
    )
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="beamline-profile-", dir="/tmp"))
    cluster = Cluster(
        home,
        settings={
            "fsync": "off",
            "synchronous_commit": "off",
            "shared_preload_libraries": "pg_stat_statements",
            "pg_stat_statements.track": "all" if args.nested else "top",
        },
    )
    try:
        cluster.start()
        with psycopg.connect(cluster.url(dbname="postgres"), autocommit=True) as conn:
            conn.execute("create database bench")
        url = cluster.url(dbname="bench")
        migrate(url, load_settings(environ={}, home=home))
        prepare(url)
        os.environ.pop("BEAMLINE_HMAC_SECRET", None)
        anyio.run(profile, url, args.calls, args.cprofile, args.nested)
    finally:
        cluster.destroy()
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
