"""Cross-process coherence lag under concurrent writers (issue 13; ``make bench-coherence``).

The burst drill of tests/support/burst.py on a throwaway cluster of its own: writer threads
commit ``Store.put_policy`` in concurrent bursts (one tenant each) while reader processes, each
a Store with its own listener, read the same keys through their caches. Lag = first time a
reader saw a version (or a newer one) minus the time its write was acknowledged; a burst is
stale when any reader saw any of its versions > 1 s late. The same-run baseline is one writer
thread (no concurrent writer: every write NOTIFYs itself, nothing is coalesced).
Environment: BENCH_BURSTS (500), BENCH_WRITERS (4), BENCH_READERS (3).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support import burst

from beamline_store.config import load_settings
from beamline_store.embedded import Cluster
from beamline_store.migrate import migrate


def main() -> None:
    bursts = int(os.environ.get("BENCH_BURSTS", "500"))
    writers = int(os.environ.get("BENCH_WRITERS", "4"))
    readers = int(os.environ.get("BENCH_READERS", "3"))
    home = Path(tempfile.mkdtemp(prefix="beamline-burst-", dir="/tmp"))
    cluster = Cluster(home, settings={"fsync": "off", "synchronous_commit": "off"})
    try:
        cluster.start()
        settings = replace(load_settings(environ=dict(os.environ)), home=cluster.home)
        settings = replace(settings, poll_interval=60.0)  # only signals count
        migrate(cluster.url(), settings, login_role=True)
        print("| writers | readers | bursts | lag p50 | lag p99 | max | bursts stale > 1 s |")
        print("|---|---|---|---|---|---|---|")
        for w in (1, writers):  # baseline first: one writer, nothing coalesced
            r = burst.run(cluster.url(), settings, writers=w, readers=readers, bursts=bursts)
            print(
                f"| {w} | {readers} | {bursts} | {r.percentile(0.5):.1f} ms | "
                f"{r.percentile(0.99):.1f} ms | {r.worst_ms:.1f} ms | {r.stale_bursts} |"
            )
    finally:
        cluster.destroy()
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
