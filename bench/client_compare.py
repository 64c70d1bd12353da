"""Hit throughput and miss latency of two versions of the client in one run (issue 12;
``make bench-client-compare BASE=<git ref>``): ``client_bench.py --core`` runs alternately with
the package of *BASE* (extracted by ``git archive``) and of this checkout, several rounds, and
the medians of the same-run ratios (hit / bare dict, miss / bare psycopg) are printed side by
side. Alternating rounds share the machine's load, which on a busy machine moves every absolute
figure by a factor of two.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROUNDS = 5


def main() -> int:
    base = sys.argv[1] if len(sys.argv) > 1 else "HEAD"
    repo = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory(prefix="beamline-base-") as tmp:
        archive = subprocess.run(
            ["git", "-C", str(repo), "archive", base, "pyclient"], check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        versions = {f"base ({base})": f"{tmp}/pyclient", "this checkout": ""}
        figures: dict[str, list[dict[str, float]]] = {name: [] for name in versions}
        for _ in range(ROUNDS):
            for name, path in versions.items():
                env = {**os.environ, "PYTHONPATH": path}
                out = subprocess.run(
                    [sys.executable, str(repo / "bench" / "client_bench.py"), "--core"],
                    env=env, check=True, capture_output=True, text=True,
                ).stdout  # fmt: skip
                figures[name].append(json.loads(out.strip().splitlines()[-1]))
    print(f"client hit/miss, {ROUNDS} alternating rounds, medians of same-run ratios")
    for name, runs in figures.items():
        hit = statistics.median(r["hit"] for r in runs)
        miss = statistics.median(r["miss"] for r in runs)
        print(f"  {name:<24} hit throughput {hit:6.1%} of a bare dict   "
              f"miss latency {miss:5.2f}x a bare psycopg round trip")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
