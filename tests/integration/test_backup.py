"""Backup -> drop -> restore -> verify against real PostgreSQL (issue 16): a database with
policies and versions, grants, quotas, audit rows and a DevState history round-trips with a
byte-identical DevState export; tampered backups (edited row, removed table data, truncated
file, a tamperer who also rewrites the manifest) fail verification naming the problem; a
restore onto a non-empty database is refused and changes nothing; verify never touches the
source database."""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from click.testing import CliRunner

from beamline_store import backup as bk
from beamline_store.cli import main
from beamline_store.config import Settings
from beamline_store.devstate import db as ds
from beamline_store.devstate.files import export_files
from beamline_store.embedded import Cluster
from beamline_store.errors import BackupFailed, RestoreRefused
from tests.conftest import clone_template, drop_database
from tests.support.devstate_support import register_key

SECRET = "backup-secret-5d1e9b-never-shown"
POLICY = {
    "providers": [{"id": "openai", "weight": 70}, {"id": "anthropic", "weight": 30}],
    "rules": [{"id": "r1", "match": {"model": "gpt-4*"}, "route": ["openai"], "priority": 10}],
    "fallback": {"provider": "anthropic"},
}


def populate(url: str) -> None:
    """Policies with several versions, grants (one with an extra permission and an expiry),
    quotas, application audit events and a DevState history with state updates."""
    register_key(url, SECRET)  # issue 11: DevState keys are registered by the owner
    with ds.connect(url, secret=SECRET) as conn:
        conn.execute("select beamline_admin.bootstrap_admin('acme', 'alice')")
        conn.execute("select beamline_admin.bootstrap_admin('devstate', 'alice')")
        conn.execute(
            "select beamline.assign_role('acme', 'bob', 'operator', 'alice', "
            "'[\"policy:delete\"]', now() + interval '30 days')"
        )
        conn.execute("select beamline.assign_role('acme', 'carol', 'viewer', 'alice')")
        # Quotas are a platform limit: quota:manage in the tenant `global` sets them (RBAC.md).
        conn.execute("select beamline_admin.bootstrap_admin('global', 'platform')")
        conn.execute("select beamline.set_quota('acme', 'platform', 50, 20, 10)")
        for i in range(5):
            for weight in (10, 20, 30):
                doc = json.loads(json.dumps(POLICY))
                doc["providers"][0]["weight"] = weight + i
                conn.execute(
                    "select beamline.put_policy('acme', %s, %s, 'alice')",
                    [f"route-{i}", json.dumps(doc)],
                )
        conn.execute("select beamline.deactivate_policy('acme', 'route-4', 'alice')")
        conn.execute(
            "select beamline.log_action('acme', 'alice', 'DEPLOY', 'gw-1', '{\"ok\": true}')"
        )
        for i in range(12):
            ds.update_state(
                conn,
                {"project": "demo", "current_checkpoint": f"cp{i}",
                 "checkpoints": {f"cp{i}": {"title": f"step {i}", "status": "in_progress"}}},
                "alice",
                history_entry={"action": "checkpoint", "metadata": {"i": i}},
            )  # fmt: skip
            ds.append_history(conn, {"action": "note", "metadata": {"i": i}}, "alice")


def devstate_export(url: str, target: Path) -> dict[str, bytes]:
    with ds.connect(url, secret=SECRET, autocommit=False) as conn:
        export_files(conn, target, "alice")
        conn.commit()
    return {p.name: p.read_bytes() for p in sorted(target.iterdir())}


# A restore starts the change log afresh (its xids belong to the old server): compared apart.
CHANGE_LOG = {"beamline.change_log", "beamline.change_log_state"}


def fingerprint(url: str) -> dict[str, Any]:
    with psycopg.connect(url, autocommit=True) as conn:
        return {t: bk._table_fingerprint(conn, t) for t in bk._tables(conn) if t not in CHANGE_LOG}


