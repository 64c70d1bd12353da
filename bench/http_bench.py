"""``make bench-http`` (issue 17): the HTTP policy API under wrk, beside a same-run baseline.

A throwaway cluster (never ./.beamline), migrated and seeded (tenant ``bench``, admin ``alice``,
BENCH_POLICIES policies), one ``beamline serve`` process, then wrk runs (scripts/policy_api.lua):
``health`` (static endpoint: the baseline), ``get`` (cached GET), ``mixed``, ``put``. Prints
requests/s, latency percentiles and each run's ratio to the baseline. Knobs: BENCH_SECONDS
(10), BENCH_CONNECTIONS (64), BENCH_THREADS (2), BENCH_POLICIES (10, the default quota).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import httpx

from beamline_store.config import load_settings
from beamline_store.embedded import Cluster
from beamline_store.migrate import migrate
from beamline_store.store import Store

ROOT = Path(__file__).resolve().parents[1]
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "64"))
THREADS = int(os.environ.get("BENCH_THREADS", "2"))
POLICIES = int(os.environ.get("BENCH_POLICIES", "10"))  # the default tenant quota
TOKEN = "bench-" + "t" * 40
TENANT = "bench"
DOC = {
    "providers": [{"id": "openai", "weight": 70}, {"id": "anthropic", "weight": 30}],
    "rules": [{"id": "r1", "match": {"model": "gpt-4*"}, "route": ["openai"], "priority": 10}],
    "fallback": {"provider": "anthropic"},
}


def wrk(base: str, mode: str) -> dict[str, str]:
    cmd = [
        "wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency",
        "-s", str(ROOT / "scripts" / "policy_api.lua"), base,
        "--", mode, TOKEN, TENANT, str(POLICIES),
    ]  # fmt: skip
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    figures = {"rps": re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)}  # type: ignore[union-attr]
    for q in ("50", "90", "99"):
        m = re.search(rf"^\s+{q}%\s+(\S+)", out, re.MULTILINE)
        figures[f"p{q}"] = m.group(1) if m else "?"
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    figures["non2xx"] = bad.group(1) if bad else "0"
    errors = re.search(r"Socket errors:.*", out)
    figures["socket"] = errors.group(0) if errors else ""
    return figures


def main() -> None:
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: scripts/install_system_deps.sh --bench")
    home = Path(tempfile.mkdtemp(prefix="beamline-httpbench-", dir="/tmp"))
    cluster = Cluster(home, settings={"fsync": "off", "synchronous_commit": "off"})
    cluster.start()
    server = None
    try:
        settings = replace(load_settings(environ=dict(os.environ)), home=home)
        url = cluster.url()
        migrate(url, settings, login_role=True)
        with Store(settings, conninfo=url, actor="alice", listen=False) as store:
            store.bootstrap_admin(TENANT, "alice")
            for i in range(1, POLICIES + 1):
                store.put_policy(TENANT, f"p{i}", DOC)
        tokens = home / "tokens.yaml"
        tokens.write_text(f"alice: {TOKEN}\n")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        base = f"http://127.0.0.1:{port}"
        env = {**os.environ, "DATABASE_URL": url, "BEAMLINE_HOME": str(home)}
        beamline = str(Path(sys.executable).with_name("beamline"))
        server = subprocess.Popen(
            [beamline, "serve", "--port", str(port), "--tokens", str(tokens)], env=env
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
            time.sleep(0.05)
        headers = {"Authorization": f"Bearer {TOKEN}"}
        for i in range(1, POLICIES + 1):  # warm the caches (policy:read decision + policies)
            httpx.get(
                f"{base}/v1/tenants/{TENANT}/policies/p{i}", headers=headers
            ).raise_for_status()
        print(
            f"wrk -t{THREADS} -c{CONNECTIONS} -d{SECONDS}s, one `beamline serve` process "
            f"(uvicorn, 1 worker), {POLICIES} policies, same run for every row"
        )
        print("| run | requests/s | p50 | p90 | p99 | non-2xx | vs health |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        baseline = None
        for mode in ("health", "get", "mixed", "put"):
            f = wrk(base, mode)
            rps = float(f["rps"])
            baseline = baseline or rps
            print(
                f"| {mode} | {rps:,.0f} | {f['p50']} | {f['p90']} | {f['p99']} | {f['non2xx']} "
                f"| {rps / baseline:.2f} |" + (f" {f['socket']}" if f["socket"] else "")
            )
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            server.wait(15)
        cluster.destroy()
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
