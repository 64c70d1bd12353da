"""`beamline migrate`: idempotent, and the migrated schema equals the committed snapshot."""

from __future__ import annotations

from pathlib import Path

import psycopg

from beamline_store.config import Settings
from beamline_store.embedded import Cluster
from beamline_store.migrate import migrate
from beamline_store.schema_dump import normalised_schema_dump
from tests.conftest import clone_template, drop_database

SNAPSHOT = Path(__file__).resolve().parents[2] / "sql" / "schema_snapshot.sql"


def test_second_migrate_changes_nothing(
    pg_cluster: Cluster, settings: Settings, template_url: str
) -> None:
    url = clone_template(pg_cluster)
    try:
        before = normalised_schema_dump(url)
        report = migrate(url, settings)
        assert report.migrations_applied == []
        assert report.roles_created == []
        assert normalised_schema_dump(url) == before
    finally:
        drop_database(pg_cluster, url)


def test_migrated_schema_matches_committed_snapshot(template_url: str) -> None:
    dumped = normalised_schema_dump(template_url)
    assert dumped == SNAPSHOT.read_text(), (
        "the migrated schema differs from sql/schema_snapshot.sql: run `make schema-snapshot` "
        "and commit the result with the change"
    )


def test_migrate_on_empty_database_creates_roles_schemas_and_tables(template_url: str) -> None:
    with psycopg.connect(template_url) as conn:
        roles = {
            r
            for (r,) in conn.execute("select rolname from pg_roles where rolname like 'beamline_%'")
        }
        assert {"beamline_owner", "beamline_app", "beamline_readonly"} <= roles
        owners = dict(
            conn.execute(
                "select c.relname, pg_get_userbyid(c.relowner) from pg_class c "
                "join pg_namespace n on n.oid = c.relnamespace "
                "where n.nspname in ('beamline', 'devstate') and c.relkind in ('r', 'p')"
            ).fetchall()
        )
        for table in ("policies", "policy_audit_log", "user_roles", "tenant_quotas",
                      "state_current", "history_entries", "locks"):  # fmt: skip
            assert owners.get(table) == "beamline_owner", table
        in_public = conn.execute(
            "select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace "
            "where n.nspname = 'public'"
        ).fetchone()
        assert in_public == (0,), "nothing of ours lands in public"