@pytest.fixture
def source(pg_cluster: Cluster, template_url: str) -> Iterator[str]:
    url = clone_template(pg_cluster)
    populate(url)
    yield url
    drop_database(pg_cluster, url)


@pytest.fixture
def settings_secret(settings: Settings) -> Settings:
    from dataclasses import replace

    return replace(settings, hmac_secret=SECRET)


@pytest.fixture
def made_backup(source: str, settings_secret: Settings, tmp_path: Path) -> tuple[str, Path]:
    result = bk.backup(source, settings_secret, tmp_path / "bk")
    assert result.manifest["tables"]["beamline.policies"]["rows"] == 15
    return source, tmp_path / "bk"


def _copy(backup_dir: Path, tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copytree(backup_dir, target)
    return target


def _data_file(backup_dir: Path, table: str) -> Path:
    owners = bk._file_owners(backup_dir, json.loads((backup_dir / "manifest.json").read_text()))
    name = next(
        f
        for f, owner in owners.items()
        if owner == f"table data of {table}" and (backup_dir / f).is_file()
    )
    return backup_dir / name


def _rewrite_manifest(backup_dir: Path, edit: Any = None) -> None:
    """What a careful tamperer does: recompute the file list (and re-sign with the secret)."""
    manifest = json.loads((backup_dir / "manifest.json").read_text())
    for name in list(manifest["files"]):
        path = backup_dir / name
        if not path.is_file():
            del manifest["files"][name]
            continue
        manifest["files"][name] = {
            "bytes": path.stat().st_size,
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        }
    if edit:
        edit(manifest)
    manifest["signature"] = bk._sign(manifest, SECRET)
    (backup_dir / "manifest.json").write_text(json.dumps(manifest))


# --- round trip ----------------------------------------------------------------------------------


def test_backup_drop_restore_verify_round_trip(
    pg_cluster: Cluster, made_backup: tuple[str, Path], settings_secret: Settings, tmp_path: Path
) -> None:
    source, backup_dir = made_backup
    before_export = devstate_export(source, tmp_path / "before")
    before = fingerprint(source)
    with psycopg.connect(source, autocommit=True) as conn:
        acl_before = conn.execute(
            "select coalesce(proacl::text, '') from pg_proc "
            "where oid = 'beamline.put_policy(text,text,jsonb,text,integer)'::regprocedure"
        ).fetchone()
    drop_database(pg_cluster, source)
    with psycopg.connect(pg_cluster.url(dbname="postgres"), autocommit=True) as conn:
        name = psycopg.conninfo.conninfo_to_dict(source)["dbname"]
        conn.execute(f'create database "{name}"')

    restored = bk.restore(backup_dir, source, settings_secret)
    assert restored.ok, bk.describe_checks(restored.checks)
    assert restored.change_log_reset > 0
    with psycopg.connect(source, autocommit=True) as conn:
        # a client's watermark from before the restore is told to flush
        assert conn.execute("select complete from beamline.changes_since(0)").fetchone() == (False,)
        now = conn.execute("select beamline.current_watermark()").fetchone()
        assert now is not None
        assert conn.execute(
            "select complete from beamline.changes_since(%s)", [now[0]]
        ).fetchone() == (True,)
    assert {c.name for c in restored.checks} >= {
        "migrations",
        "tables",
        "functions",
        "devstate_chain",
    }
    assert fingerprint(source) == before
    assert devstate_export(source, tmp_path / "after") == before_export
    with psycopg.connect(source, autocommit=True) as conn:
        acl_after = conn.execute(
            "select coalesce(proacl::text, '') from pg_proc "
            "where oid = 'beamline.put_policy(text,text,jsonb,text,integer)'::regprocedure"
        ).fetchone()
        assert acl_after == acl_before and "beamline_app=X" in str(acl_after[0])
        # the restored system works: reads and writes through the API, chain keeps growing
        assert conn.execute(
            "select beamline.check_permission('acme', 'bob', 'policy:delete')"
        ).fetchone() == (True,)
    with ds.connect(source, secret=SECRET) as conn:
        conn.execute(
            "select beamline.put_policy('acme', 'route-0', %s, 'alice')", [json.dumps(POLICY)]
        )
        ds.append_history(conn, {"action": "after-restore"}, "alice")
        assert ds.verify_hmac_chain(conn)["ok"] is True

    verified = bk.verify(backup_dir, settings_secret)
    assert verified.ok, bk.describe_checks(verified.checks)
    names = [c.name for c in verified.checks]
    assert names[:2] == ["files", "restore"] and "devstate_chain" in names


def test_verify_never_touches_the_source(
    made_backup: tuple[str, Path], settings_secret: Settings
) -> None:
    source, backup_dir = made_backup
    before = fingerprint(source)
    with psycopg.connect(source, autocommit=True) as conn:
        xacts = conn.execute(
            "select xact_commit + xact_rollback from pg_stat_database "
            "where datname = current_database()"
        ).fetchone()
    result = bk.verify(backup_dir, settings_secret)
    assert result.ok, bk.describe_checks(result.checks)
    assert fingerprint(source) == before
    with psycopg.connect(source, autocommit=True) as conn:
        conn.execute("select pg_stat_clear_snapshot()")
        after = conn.execute(
            "select xact_commit + xact_rollback from pg_stat_database "
            "where datname = current_database()"
        ).fetchone()
    # only this test's own fingerprint connections touched it (a handful of transactions)
    assert after is not None and xacts is not None and after[0] - xacts[0] < 50


# --- tampering -----------------------------------------------------------------------------------


def test_truncated_file_fails_verify_naming_it(
    made_backup: tuple[str, Path], settings_secret: Settings, tmp_path: Path
) -> None:
    _, backup_dir = made_backup
    bad = _copy(backup_dir, tmp_path, "truncated")
    toc = bad / "dump" / "toc.dat"
    toc.write_bytes(toc.read_bytes()[: toc.stat().st_size // 2])
    result = bk.verify(bad, settings_secret)
    assert not result.ok
    problem = result.first_problem
    assert problem is not None and problem.name == "files"
    assert "dump/toc.dat" in problem.detail and "truncated" in problem.detail


def test_edited_row_fails_verify_naming_the_file_and_table(
    made_backup: tuple[str, Path], settings_secret: Settings, tmp_path: Path
) -> None:
    _, backup_dir = made_backup
    bad = _copy(backup_dir, tmp_path, "edited")
    data = _data_file(bad, "beamline.tenant_quotas")
    text = gzip.decompress(data.read_bytes()).decode()
    assert "\t50\t" in text
    data.write_bytes(gzip.compress(text.replace("\t50\t", "\t49\t", 1).encode()))
    result = bk.verify(bad, settings_secret)
    problem = result.first_problem
    assert problem is not None and problem.name == "files"
    assert "beamline.tenant_quotas" in problem.detail and "changed" in problem.detail


def test_edited_row_with_rewritten_manifest_fails_on_signature(
    made_backup: tuple[str, Path], settings_secret: Settings, tmp_path: Path
) -> None:
    """A tamperer without the secret recomputes the file list: the signature gives it away."""
    _, backup_dir = made_backup
    bad = _copy(backup_dir, tmp_path, "resigned")
    data = _data_file(bad, "beamline.tenant_quotas")
    text = gzip.decompress(data.read_bytes()).decode()
    data.write_bytes(gzip.compress(text.replace("\t50\t", "\t49\t", 1).encode()))
    manifest = json.loads((bad / "manifest.json").read_text())
    name = str(data.relative_to(bad))
    manifest["files"][name] = {
        "bytes": data.stat().st_size,
        "sha256": hashlib.sha256(data.read_bytes()).hexdigest(),
    }
    (bad / "manifest.json").write_text(json.dumps(manifest))
    problem = bk.verify(bad, settings_secret).first_problem
    assert problem is not None and problem.name == "files" and "signature" in problem.detail


def test_edited_row_behind_a_consistent_file_list_fails_on_the_table_checksum(
    made_backup: tuple[str, Path], settings_secret: Settings, tmp_path: Path
) -> None:
    """Past the file layer (file list and signature rewritten with the secret), the restored
    rows are compared with the manifest's counts and checksums."""
    _, backup_dir = made_backup
    bad = _copy(backup_dir, tmp_path, "deep")
    data = _data_file(bad, "beamline.tenant_quotas")
    text = gzip.decompress(data.read_bytes()).decode()
    data.write_bytes(gzip.compress(text.replace("\t50\t", "\t49\t", 1).encode()))
    _rewrite_manifest(bad)
    result = bk.verify(bad, settings_secret)
    problem = result.first_problem
    assert problem is not None and problem.name == "tables", bk.describe_checks(result.checks)
    assert "beamline.tenant_quotas" in problem.detail and "checksum" in problem.detail


def test_removed_table_data_fails_verify_naming_the_table(
    made_backup: tuple[str, Path], settings_secret: Settings, tmp_path: Path
) -> None:
    _, backup_dir = made_backup
    bad = _copy(backup_dir, tmp_path, "removed")
    _data_file(bad, "beamline.policies").unlink()
    problem = bk.verify(bad, settings_secret).first_problem
    assert problem is not None and problem.name == "files"
    assert "missing" in problem.detail and "beamline.policies" in problem.detail


def test_table_missing_from_the_restore_is_named(
    made_backup: tuple[str, Path], settings_secret: Settings, tmp_path: Path
) -> None:
    _, backup_dir = made_backup
    bad = _copy(backup_dir, tmp_path, "ghost")
    _rewrite_manifest(
        bad, lambda m: m["tables"].__setitem__("beamline.ghost", {"rows": 1, "checksum": "x"})
    )
    problem = bk.verify(bad, settings_secret).first_problem
    assert problem is not None and problem.name == "tables"
    assert "beamline.ghost is missing" in problem.detail


def test_removed_history_entry_fails_the_chain_check(
    made_backup: tuple[str, Path], settings_secret: Settings, tmp_path: Path
) -> None:
    """Deleting a DevState entry and fixing counts, checksums and head in the manifest still
    fails: the restored chain does not verify."""
    source, backup_dir = made_backup
    bad = _copy(backup_dir, tmp_path, "chain")
    data = _data_file(bad, "devstate.history_entries")
    lines = gzip.decompress(data.read_bytes()).decode().split("\n")
    del lines[3]
    data.write_bytes(gzip.compress("\n".join(lines).encode()))
    # recompute what the manifest would say for the edited data, as a tamperer would
    with psycopg.connect(source, autocommit=True) as conn:
        bk._session(conn)
        conn.execute("create temp table h as select * from devstate.history_entries")
        removed_id = int(lines[3 - 1].split("\t")[0]) + 1
        conn.execute("delete from h where id = %s", [removed_id])
        fp = bk._table_fingerprint(conn, "pg_temp.h")
    _rewrite_manifest(
        bad,
        lambda m: (
            m["tables"].__setitem__("devstate.history_entries", fp),
            m["devstate"].__setitem__("entries", fp["rows"]),
        ),
    )
    result = bk.verify(bad, settings_secret)
    problem = result.first_problem
    assert problem is not None and problem.name == "devstate_chain", bk.describe_checks(
        result.checks
    )
    assert str(removed_id + 1) in problem.detail or "missing predecessor" in problem.detail


# --- restore refusal -----------------------------------------------------------------------------


def test_restore_onto_a_non_empty_database_is_refused(
    pg_cluster: Cluster, made_backup: tuple[str, Path], settings_secret: Settings
) -> None:
    source, backup_dir = made_backup
    before = fingerprint(source)
    with pytest.raises(RestoreRefused, match="not empty"):
        bk.restore(backup_dir, source, settings_secret)
    assert fingerprint(source) == before
    # a database with only a foreign table is not empty either
    other = clone_template(pg_cluster)
    try:
        with psycopg.connect(other, autocommit=True) as conn:
            for schema in bk.SCHEMAS:
                conn.execute(f"drop schema if exists {schema} cascade")
            conn.execute("drop extension if exists pgcrypto")
            conn.execute("create table public.unrelated (x int)")
        with pytest.raises(RestoreRefused, match=r"public\.unrelated"):
            bk.restore(backup_dir, other, settings_secret)
        with psycopg.connect(other, autocommit=True) as conn:
            assert conn.execute("select to_regnamespace('beamline')").fetchone() == (None,)
    finally:
        drop_database(pg_cluster, other)


def test_forced_restore_replaces_beamline_schemas(
    pg_cluster: Cluster, made_backup: tuple[str, Path], settings_secret: Settings
) -> None:
    source, backup_dir = made_backup
    before = fingerprint(source)
    with ds.connect(source, secret=SECRET) as conn:
        conn.execute(
            "select beamline.put_policy('acme', 'late', %s, 'alice')", [json.dumps(POLICY)]
        )
    assert fingerprint(source) != before
    result = bk.restore(backup_dir, source, settings_secret, force=True)
    assert result.ok and "beamline" in result.dropped
    assert fingerprint(source) == before


# --- the CLI -------------------------------------------------------------------------------------


def test_cli_backup_verify_restore_json_and_exit_codes(
    pg_cluster: Cluster, source: str, tmp_path: Path
) -> None:
    runner = CliRunner()
    env = {"DATABASE_URL": source, "BEAMLINE_HMAC_SECRET": SECRET}
    out = runner.invoke(main, ["backup", "-o", str(tmp_path / "b"), "--json", "-q"], env=env)
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["signed"] is True and data["rows"] > 0 and data["migrations"]
    assert SECRET not in out.output

    out = runner.invoke(main, ["backup", "verify", str(tmp_path / "b"), "--json"], env=env)
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["ok"] is True
    assert "restoring into" in out.stderr  # progress on stderr

    out = runner.invoke(main, ["restore", str(tmp_path / "b"), "-q"], env=env)
    assert out.exit_code == 25
    assert out.stderr.startswith("beamline: error: RestoreRefused:") and out.stderr.count("\n") == 1

    toc = tmp_path / "b" / "dump" / "toc.dat"
    toc.write_bytes(toc.read_bytes()[:100])
    out = runner.invoke(main, ["backup", "verify", str(tmp_path / "b"), "--json", "-q"], env=env)
    assert out.exit_code == 24
    assert json.loads(out.stdout)["first_problem"].startswith("files: dump file dump/toc.dat")
    assert "BackupInvalid" in out.stderr and out.stderr.count("\n") == 1


def test_scripts_back_up_verify_and_refuse_restore(source: str, tmp_path: Path) -> None:
    """The three shell scripts, as real processes, with the documented exit codes."""
    import os
    import subprocess

    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "DATABASE_URL": source, "BEAMLINE_HMAC_SECRET": SECRET}
    env.pop("BEAMLINE_HOME", None)

    def run(script: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(root / "scripts" / script), *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
        )

    made = run("backup_database.sh", str(tmp_path / "s"), "--format", "custom", "--json")
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["format"] == "custom"
    assert (tmp_path / "s" / "database.dump").is_file()
    checked = run("verify_backup_integrity.sh", str(tmp_path / "s"), "--quiet")
    assert checked.returncode == 0, checked.stderr
    assert "verified" in checked.stdout
    refused = run("restore_database.sh", str(tmp_path / "s"), "--quiet")
    assert refused.returncode == 25 and "RestoreRefused" in refused.stderr
    assert run("verify_backup_integrity.sh").returncode == 2
    (tmp_path / "s" / "database.dump").write_bytes(b"PGDMP")
    broken = run("verify_backup_integrity.sh", str(tmp_path / "s"), "--quiet")
    assert broken.returncode == 24 and "database.dump" in broken.stderr
    assert SECRET not in made.stdout + made.stderr + broken.stderr


@pytest.mark.parametrize("healthy", [True, False])
def test_audit_chain_is_verified(
    source: str, settings_secret: Settings, tmp_path: Path, healthy: bool
) -> None:
    """Every tenant's audit hash chain (issue 11, beamline_admin.verify_audit_chains) is checked
    on the restored copy. A row edited in the source behind the triggers' back (superuser,
    session_replication_role = replica) is backed up consistently, so only the chain finds it."""
    if not healthy:
        with psycopg.connect(source, autocommit=True) as conn, conn.transaction():
            conn.execute("set local session_replication_role = replica")
            conn.execute(
                "update beamline.policy_audit_log set actor = 'mallory'"
                " where id = (select id from beamline.policy_audit_log"
                "              where tenant_id = 'acme' order by seq limit 1 offset 2)"
            )
    made = bk.backup(source, settings_secret, tmp_path / "a")
    assert made.manifest["audit_chain_function"] == "beamline_admin.verify_audit_chains()"
    result = bk.verify(tmp_path / "a", settings_secret)
    check = next(c for c in result.checks if c.name == "audit_chain")
    assert check.ok is healthy, check.detail
    if not healthy:
        assert "bad hash" in check.detail and "acme" in check.detail
    assert result.ok is healthy


def test_restore_into_an_empty_database_without_superuser(
    pg_cluster: Cluster, made_backup: tuple[str, Path], settings_secret: Settings
) -> None:
    """What docs/OPERATIONS.md promises: a role with CREATEROLE, CREATEDB and membership in the
    owner role (no SUPERUSER) restores into its own empty database, checks included."""
    _, backup_dir = made_backup
    role = f"restorer_{uuid.uuid4().hex[:8]}"
    dbname = f"r_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_cluster.url(dbname="postgres"), autocommit=True) as conn:
        conn.execute(f"create role {role} login createrole createdb nosuperuser")
        conn.execute(f"grant beamline_owner to {role}")
    params = psycopg.conninfo.conninfo_to_dict(pg_cluster.url(dbname="postgres"))
    as_restorer = psycopg.conninfo.make_conninfo("", **{**params, "user": role})  # type: ignore[arg-type]
    target = psycopg.conninfo.make_conninfo(as_restorer, dbname=dbname)
    try:
        with psycopg.connect(as_restorer, autocommit=True) as conn:
            conn.execute(f'create database "{dbname}"')
        result = bk.restore(backup_dir, target, settings_secret)
        assert result.ok, bk.describe_checks(result.checks)
        with psycopg.connect(target, autocommit=True) as conn:
            assert conn.execute(
                "select rolsuper from pg_roles where rolname = current_user"
            ).fetchone() == (False,)
    finally:
        with psycopg.connect(pg_cluster.url(dbname="postgres"), autocommit=True) as conn:
            conn.execute(f'drop database if exists "{dbname}" with (force)')
            conn.execute(f"drop role if exists {role}")


def test_a_failed_backup_leaves_nothing_behind(
    pg_cluster: Cluster, settings_secret: Settings, tmp_path: Path
) -> None:
    with pytest.raises(BackupFailed, match="no schema beamline"):
        bk.backup(pg_cluster.url(dbname="postgres"), settings_secret, tmp_path / "none")
    assert not (tmp_path / "none").exists()
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    with pytest.raises(BackupFailed, match="not empty"):
        bk.backup(pg_cluster.url(dbname="postgres"), settings_secret, tmp_path / "full")
    assert (tmp_path / "full" / "keep.txt").read_text() == "mine"
