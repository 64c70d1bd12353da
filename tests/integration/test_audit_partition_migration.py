"""Migration 0085 on a database populated before it (issue 16, audit partitioning).

A database is migrated up to 0084 (the tree as it is, without 0085 and without the trigger file
that manages partitions), filled with audit rows over 14 months for three tenants, cleaned up
once (so a chain anchor exists), and its chains' heads exported. Then the real `migrate` runs:
the log is partitioned, every row is kept unchanged in the legacy partition, every tenant's
chain verifies (an exported head is still found), new rows extend the chains, and retention
after the migration keeps every chain verifiable."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.types.json import Jsonb

from beamline_store.config import Settings, sql_root
from beamline_store.embedded import Cluster
from beamline_store.migrate import migrate
from tests.conftest import drop_database

PARTITION_MIGRATION = "0085_audit_partitioning.sql"
PARTITION_TRIGGERS = Path("sql/triggers/policy_audit_log__partitions.sql")


def _root_before_partitioning(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    source = sql_root()
    shutil.copytree(source / "sql", root / "sql")
    shutil.copytree(source / "docs", root / "docs")
    (root / "migrations").mkdir()
    for path in sorted((source / "migrations").glob("*.sql")):
        if path.name < PARTITION_MIGRATION:
            shutil.copy(path, root / "migrations" / path.name)
    (root / PARTITION_TRIGGERS).unlink()
    return root


@pytest.fixture
def old_db(pg_cluster: Cluster, settings: Settings, tmp_path: Path) -> Iterator[str]:
    name = f"t_old_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg_cluster.url(dbname="postgres"), autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    url = pg_cluster.url(dbname=name)
    try:
        migrate(url, settings, root=_root_before_partitioning(tmp_path), login_role=True)
        yield url
    finally:
        drop_database(pg_cluster, url)


def _rows(conn: psycopg.Connection[Any]) -> dict[str, str]:
    return {
        str(i): str(h)
        for i, h in conn.execute(
            "select a.id, md5(a::text) from beamline.policy_audit_log a"
        ).fetchall()
    }


def _chains(conn: psycopg.Connection[Any]) -> dict[str, dict[str, Any]]:
    return {
        r["tenant"]: r
        for (r,) in conn.execute("select beamline_admin.verify_audit_chains()").fetchall()
    }


def test_migration_keeps_rows_and_chains(old_db: str, settings: Settings) -> None:
    with psycopg.connect(old_db, autocommit=True) as conn:
        assert conn.execute(
            "select relkind::text from pg_class where oid = 'beamline.policy_audit_log'::regclass"
        ).fetchone() == ("r",)
        conn.execute("select beamline_admin.bootstrap_admin('global', 'root')")
        with conn.transaction():
            conn.execute("set local role beamline_owner")
            conn.execute("select beamline_internal.set_actor('ops')")
            # 3 tenants x 14 months x 20 rows, oldest first (chain order = time order)
            conn.execute(
                "insert into beamline.policy_audit_log (tenant_id, target_type, target_id, action,"
                ' actor, new_data, "timestamp")'
                " select t, 'app', 'k' || g, 'DEPLOY', 'ops', jsonb_build_object('n', g),"
                " now() - make_interval(days => 420) + make_interval(hours => g * 7)"
                " from generate_series(1, 280 * 6) g, unnest(array['t1', 't2', 't3']) t"
                " where now() - make_interval(days => 420) + make_interval(hours => g * 7) < now()"
                " order by g, t"
            )
        deleted = conn.execute("select beamline.cleanup_old_logs('365 days', 'root')").fetchone()
        assert deleted is not None and deleted[0] > 0
        conn.execute("select beamline_admin.bootstrap_admin('t1', 'alice')")
        before_rows = _rows(conn)
        before_chains = _chains(conn)
        assert before_chains and all(c["ok"] for c in before_chains.values()), before_chains
        assert before_chains["t1"]["anchor_seq"] > 0  # the cleanup left an anchor
        head = conn.execute("select beamline.audit_chain_head('t1', 'alice')").fetchone()
        assert head is not None

    report = migrate(old_db, settings)
    # 0085 first, then whatever later migrations exist (e.g. 0090)
    assert report.migrations_applied[0] == "0085_audit_partitioning", report.migrations_applied

    with psycopg.connect(old_db, autocommit=True) as conn:
        assert conn.execute(
            "select relkind::text from pg_class where oid = 'beamline.policy_audit_log'::regclass"
        ).fetchone() == ("p",)
        assert _rows(conn) == before_rows, "every row is kept, byte for byte"
        places = conn.execute(
            "select tableoid::regclass::text, count(*) from beamline.policy_audit_log group by 1"
        ).fetchall()
        assert places == [("beamline_internal.policy_audit_log_legacy", len(before_rows))]
        assert _chains(conn) == before_chains
        checked = conn.execute(
            "select beamline.verify_audit_chain('t1', 'alice', %s)", [Jsonb(head[0])]
        ).fetchone()
        assert checked is not None and checked[0]["ok"] and checked[0]["expected_head"] == "found"
        months_ahead = conn.execute(
            "select count(*) from beamline_internal.audit_partitions() p"
            " where p.partition::text like 'beamline_internal.policy_audit_log_p%'"
        ).fetchone()
        assert months_ahead is not None and months_ahead[0] >= 3

        # the chains go on, and retention after the migration keeps them verifiable
        conn.execute("select beamline.log_action('t1', 'alice', 'AFTER', 'x')")
        assert conn.execute("select beamline.cleanup_old_logs('300 days', 'root')").fetchone() != (
            0,
        )
        after = _chains(conn)
        assert all(c["ok"] for c in after.values()), after
        assert after["t1"]["last_seq"] == before_chains["t1"]["last_seq"] + 1
        assert after["t1"]["anchor_seq"] > before_chains["t1"]["anchor_seq"]
