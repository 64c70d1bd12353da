"""Backup / restore / verify timings (issue 16), each beside a same-run baseline.

A throwaway embedded cluster (never ./.beamline; server defaults, fsync on) is created and
migrated, then seeded server-side with BENCH_POLICIES policies (direct INSERTs through the
tables' triggers, so each also writes its audit and change-log rows), BENCH_AUDIT extra audit
rows and BENCH_HISTORY DevState history entries (one statement, beamline_store.devstate
.synthetic). Then:

1. ``beamline backup`` (pg_dump directory format + manifest in the same snapshot); baseline: a
   bare ``pg_dump --format=directory`` of the same schemas.
2. ``beamline restore`` into a new empty database (roles, ``pg_restore --single-transaction``,
   then the manifest comparison including the DevState chain); baseline: a bare
   ``pg_restore --single-transaction`` into another empty database.
3. ``beamline backup verify`` (files' sha256, throwaway cluster, restore, every check).
4. Audit retention: ``cleanup_old_logs`` deleting the oldest half of the audit rows (a DELETE:
   in a freshly migrated database every seeded row sits in the audit log's legacy partition;
   bench/retention_bench.py measures the product's partition drop); baseline: the same rows
   copied into a scratch table partitioned by month, retention as DROP of the whole old
   partitions plus a DELETE in the boundary month.

Usage: .venv/bin/python bench/backup_bench.py   (make bench-backup)
Defaults: 100,000 policies, 1,000,000 audit rows, 1,000,000 history entries.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import psycopg
from psycopg import sql

from beamline_store import backup as bk
from beamline_store.config import load_settings
from beamline_store.devstate import db
from beamline_store.devstate.synthetic import generate_history
from beamline_store.embedded import Cluster, find_bindir
from beamline_store.migrate import migrate

POLICIES = int(os.environ.get("BENCH_POLICIES", "100000"))
AUDIT = int(os.environ.get("BENCH_AUDIT", "1000000"))
HISTORY = int(os.environ.get("BENCH_HISTORY", "1000000"))
SECRET = "bench-" + os.urandom(16).hex()  # registration wants >= 32 bytes

SEED_POLICIES = """
insert into beamline.policies
    (tenant_id, policy_id, version, is_active, data, created_by, updated_by)
select 't' || (g %% 1000), 'p' || g, 1, true,
       jsonb_build_object(
           'providers', jsonb_build_array(jsonb_build_object('id', 'openai', 'weight', g %% 100),
                                          jsonb_build_object('id', 'anthropic', 'weight', 30)),
           'rules', jsonb_build_array(jsonb_build_object('id', 'r1', 'match',
                    jsonb_build_object('model', 'gpt-4*'), 'route', jsonb_build_array('openai'),
                    'priority', 10)),
           'fallback', jsonb_build_object('provider', 'anthropic')),
       'bench', 'bench'
  from generate_series(1, %(n)s) g
"""
SEED_AUDIT = """
insert into beamline.policy_audit_log
    (tenant_id, target_type, target_id, action, actor, new_data, timestamp)
select 't' || (g %% 1000), 'app', 'gw-' || (g %% 50), 'DEPLOY', 'bench',
       jsonb_build_object('n', g, 'note', 'deploy ' || g),
       now() - interval '730 days' + (g * interval '1 second') * (63072000.0 / %(n)s)
  from generate_series(1, %(n)s) g
