"""DevState benchmarks (issue 5), each beside a baseline measured in the same run.

A throwaway embedded cluster (never ./.beamline) is created, migrated and bootstrapped.

1. append_history from 4 concurrent writers (one connection each, autocommit) for
   BENCH_SECONDS; baseline: a bare INSERT of the same row shape into an unindexed scratch table
   with no triggers, same writers, same duration. Goal >= 2,000 entries/s.
2. verify_hmac_chain over BENCH_DEVSTATE_ENTRIES entries (default 1,000,000, built server-side
   in one statement by beamline_store.devstate.synthetic); baseline: select count(*) over the
   same table. Goal >= 300,000 entries/s (1M in <= 3.5 s).
3. export of the same history to files, and offline verification of those files (no database).
   Goal <= 10 s each for 1M entries.

Usage: .venv/bin/python bench/devstate_bench.py   (make bench-devstate)
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

import psycopg

from beamline_store.config import load_settings
from beamline_store.devstate import db, files
from beamline_store.devstate.synthetic import generate_history
from beamline_store.devstate.verify import verify_files
from beamline_store.embedded import Cluster
from beamline_store.migrate import migrate

SECONDS = float(os.environ.get("BENCH_SECONDS", "8"))
WRITERS = int(os.environ.get("BENCH_WRITERS", "4"))
ENTRIES = int(os.environ.get("BENCH_DEVSTATE_ENTRIES", "1000000"))
SECRET = "bench-" + os.urandom(16).hex()  # registration wants >= 32 bytes

SCRATCH = """
create table if not exists public.bench_history (
    id bigserial, ts timestamptz default clock_timestamp(), actor text, action text,
    cp_from text, cp_to text, state_checksum text, hmac_prev text, hmac text, key_id text,
    metadata jsonb)
"""
BASELINE_INSERT = (
    "insert into public.bench_history (actor, action, hmac_prev, hmac, key_id, metadata)"
    " values ('alice', 'step', md5(random()::text) || md5(random()::text),"
    " md5(random()::text) || md5(random()::text), 'k1', %s)"
)


def _writers(url: str, work: str) -> float:
    """Run *work* ('append' or 'baseline') on WRITERS connections for SECONDS; rows per second."""
    counts = [0] * WRITERS
    stop = time.monotonic() + SECONDS

    def run(slot: int) -> None:
        with db.connect(url, secret=SECRET) as conn:
            meta = psycopg.types.json.Jsonb({"writer": slot, "note": "bench"})
            while time.monotonic() < stop:
                if work == "append":
                    db.append_history(
                        conn, {"action": "step", "metadata": {"writer": slot}}, "alice"
                    )
                else:
                    conn.execute(BASELINE_INSERT, [meta])
                counts[slot] += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(WRITERS)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / (time.monotonic() - started)


def _timed(fn: object) -> float:
    started = time.perf_counter()
    fn()  # type: ignore[operator]
    return time.perf_counter() - started


def main() -> None:
    home = Path(tempfile.mkdtemp(prefix="beamline-bench-ds-", dir="/tmp"))
    cluster = Cluster(home, settings={"fsync": "off", "synchronous_commit": "off"})
    cluster.start()
    try:
        url = cluster.url()
        migrate(url, load_settings(environ={}, home=home))
        with psycopg.connect(url, autocommit=True) as su:
            su.execute("select beamline_admin.bootstrap_admin('devstate', 'alice')")
            su.execute(SCRATCH)
        with db.connect(url, secret=SECRET) as owner:  # the superuser registers key k1
            db.register_hmac_key(owner)
        rows: list[tuple[str, str, str, str]] = []

        base = _writers(url, "baseline")
        appended = _writers(url, "append")
        rows.append((f"append_history, {WRITERS} writers", f"{appended:,.0f} entries/s",
                     f"bare INSERT {base:,.0f} rows/s", f"{appended / base:.2f}x"))  # fmt: skip

        with db.connect(url, secret=SECRET) as conn:
            have = int(db.verify_hmac_chain(conn)["checked"])
            t_gen = _timed(lambda: generate_history(conn, max(0, ENTRIES - have)))
            conn.execute("vacuum analyze devstate.history_entries")
            n = int(db.verify_hmac_chain(conn)["checked"])
            t_count = min(
                _timed(lambda: conn.execute("select count(*) from devstate.history_entries"))
                for _ in range(3)
            )
            t_verify = min(_timed(lambda: db.verify_hmac_chain(conn)) for _ in range(2))
            rows.append((f"verify_hmac_chain, {n:,} entries", f"{n / t_verify:,.0f} entries/s "
                         f"({t_verify:.2f} s)", f"count(*) {n / t_count:,.0f} rows/s "
                         f"({t_count:.3f} s)", f"{t_verify / t_count:.0f}x slower"))  # fmt: skip
            out = home / "export"
            t_export = _timed(lambda: files.export_files(conn, out, "alice"))
        size = (out / files.HISTORY_FILE).stat().st_size
        t_offline = _timed(lambda: verify_files(out, {"k1": SECRET.encode()}))
        t_read = _timed(lambda: (out / files.HISTORY_FILE).read_bytes())
        rows.append((f"export, {n:,} entries", f"{t_export:.2f} s", f"{size / 1e6:,.0f} MB", ""))
        rows.append((f"offline verify, {n:,} entries", f"{t_offline:.2f} s",
                     f"reading the file {t_read:.2f} s", ""))  # fmt: skip
        print(f"(synthetic history built server-side in {t_gen:.1f} s)")
        width = max(len(r[0]) for r in rows)
        print(f"{'benchmark':<{width}}  {'result':<28}  {'same-run baseline':<34}  ratio")
        for name, result, baseline, ratio in rows:
            print(f"{name:<{width}}  {result:<28}  {baseline:<34}  {ratio}")
    finally:
        cluster.destroy()
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
