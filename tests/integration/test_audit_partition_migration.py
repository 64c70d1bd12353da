"""Migration 0085 on a database populated before it (issue 16, audit partitioning).

A database is migrated with the tree as it was right before 0085 (migrations and stored logic
from git: later stored logic needs later migrations, e.g. the chain lanes of 0100), filled with
audit rows over 14 months for three tenants, cleaned up
once (so a chain anchor exists), and its chains' heads exported. Then the real `migrate` runs:
the log is partitioned, every row is kept unchanged in the legacy partition, every tenant's
chain verifies as lane 0 (a head exported before lanes is still found), new rows extend the
chains, and retention after the migration keeps every chain verifiable."""

from __future__ import annotations

import io
import subprocess
import tarfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.types.json import Jsonb

from beamline_store import migrate as migrate_module
from beamline_store.config import Settings, sql_root
from beamline_store.embedded import Cluster
from beamline_store.migrate import migrate
from beamline_store.schemas import DEFAULT_SCHEMAS, read_default_schema
from tests.conftest import drop_database

# the commit before the one that added migrations/0085_audit_partitioning.sql
BEFORE_PARTITIONING = "5e6fdd067bf4beee0a88bdc28e7044ff6d8eda25"


def _root_before_partitioning(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    root.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(sql_root()), "archive", BEFORE_PARTITIONING, "sql", "docs", "migrations"],
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(root, filter="data")
    assert not (root / "migrations" / "0085_audit_partitioning.sql").exists()
    return root


@pytest.fixture
def old_db(pg_cluster: Cluster, settings: Settings, tmp_path: Path) -> Iterator[str]:
    name = f"t_old_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg_cluster.url(dbname="postgres"), autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    url = pg_cluster.url(dbname=name)
    try:
        root = _root_before_partitioning(tmp_path)

        def old_default_schemas(conn: psycopg.Connection[Any], settings: Settings) -> None:
            """The migrate post-step of that tree: its shipped schemas (today's use keywords
            that engine did not have)."""
            for schema in DEFAULT_SCHEMAS:
                conn.execute(
                    "select beamline_admin.register_default_schema(%s, %s)",
                    [schema, Jsonb(read_default_schema(schema, root))],
                )

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(migrate_module, "POST_STEPS", [old_default_schemas])
            migrate(url, settings, root=root, login_role=True)
        yield url
    finally:
        drop_database(pg_cluster, url)


def _rows(conn: psycopg.Connection[Any]) -> dict[str, str]:
    return {
        str(i): str(h)
        for i, h in conn.execute(
            # every column the row had before (migration 0100 adds lane, 0 for these rows)
            "select a.id, md5((to_jsonb(a) - 'lane')::text) from beamline.policy_audit_log a"
        ).fetchall()
    }


def _chains(conn: psycopg.Connection[Any]) -> dict[str, dict[str, Any]]:
    return {
        r["tenant"]: r
        for (r,) in conn.execute("select beamline_admin.verify_audit_chains()").fetchall()
    }


def _lane0(chain: dict[str, Any]) -> dict[str, Any]:
    """The verify result of lane 0 (the whole chain before lanes) with the overall ok."""
    [lane] = [lane for lane in chain["lanes"] if lane["lane"] == 0]
    return {"ok": chain["ok"]} | {k: v for k, v in lane.items() if k != "lane"}


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
    # 0085 and whatever that tree did not have yet (e.g. 0070, 0090, 0100), in order
    assert "0085_audit_partitioning" in report.migrations_applied, report.migrations_applied
    assert report.migrations_applied == sorted(report.migrations_applied)

    with psycopg.connect(old_db, autocommit=True) as conn:
        assert conn.execute(
            "select relkind::text from pg_class where oid = 'beamline.policy_audit_log'::regclass"
        ).fetchone() == ("p",)
        after_rows = _rows(conn)
        assert {i: after_rows.get(i) for i in before_rows} == before_rows, "every row is kept"
        # the only new rows: this tree's shipped schemas, registered by the migrate post-step
        new_rows = conn.execute(
            "select target_type::text, action::text from beamline.policy_audit_log"
            " where not (id::text = any(%s))",
            [list(before_rows)],
        ).fetchall()
        assert set(new_rows) <= {("schema", "REGISTER")}, new_rows
        places = conn.execute(
            "select tableoid::regclass::text, count(*) from beamline.policy_audit_log"
            " where id::text = any(%s) group by 1",
            [list(before_rows)],
        ).fetchall()
        assert places == [("beamline_internal.policy_audit_log_legacy", len(before_rows))]
        # each chain is now lane 0 of its tenant, with the same rows, head and anchor ('global'
        # also got the schema rows above)
        chains = _chains(conn)
        assert chains["global"]["ok"] is True, chains["global"]
        assert {t: _lane0(c) for t, c in chains.items() if t != "global"} == {
            t: {k: c[k] for k in ("ok", "checked", "first_seq", "last_seq", "head", "anchor_seq")}
            for t, c in before_chains.items()
            if t != "global"
        }
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
        assert _lane0(after["t1"])["last_seq"] == before_chains["t1"]["last_seq"] + 1
        assert _lane0(after["t1"])["anchor_seq"] > before_chains["t1"]["anchor_seq"]