"""


def timed(work):  # type: ignore[no-untyped-def]
    started = time.monotonic()
    result = work()
    return time.monotonic() - started, result


def du(path: Path) -> int:
    return (
        sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
        if path.is_dir()
        else path.stat().st_size
    )


def create_db(cluster: Cluster, name: str) -> str:
    with psycopg.connect(cluster.url(dbname="postgres"), autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    return cluster.url(dbname=name)


def partition_drop_baseline(conn: db.Connection) -> tuple[float, tuple[int, int, int]]:
    """What partitioned retention would cost: copy the audit rows into a scratch table
    partitioned by month (not the product's table, whose seeded rows all sit in its legacy
    partition here), then time dropping every partition wholly older than the cutoff plus
    deleting the older rows of the boundary month. Returns (seconds, (partitions dropped, rows
    in them, rows deleted))."""
    conn.execute(
        "create table public.audit_part (like beamline.policy_audit_log) "
        "partition by range (timestamp)"
    )
    starts = [
        row[0]
        for row in conn.execute(
            "select g from generate_series(date_trunc('month', now() - interval '3 years'), "
            "date_trunc('month', now()) + interval '1 month', interval '1 month') g"
        ).fetchall()
    ]
    bounds = list(itertools.pairwise(starts))
    for start, end in bounds:
        conn.execute(
            sql.SQL(
                "create table {} partition of public.audit_part for values from ({}) to ({})"
            ).format(
                sql.Identifier("public", f"audit_part_{start:%Y%m}"),
                sql.Literal(start),
                sql.Literal(end),
            )
        )
    conn.execute("insert into public.audit_part select * from beamline.policy_audit_log")
    row = conn.execute("select now() - interval '365 days'").fetchone()
    assert row is not None
    cutoff = row[0]
    whole = [f"audit_part_{start:%Y%m}" for start, end in bounds if end <= cutoff]
    counted = conn.execute(
        "select count(*) from public.audit_part where timestamp < date_trunc('month', %s)",
        [cutoff],
    ).fetchone()
    assert counted is not None
    started = time.monotonic()
    with conn.transaction():
        for name in whole:
            conn.execute(f"drop table public.{name}")
        deleted = conn.execute("delete from public.audit_part where timestamp < %s", [cutoff])
    took = time.monotonic() - started
    conn.execute("drop table public.audit_part")
    return took, (len(whole), int(counted[0]), deleted.rowcount)


def main() -> None:
    home = Path(tempfile.mkdtemp(prefix="beamline-bkbench-", dir="/tmp"))
    work = Path(tempfile.mkdtemp(prefix="beamline-bkbench-files-", dir="/var/tmp"))
    cluster = Cluster(home, settings={"max_wal_size": "4GB", "checkpoint_timeout": "30min"})
    bindir = find_bindir()
    try:
        cluster.start()
        url = cluster.url()
        settings = replace(load_settings(environ={}, home=home), hmac_secret=SECRET)
        migrate(url, settings)
        print(f"seeding {POLICIES:,} policies, {AUDIT:,} audit rows, {HISTORY:,} history entries")
        with db.connect(url, secret=SECRET) as conn:
            conn.execute("select beamline_admin.bootstrap_admin('global', 'ops')")
            conn.execute("set jit = off")
            with conn.transaction():
                conn.execute("select beamline_internal.set_actor('bench')")
                t_pol, _ = timed(lambda: conn.execute(SEED_POLICIES, {"n": POLICIES}))
            t_aud, _ = timed(lambda: conn.execute(SEED_AUDIT, {"n": AUDIT}))
            t_his, _ = timed(lambda: generate_history(conn, HISTORY))
            conn.execute("vacuum analyze")
            size = conn.execute(
                "select pg_size_pretty(pg_database_size(current_database()))"
            ).fetchone()
            counts = conn.execute(
                "select (select count(*) from beamline.policies), "
                "(select count(*) from beamline.policy_audit_log), "
                "(select count(*) from devstate.history_entries)"
            ).fetchone()
        print(
            f"  seeded in {t_pol:.1f} + {t_aud:.1f} + {t_his:.1f} s; "
            f"database {size[0]}; rows {counts}"
        )

        plain, env = bk._split_dsn(url)
        base_dir = work / "plain"
        t_dump, _ = timed(
            lambda: subprocess.run(
                [str(bindir / "pg_dump"), f"--dbname={plain}", "--format=directory",
                 f"--file={base_dir}"]
                + [f"--schema={s}" for s in bk.SCHEMAS] + ["--extension=pgcrypto"],
                check=True, env=env,
            )
        )  # fmt: skip
        ours_dir = work / "ours"
        t_backup, _ = timed(lambda: bk.backup(url, settings, ours_dir))
        print(
            f"backup: beamline backup {t_backup:.1f} s ({du(ours_dir) / 1e6:.0f} MB) | "
            f"baseline pg_dump -Fd {t_dump:.1f} s ({du(base_dir) / 1e6:.0f} MB)"
        )

        target_plain = create_db(cluster, "restore_plain")
        tp, tenv = bk._split_dsn(target_plain)
        # roles exist in this cluster already, so the bare pg_restore needs nothing else
        t_prest, _ = timed(
            lambda: subprocess.run(
                [str(bindir / "pg_restore"), f"--dbname={tp}", "--single-transaction",
                 "--exit-on-error", str(base_dir)],
                check=True, env=tenv,
            )
        )  # fmt: skip
        target = create_db(cluster, "restore_ours")
        t_restore, restored = timed(lambda: bk.restore(ours_dir, target, settings))
        assert restored.ok, bk.describe_checks(restored.checks)
        t_restore_nocheck, _ = timed(
            lambda: bk.restore(
                ours_dir, create_db(cluster, "restore_nocheck"), settings, check=False
            )
        )
        print(
            f"restore: beamline restore {t_restore:.1f} s with checks, {t_restore_nocheck:.1f} s "
            f"with --no-check | baseline pg_restore --single-transaction {t_prest:.1f} s"
        )

        t_verify, verified = timed(lambda: bk.verify(ours_dir, settings))
        assert verified.ok, bk.describe_checks(verified.checks)
        print(f"verify: beamline backup verify {t_verify:.1f} s (throwaway cluster, all checks)")

        with db.connect(url, secret=SECRET) as conn:
            t_drop, dropped = partition_drop_baseline(conn)
            half = conn.execute(
                "select count(*) from beamline.policy_audit_log "
                "where timestamp < now() - interval '365 days'"
            ).fetchone()
            t_del, deleted = timed(
                lambda: conn.execute(
                    "select beamline.cleanup_old_logs(interval '365 days', 'ops')"
                ).fetchone()
            )
        print(
            f"retention: cleanup_old_logs deleted {deleted[0]:,} rows (expected {half[0]:,}) "
            f"in {t_del:.1f} s ({deleted[0] / t_del:,.0f} rows/s) | baseline: the same rows in "
            f"a scratch monthly-partitioned copy, DROP of {dropped[0]} partitions "
            f"({dropped[1]:,} rows) + DELETE of the boundary month's {dropped[2]:,} rows "
            f"{t_drop:.2f} s"
        )
    finally:
        cluster.destroy()
        shutil.rmtree(home, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
