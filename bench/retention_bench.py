"""Audit retention on the partitioned audit log vs the DELETE it replaces (issue 16).

A throwaway embedded cluster (never ./.beamline; server defaults, fsync on) holds three
databases seeded with the same BENCH_AUDIT audit rows (10 tenants, spread evenly over the last
730 days, inserted oldest first through the chain trigger, so chain order = time order):

- ``unpartitioned``: migrated without 0085 (the audit log as one table, as before this change);
  retention is ``cleanup_old_logs('365 days')``: one DELETE of the older half (the baseline).
- ``partitioned``: the product, its audit partitions shaped as in a database partitioned two
  years ago (one partition per UTC month, a partition from MINVALUE before them, the rows
  migrate wrote in this month's); the same ``cleanup_old_logs('365 days')`` drops the ~12 whole
  months older than the cutoff and DELETEs the older rows of the boundary month.
- ``upgraded``: a copy of ``unpartitioned`` (before retention) brought to the partitioned log by
  ``migrate``: how long migration 0085 takes on that many rows.
- ``partitioned_delete``: a copy of ``partitioned`` (CREATE DATABASE ... TEMPLATE) where
  retention runs per tenant (``cleanup_old_logs('365 days', actor, tenant)``), which never drops
  a partition: the DELETE path on the partitioned table.

Printed per database: rows removed, seconds, partitions dropped, the audit log's size before and
after (with its indexes), and every tenant's chain verified afterwards.

Usage: .venv/bin/python bench/retention_bench.py   (make bench-retention)
Default: 1,000,000 audit rows.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg

from beamline_store.config import load_settings, sql_root
from beamline_store.embedded import Cluster
from beamline_store.migrate import migrate

AUDIT = int(os.environ.get("BENCH_AUDIT", "1000000"))
TENANTS = [f"t{i}" for i in range(10)]

SEED = """
insert into beamline.policy_audit_log
    (tenant_id, target_type, target_id, action, actor, new_data, "timestamp")
select 't' || (g %% 10), 'app', 'gw-' || (g %% 50), 'DEPLOY', 'bench',
       jsonb_build_object('n', g, 'note', 'deploy ' || g),
       now() - interval '730 days' + (g * interval '1 second') * (63072000.0 / %(n)s)
  from generate_series(1, %(n)s) g
 order by g
"""

# As in a database partitioned 25 months ago: legacy (the rows migrate wrote) keeps this month,
# a partition from MINVALUE, then one per month, each with its parent's guards.
RESHAPE = """
do $$
declare
    m0 timestamp := date_trunc('month', timezone('UTC', now()));
    parent text := 'beamline.policy_audit_log';
    k int;
begin
    execute format('alter table %s detach partition beamline_internal.policy_audit_log_legacy',
                   parent);
    execute format('alter table %s attach partition beamline_internal.policy_audit_log_legacy'
                   ' for values from (%L) to (%L)', parent,
                   timezone('UTC', m0), timezone('UTC', m0 + interval '1 month'));
    execute format('create table beamline_internal.policy_audit_log_before partition of %s'
                   ' for values from (minvalue) to (%L)', parent,
                   timezone('UTC', m0 - interval '25 months'));
    for k in -25 .. -1 loop
        execute format('create table beamline_internal.%I partition of %s'
                       ' for values from (%L) to (%L)',
                       'policy_audit_log_p' || to_char(m0 + make_interval(months => k), 'YYYY_MM'),
                       parent,
                       timezone('UTC', m0 + make_interval(months => k)),
                       timezone('UTC', m0 + make_interval(months => k + 1)));
    end loop;
    perform beamline_internal.audit_partition_guard(p.partition)
       from beamline_internal.audit_partitions() p;
end
$$
"""

SIZE = """
select coalesce(sum(pg_total_relation_size(c.oid)), 0)
  from pg_class c
 where c.oid = 'beamline.policy_audit_log'::regclass
    or c.oid in (select inhrelid from pg_inherits
                  where inhparent = 'beamline.policy_audit_log'::regclass)
"""


def root_before_partitioning(tmp: Path) -> Path:
    """The source tree without migration 0085 and the trigger file that manages partitions."""
    root = tmp / "root"
    source = sql_root()
    shutil.copytree(source / "sql", root / "sql")
    shutil.copytree(source / "docs", root / "docs")
    (root / "migrations").mkdir()
    for path in sorted((source / "migrations").glob("*.sql")):
        if path.name < "0085":
            shutil.copy(path, root / "migrations" / path.name)
    (root / "sql/triggers/policy_audit_log__partitions.sql").unlink()
    return root


def timed(work: Any) -> tuple[float, Any]:
    started = time.monotonic()
    result = work()
    return time.monotonic() - started, result


def create_db(cluster: Cluster, name: str, template: str | None = None) -> str:
    with psycopg.connect(cluster.url(dbname="postgres"), autocommit=True) as conn:
        extra = f' template "{template}"' if template else ""
        conn.execute(f'create database "{name}"{extra}')
    return cluster.url(dbname=name)


def seed(url: str) -> float:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("set jit = off")
        started = time.monotonic()
        with conn.transaction():
            conn.execute("set local role beamline_owner")
            conn.execute("select beamline_internal.set_actor('bench')")
            conn.execute(SEED, {"n": AUDIT})
        took = time.monotonic() - started
        # admins after the rows (a bootstrap row first would be newer than the cutoff and keep
        # each chain whole); the global one runs the global cleanup
        for tenant in ["global", *TENANTS]:
            conn.execute("select beamline_admin.bootstrap_admin(%s, 'ops')", [tenant])
        conn.execute("vacuum analyze")
        return took


def retention(url: str, per_tenant: bool) -> dict[str, Any]:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("set jit = off")
        size_before = conn.execute(SIZE).fetchone()
        started = time.monotonic()
        deleted = 0
        for tenant in TENANTS if per_tenant else [None]:
            row = conn.execute(
                "select beamline.cleanup_old_logs(interval '365 days', 'ops', %s)", [tenant]
            ).fetchone()
            assert row is not None
            deleted += int(row[0])
        took = time.monotonic() - started
        size_after = conn.execute(SIZE).fetchone()
        dropped = conn.execute(
            "select coalesce(sum(jsonb_array_length(coalesce(new_data -> 'dropped_partitions', "
            "'[]'))), 0) from beamline.policy_audit_log where action = 'CLEANUP'"
        ).fetchone()
        started = time.monotonic()
        chains = conn.execute("select v from beamline_admin.verify_audit_chains() v").fetchall()
        verify = time.monotonic() - started
        assert size_before and size_after and dropped
        return {
            "deleted": deleted,
            "seconds": took,
            "dropped": int(dropped[0]),
            "mb_before": size_before[0] / 2**20,
            "mb_after": size_after[0] / 2**20,
            "chains_ok": all(v["ok"] for (v,) in chains),
            "chains": len(chains),
            "verify_s": verify,
        }


def main() -> None:
    home = Path(tempfile.mkdtemp(prefix="beamline-retbench-", dir="/tmp"))
    cluster = Cluster(home, settings={"max_wal_size": "4GB", "checkpoint_timeout": "30min"})
    try:
        cluster.start()
        settings = load_settings(environ={}, home=home)
        old = create_db(cluster, "unpartitioned")
        migrate(old, settings, root=root_before_partitioning(home), login_role=True)
        new = create_db(cluster, "partitioned")
        migrate(new, settings)
        with psycopg.connect(new, autocommit=True) as conn:
            conn.execute("set role beamline_owner")
            conn.execute(RESHAPE)
        print(f"seeding {AUDIT:,} audit rows over 730 days, {len(TENANTS)} tenants, each database")
        t_old = seed(old)
        t_new = seed(new)
        print(f"  seeded in {t_old:.1f} s (unpartitioned) / {t_new:.1f} s (partitioned)")
        copy = create_db(cluster, "partitioned_delete", template="partitioned")
        # migration 0085 itself, on the populated unpartitioned log (a copy of it)
        upgraded = create_db(cluster, "upgraded", template="unpartitioned")
        t_migrate, _ = timed(lambda: migrate(upgraded, settings))
        with psycopg.connect(upgraded, autocommit=True) as conn:
            chains = conn.execute("select v from beamline_admin.verify_audit_chains() v").fetchall()
        print(
            f"migrate to the partitioned log (0085 + stored logic) on {AUDIT:,} rows: "
            f"{t_migrate:.1f} s; {len(chains)} chains verify: {all(v['ok'] for (v,) in chains)}"
        )
        results = {
            "unpartitioned, cleanup_old_logs (DELETE)": retention(old, per_tenant=False),
            "partitioned, cleanup_old_logs (DROP + boundary DELETE)": retention(new, False),
            "partitioned, per-tenant cleanup (DELETE only)": retention(copy, per_tenant=True),
        }
        for name, r in results.items():
            print(
                f"{name}: {r['deleted']:,} rows in {r['seconds']:.2f} s "
                f"({r['deleted'] / r['seconds']:,.0f} rows/s), {r['dropped']} partitions dropped; "
                f"audit log {r['mb_before']:.0f} MB -> {r['mb_after']:.0f} MB; "
                f"{r['chains']} chains verify: {r['chains_ok']} ({r['verify_s']:.1f} s)"
            )
        # each cutoff is now() - 365 days of its own run: a few rows apart at most
        counts = [r["deleted"] for r in results.values()]
        assert max(counts) - min(counts) <= AUDIT // 10000 + 10, counts
    finally:
        cluster.destroy()
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
