"""Backup, restore and verification of everything beamline-store owns, with PostgreSQL's own
tools (``pg_dump`` / ``pg_restore``) plus a manifest (docs/OPERATIONS.md).

A backup is a directory::

    backup/
      manifest.json   what was backed up and how to recognise it (below)
      roles.sql       the roles' existence and memberships, for a DBA restoring by hand
      dump/           pg_dump directory format (or database.dump: custom format)

The dump holds the schemas ``beamline``, ``beamline_internal``, ``beamline_admin``,
``beamline_ext`` (with its extensions), ``devstate`` and ``beamline_yoyo`` (the migration
bookkeeping): tables, data, functions, triggers, views, comments, owners and GRANTs. Roles are
cluster objects that pg_dump does not carry: the manifest lists the owner / application /
read-only roles and the roles that are members of them (attributes LOGIN / INHERIT / CONNECTION
LIMIT only; never passwords, never SUPERUSER, REPLICATION or BYPASSRLS), and the database's own
ACL (CONNECT / CREATE / TEMP grants).

The manifest is computed in the same snapshot as the dump (``pg_export_snapshot`` handed to
``pg_dump --snapshot``), so its counts and checksums describe exactly the dumped data:

- ``migrations``: the yoyo migration ids applied;
- ``tables``: per table, the row count and a checksum (md5 over the sorted md5s of the rows'
  text form, in a session with fixed TimeZone / DateStyle / float settings);
- ``sequences``: last values;
- ``devstate``: number of history entries and the chain head (id, hmac);
- ``functions``: every function of our schemas with owner, ACL, SECURITY DEFINER and an md5 of
  its definition;
- ``files``: size and sha256 of every file of the dump (a truncated or edited file is found
  before anything is restored).

With ``BEAMLINE_HMAC_SECRET`` set the manifest is signed (HMAC-SHA256 of its canonical JSON),
so whoever edits a dump file *and* the manifest's file list is caught too.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from .config import Settings
from .database import connect_admin
from .embedded import Cluster, find_bindir
from .errors import BackupFailed, BackupInvalid, RestoreRefused
from .secrets import mask_text

__all__ = [
    "FORMAT_VERSION",
    "SCHEMAS",
    "BackupResult",
    "Check",
    "RestoreResult",
    "VerifyResult",
    "backup",
    "restore",
    "verify",
]

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
ROLES_FILE = "roles.sql"
SCHEMAS = (
    "beamline",
    "beamline_internal",
    "beamline_admin",
    "beamline_ext",
    "devstate",
    "beamline_yoyo",
)
# Fixed output settings, so a row's text form (and its checksum) is the same on every server.
_SESSION_SETTINGS = {
    "TimeZone": "UTC",
    "DateStyle": "ISO, YMD",
    "IntervalStyle": "postgres",
    "extra_float_digits": "3",
    "bytea_output": "hex",
}

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


# -- small helpers ------------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _canonical(manifest: dict[str, Any]) -> bytes:
    body = {k: v for k, v in manifest.items() if k != "signature"}
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def _sign(manifest: dict[str, Any], secret: str) -> str:
    return hmac.new(secret.encode(), _canonical(manifest), hashlib.sha256).hexdigest()


def _split_dsn(dsn: str) -> tuple[str, dict[str, str]]:
    """*dsn* without its password, and the environment that carries the password to libpq
    tools (never on their command line, where ``ps`` shows it)."""
    params = {k: str(v) for k, v in psycopg.conninfo.conninfo_to_dict(dsn).items() if v is not None}
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    password = params.pop("password", None)
    if password is not None:
        env["PGPASSWORD"] = password
    env.setdefault("LC_ALL", "C.UTF-8")
    return psycopg.conninfo.make_conninfo("", **params), env


def _run_tool(args: list[str], env: dict[str, str], what: str) -> str:
    proc = subprocess.run(args, capture_output=True, text=True, env=env, cwd="/")
    if proc.returncode != 0:
        lines = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()]
        reason = lines[0] if lines else f"exit {proc.returncode}"
        raise BackupFailed(mask_text(f"{what} failed: {reason}", [env.get("PGPASSWORD")]))
    return proc.stdout


def _session(conn: psycopg.Connection[Any]) -> None:
    for key, value in _SESSION_SETTINGS.items():
        conn.execute("select pg_catalog.set_config(%s, %s, false)", [key, value])


# -- what the database holds --------------------------------------------------------------------


def _tables(conn: psycopg.Connection[Any]) -> list[str]:
    rows = conn.execute(
        """select pg_catalog.format('%%I.%%I', n.nspname, c.relname)
             from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
            where n.nspname = any(%s) and c.relkind in ('r', 'p')
              and not exists (select 1 from pg_catalog.pg_depend d
                               where d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                                 and d.objid = c.oid and d.deptype = 'e')
            order by 1""",
        [list(SCHEMAS)],
    ).fetchall()
    return [str(r[0]) for r in rows]


def _table_fingerprint(conn: psycopg.Connection[Any], table: str) -> dict[str, Any]:
    schema, _, name = table.partition(".")
    row = conn.execute(
        sql.SQL(
            "select pg_catalog.count(*), "
            "coalesce(pg_catalog.md5(pg_catalog.string_agg(h, '' order by h)), '') "
            "from (select pg_catalog.md5(t::text) as h from {} t) s"
        ).format(sql.Identifier(schema.strip('"'), name.strip('"')))
    ).fetchone()
    assert row is not None
    return {"rows": int(row[0]), "checksum": str(row[1])}


def _sequences(conn: psycopg.Connection[Any]) -> dict[str, int | None]:
    rows = conn.execute(
        """select pg_catalog.format('%%I.%%I', schemaname, sequencename), last_value
             from pg_catalog.pg_sequences where schemaname = any(%s) order by 1""",
        [list(SCHEMAS)],
    ).fetchall()
    return {str(r[0]): (int(r[1]) if r[1] is not None else None) for r in rows}


def _functions(conn: psycopg.Connection[Any]) -> list[dict[str, Any]]:
    rows = conn.execute(
        """select p.oid::pg_catalog.regprocedure::text, pg_catalog.pg_get_userbyid(p.proowner),
                  coalesce(p.proacl::text, ''), p.prosecdef,
                  pg_catalog.md5(pg_catalog.pg_get_functiondef(p.oid))
             from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
            where n.nspname = any(%s) and p.prokind in ('f', 'p', 'w')
              and not exists (select 1 from pg_catalog.pg_depend d
                               where d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
                                 and d.objid = p.oid and d.deptype = 'e')
            order by 1""",
        [list(SCHEMAS)],
    ).fetchall()
    return [
        {
            "signature": str(r[0]),
            "owner": str(r[1]),
            "acl": str(r[2]),
            "security_definer": bool(r[3]),
            "definition_md5": str(r[4]),
        }
        for r in rows
    ]


def _migrations(conn: psycopg.Connection[Any]) -> list[str]:
    exists = conn.execute(
        "select pg_catalog.to_regclass('beamline_yoyo._yoyo_migration')"
    ).fetchone()
    if not exists or exists[0] is None:
        return []
    rows = conn.execute("select migration_id from beamline_yoyo._yoyo_migration order by 1")
    return [str(r[0]) for r in rows.fetchall()]


def _devstate_head(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    row = conn.execute(
        """select (select pg_catalog.count(*) from devstate.history_entries),
                  h.head_id, h.head_hmac from devstate.chain_head h"""
    ).fetchone()
    if row is None:
        return {"entries": 0, "head_id": None, "head_hmac": None}
    return {"entries": int(row[0]), "head_id": row[1], "head_hmac": row[2]}


def _roles(conn: psycopg.Connection[Any], settings: Settings) -> list[dict[str, Any]]:
    """Our three roles and the roles that are members of them (existence + memberships)."""
    ours = [settings.owner_role, settings.app_role, settings.readonly_role]
    rows = conn.execute(
        """with recursive wanted(oid) as (
               select r.oid from pg_catalog.pg_roles r where r.rolname = any(%s)
             union
               select m.member from pg_catalog.pg_auth_members m join wanted w on m.roleid = w.oid)
           select r.rolname, r.rolcanlogin, r.rolinherit, r.rolconnlimit, r.rolsuper,
                  coalesce((select pg_catalog.array_agg(g.rolname order by g.rolname)
                              from pg_catalog.pg_auth_members m
                              join pg_catalog.pg_roles g on g.oid = m.roleid
                             where m.member = r.oid and g.oid in (select oid from wanted)),
                           '{}')
             from pg_catalog.pg_roles r where r.oid in (select oid from wanted)
            order by r.rolname""",
        [ours],
    ).fetchall()
    return [
        {
            "name": str(r[0]),
            "login": bool(r[1]),
            "inherit": bool(r[2]),
            "connection_limit": int(r[3]),
            "superuser": bool(r[4]),
            "member_of": [str(g) for g in r[5]],
        }
        for r in rows
    ]


def _database_acl(conn: psycopg.Connection[Any]) -> list[dict[str, str]] | None:
    """The database's explicit ACL as (grantee, privilege) pairs; None for the default ACL."""
    row = conn.execute(
        "select datacl is null from pg_catalog.pg_database where datname = current_database()"
    ).fetchone()
    if row is None or row[0]:
        return None
    rows = conn.execute(
        """select case when a.grantee = 0 then 'PUBLIC'
                       else pg_catalog.pg_get_userbyid(a.grantee) end,
                  a.privilege_type
             from pg_catalog.pg_database d, pg_catalog.aclexplode(d.datacl) a
            where d.datname = current_database() order by 1, 2"""
    ).fetchall()
    return [{"grantee": str(r[0]), "privilege": str(r[1])} for r in rows]


def _extensions(conn: psycopg.Connection[Any]) -> list[dict[str, str]]:
    rows = conn.execute(
        """select e.extname, e.extversion, n.nspname
             from pg_catalog.pg_extension e join pg_catalog.pg_namespace n on n.oid = e.extnamespace
            where n.nspname = any(%s) order by 1""",
        [list(SCHEMAS)],
    ).fetchall()
    return [{"name": str(r[0]), "version": str(r[1]), "schema": str(r[2])} for r in rows]


def _audit_chain_verifier(conn: psycopg.Connection[Any]) -> tuple[str, str, str] | None:
    """(signature, schema, name) of the audit log's chain verifier when the schema has one
    callable without arguments: a function named like ``verify%audit%chain%`` in beamline,
    beamline_admin or beamline_internal whose arguments all have defaults. None otherwise."""
    row = conn.execute(
        """select p.oid::pg_catalog.regprocedure::text, n.nspname, p.proname
             from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
            where n.nspname in ('beamline', 'beamline_admin', 'beamline_internal')
              and p.proname like 'verify%%audit%%chain%%'
              and p.pronargs = p.pronargdefaults
            order by n.nspname = 'beamline' desc, 1 limit 1"""
    ).fetchone()
    return None if row is None else (str(row[0]), str(row[1]), str(row[2]))


def _audit_chain(conn: psycopg.Connection[Any]) -> dict[str, Any] | None:
    """Run the audit chain verifier (see :func:`_audit_chain_verifier`); None when there is
    none. Its rows (a scalar result is one row) are collected as JSON; the chain is good when
    every boolean / ``ok`` / ``valid`` member in them is true (no rows: nothing to verify)."""
    found = _audit_chain_verifier(conn)
    if found is None:
        return None
    signature, schema, name = found
    result = conn.execute(
        sql.SQL("select pg_catalog.jsonb_agg(pg_catalog.to_jsonb(r)) from {}() r").format(
            sql.Identifier(schema, name)
        )
    ).fetchone()
    value = result[0] if result else None
    return {"function": signature, "ok": value is None or _chain_ok(value), "result": value}


def _chain_ok(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, dict):
        for key in ("ok", "valid"):
            if key in value:
                return value[key] is True
        return bool(value) and all(_chain_ok(v) for v in value.values())
    if isinstance(value, list):
        return all(_chain_ok(v) for v in value)
    return False


# -- backup -------------------------------------------------------------------------------------


@dataclass
class BackupResult:
    directory: Path
    manifest: dict[str, Any]
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        m = self.manifest
        return {
            "directory": str(self.directory),
            "format": m["dump"]["format"],
            "migrations": m["migrations"][-1] if m["migrations"] else None,
            "tables": len(m["tables"]),
            "rows": sum(t["rows"] for t in m["tables"].values()),
            "devstate_entries": m["devstate"]["entries"],
            "functions": len(m["functions"]),
            "bytes": sum(f["bytes"] for f in m["files"].values()),
            "signed": "signature" in m,
            "seconds": round(self.seconds, 3),
        }


def backup(
    dsn: str,
    settings: Settings,
    directory: Path,
    *,
    fmt: str = "directory",
    jobs: int = 1,
    progress: Progress = _quiet,
) -> BackupResult:
    """Write a backup of the database at *dsn* into *directory* (which must not exist or be
    empty). Reads only: nothing in the database is changed."""
    if fmt not in {"directory", "custom"}:
        raise BackupFailed(f"unknown backup format {fmt!r}: use directory or custom")
    started = time.monotonic()
    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()):
        raise BackupFailed(f"{directory} exists and is not empty: choose a new directory")
    created = not directory.exists()
    directory.mkdir(parents=True, exist_ok=True)
    try:
        return _write_backup(dsn, settings, directory, fmt, jobs, progress, started)
    except BaseException:
        # Leave nothing half-written behind: the directory can be used again at once.
        if created:
            shutil.rmtree(directory, ignore_errors=True)
        else:
            for child in directory.iterdir():
                if child.is_dir():
                    shutil.rmtree(child, ignore_errors=True)
                else:
                    child.unlink(missing_ok=True)
        raise


def _write_backup(
    dsn: str,
    settings: Settings,
    directory: Path,
    fmt: str,
    jobs: int,
    progress: Progress,
    started: float,
) -> BackupResult:
    bindir = find_bindir()
    dump_name = "dump" if fmt == "directory" else "database.dump"
    plain_dsn, env = _split_dsn(dsn)
    with connect_admin(dsn, timeout=settings.connect_timeout) as conn:
        conn.autocommit = False
        conn.execute("set transaction isolation level repeatable read, read only")
        _session(conn)
        snapshot = conn.execute("select pg_catalog.pg_export_snapshot()").fetchone()
        assert snapshot is not None
        if not conn.execute("select pg_catalog.to_regnamespace('beamline')").fetchone()[0]:  # type: ignore[index]
            raise BackupFailed("the database has no schema beamline: nothing to back up")
        extensions = _extensions(conn)
        args = [
            str(bindir / "pg_dump"),
            f"--dbname={plain_dsn}",
            f"--format={fmt}",
            f"--file={directory / dump_name}",
            f"--snapshot={snapshot[0]}",
            "--no-password",
            "--lock-wait-timeout=60000",
        ]
        args += [f"--schema={s}" for s in SCHEMAS]
        args += [f"--extension={e['name']}" for e in extensions]
        if fmt == "directory" and jobs > 1:
            args.append(f"--jobs={jobs}")
        progress(f"dumping schemas {', '.join(SCHEMAS)} ({fmt} format)")
        dump = subprocess.Popen(
            args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env, cwd="/"
        )
        try:
            progress("computing the manifest (row counts, checksums) in the dump's snapshot")
            tables = {}
            for table in _tables(conn):
                tables[table] = _table_fingerprint(conn, table)
            manifest: dict[str, Any] = {
                "format": "beamline-backup",
                "format_version": FORMAT_VERSION,
                "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "database": conn.info.dbname,
                "server_version": conn.info.server_version,
                "dump": {"format": fmt, "path": dump_name},
                "schemas": list(SCHEMAS),
                "extensions": extensions,
                "migrations": _migrations(conn),
                "tables": tables,
                "sequences": _sequences(conn),
                "devstate": _devstate_head(conn),
                "audit_chain_function": None,
                "functions": _functions(conn),
                "roles": _roles(conn, settings),
                "database_acl": _database_acl(conn),
            }
            verifier = _audit_chain_verifier(conn)
            manifest["audit_chain_function"] = verifier[0] if verifier else None
        finally:
            _, stderr = dump.communicate()
            conn.rollback()
        if dump.returncode != 0:
            lines = [ln for ln in stderr.strip().splitlines() if ln.strip()]
            raise BackupFailed(
                mask_text(
                    f"pg_dump failed: {lines[0] if lines else dump.returncode}",
                    [env.get("PGPASSWORD")],
                )
            )
    pg_dump_version = _run_tool([str(bindir / "pg_dump"), "--version"], env, "pg_dump --version")
    manifest["pg_dump_version"] = pg_dump_version.strip()
    progress("hashing the dump files")
    files: dict[str, dict[str, Any]] = {}
    target = directory / dump_name
    paths = sorted(target.rglob("*")) if target.is_dir() else [target]
    for path in paths:
        if path.is_file():
            files[str(path.relative_to(directory))] = {
                "bytes": path.stat().st_size,
                "sha256": _sha256(path),
            }
    manifest["files"] = files
    secret = settings.hmac_secret or os.environ.get("BEAMLINE_HMAC_SECRET")
    if secret:
        manifest["signature"] = _sign(manifest, secret)
    (directory / ROLES_FILE).write_text(roles_sql(manifest))
    tmp = directory / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    tmp.replace(directory / MANIFEST)
    return BackupResult(directory, manifest, time.monotonic() - started)


def _role_statements(manifest: dict[str, Any]) -> list[sql.Composed]:
    """CREATE ROLE (when missing) and GRANT membership statements for the manifest's roles.
    Superusers are expected to exist already and are never created; no passwords."""
    out: list[sql.Composed] = []
    for role in manifest["roles"]:
        if role["superuser"]:
            continue
        attrs = sql.SQL(" ").join(
            [
                sql.SQL("login" if role["login"] else "nologin"),
                sql.SQL("inherit" if role["inherit"] else "noinherit"),
                sql.SQL("connection limit {}").format(sql.Literal(int(role["connection_limit"]))),
            ]
        )
        body = sql.SQL(
            "do $beamline_roles$ begin if not exists (select 1 from pg_catalog.pg_roles "
            "where rolname = {}) then create role {} {}; end if; end $beamline_roles$"
        ).format(sql.Literal(role["name"]), sql.Identifier(role["name"]), attrs)
        out.append(body)
    for role in manifest["roles"]:
        for group in role["member_of"]:
            out.append(
                sql.SQL("grant {} to {}").format(
                    sql.Identifier(group), sql.Identifier(role["name"])
                )
            )
    return out


def roles_sql(manifest: dict[str, Any]) -> str:
    """The role statements as a psql script (documentation for restoring by hand)."""
    lines = [
        "-- Roles of this beamline-store backup: existence and memberships, never passwords.",
        "-- Run as a role with CREATEROLE before pg_restore (beamline restore does it for you).",
    ]
    for statement in _role_statements(manifest):
        lines.append(statement.as_string(None) + ";")
    return "\n".join(lines) + "\n"


# -- reading and checking a backup --------------------------------------------------------------


def load_manifest(directory: Path, *, secret: str | None = None) -> dict[str, Any]:
    """The manifest of the backup in *directory*, after checking its signature (when a secret
    is given and the manifest is signed) and every dump file's size and sha256.

    Raises :class:`BackupInvalid` naming the first problem."""
    path = Path(directory) / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupInvalid(f"{path} is missing: not a beamline backup") from None
    except (OSError, ValueError) as exc:
        raise BackupInvalid(f"{path} is unreadable or not JSON: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != "beamline-backup":
        raise BackupInvalid(f"{path} is not a beamline backup manifest")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupInvalid(
            f"{path}: manifest format {manifest.get('format_version')} is not supported "
            f"(this beamline reads format {FORMAT_VERSION})"
        )
    for key in ("dump", "tables", "files", "functions", "migrations", "roles", "devstate"):
        if key not in manifest:
            raise BackupInvalid(f"{path}: manifest has no {key!r}")
    if secret and "signature" in manifest:
        expected = _sign(manifest, secret)
        if not hmac.compare_digest(expected, str(manifest["signature"])):
            raise BackupInvalid(
                f"{path}: the manifest's signature does not match (edited, or signed with "
                "another BEAMLINE_HMAC_SECRET)"
            )
    directory = Path(directory)
    owners = _file_owners(directory, manifest)
    for name, expected_file in sorted(manifest["files"].items()):
        file = directory / name
        what = f"dump file {name}" + (f" ({owners[name]})" if name in owners else "")
        if not file.is_file():
            raise BackupInvalid(f"{what} is missing")
        size = file.stat().st_size
        if size != expected_file["bytes"]:
            raise BackupInvalid(
                f"{what} is {size} bytes, the manifest says {expected_file['bytes']} (truncated "
                "or changed)"
            )
        if _sha256(file) != expected_file["sha256"]:
            raise BackupInvalid(f"{what} does not match its sha256 in the manifest (changed)")
    dump = directory / manifest["dump"]["path"]
    if dump.is_dir():
        extra = sorted(
            str(p.relative_to(directory))
            for p in dump.rglob("*")
            if p.is_file() and str(p.relative_to(directory)) not in manifest["files"]
        )
        if extra:
            raise BackupInvalid(f"dump file {extra[0]} is not in the manifest (added)")
    return manifest


def _file_owners(directory: Path, manifest: dict[str, Any]) -> dict[str, str]:
    """Directory-format data files -> "table data of schema.table", read from the archive's
    table of contents (``pg_restore --list``); empty when the TOC cannot be read."""
    dump = directory / str(manifest["dump"]["path"])
    if not dump.is_dir() or not (dump / "toc.dat").is_file():
        return {}
    try:
        bindir = find_bindir()
        listing = subprocess.run(
            [str(bindir / "pg_restore"), "--list", str(dump)],
            capture_output=True,
            text=True,
            check=False,
        ).stdout
    except Exception:
        return {}
    owners: dict[str, str] = {}
    for line in listing.splitlines():
        # "3412; 0 16500 TABLE DATA beamline policies beamline_owner"
        parts = line.split()
        if len(parts) >= 7 and parts[3:5] == ["TABLE", "DATA"]:
            dump_id = parts[0].rstrip(";")
            rel = f"{manifest['dump']['path']}/{dump_id}.dat"
            for suffix in ("", ".gz", ".lz4", ".zst"):
                owners[rel + suffix] = f"table data of {parts[5]}.{parts[6]}"
    return owners


@dataclass
class Check:
    name: str
    ok: bool
    detail: str = ""


@dataclass
class VerifyResult:
    directory: Path
    checks: list[Check] = field(default_factory=list)
    seconds: float = 0.0
    scratch: str = ""

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def first_problem(self) -> Check | None:
        return next((c for c in self.checks if not c.ok), None)

    def as_dict(self) -> dict[str, Any]:
        problem = self.first_problem
        return {
            "directory": str(self.directory),
            "ok": self.ok,
            "first_problem": None if problem is None else f"{problem.name}: {problem.detail}",
            "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail} for c in self.checks],
            "scratch": self.scratch,
            "seconds": round(self.seconds, 3),
        }


def compare(
    conn: psycopg.Connection[Any], manifest: dict[str, Any], *, progress: Progress = _quiet
) -> list[Check]:
    """Check the database behind *conn* against *manifest*: migrations, tables (counts and
    checksums), sequences, functions and ACLs, DevState chain (needs the HMAC secret in the
    session), audit chain (when the schema has a verifier). One Check per area; each names its
    first mismatch."""
    _session(conn)
    checks: list[Check] = []

    migrations = _migrations(conn)
    expected_m = list(manifest["migrations"])
    if migrations == expected_m:
        level = expected_m[-1] if expected_m else "none"
        checks.append(Check("migrations", True, f"{len(migrations)} applied, level {level}"))
    else:
        missing = [m for m in expected_m if m not in migrations]
        extra = [m for m in migrations if m not in expected_m]
        checks.append(Check("migrations", False, f"missing {missing[:3]}, unexpected {extra[:3]}"))

    progress("checking row counts and checksums")
    present = set(_tables(conn))
    problem = ""
    rows = 0
    for table, expected_t in sorted(manifest["tables"].items()):
        if table not in present:
            problem = f"table {table} is missing from the restored database"
            break
        got = _table_fingerprint(conn, table)
        rows += got["rows"]
        if got["rows"] != expected_t["rows"]:
            problem = (
                f"table {table} has {got['rows']} rows, the manifest says {expected_t['rows']}"
            )
            break
        if got["checksum"] != expected_t["checksum"]:
            problem = f"table {table}: checksum differs from the manifest (rows changed)"
            break
    if not problem:
        extra_t = sorted(present - set(manifest["tables"]))
        if extra_t:
            problem = f"table {extra_t[0]} is not in the manifest"
    checks.append(
        Check("tables", not problem, problem or f"{len(manifest['tables'])} tables, {rows} rows")
    )

    sequences = _sequences(conn)
    bad_seq = [
        s for s, v in sorted(manifest.get("sequences", {}).items()) if sequences.get(s, -1) != v
    ]
    checks.append(
        Check(
            "sequences",
            not bad_seq,
            f"sequence {bad_seq[0]} differs" if bad_seq else f"{len(sequences)} sequences",
        )
    )

    functions = {f["signature"]: f for f in _functions(conn)}
    problem = ""
    for expected_f in manifest["functions"]:
        got_f = functions.get(expected_f["signature"])
        if got_f is None:
            problem = f"function {expected_f['signature']} is missing"
        elif got_f["acl"] != expected_f["acl"]:
            problem = (
                f"function {expected_f['signature']}: ACL {got_f['acl']!r}, "
                f"expected {expected_f['acl']!r}"
            )
        elif got_f["owner"] != expected_f["owner"]:
            problem = (
                f"function {expected_f['signature']}: owner {got_f['owner']}, "
                f"expected {expected_f['owner']}"
            )
        elif got_f["security_definer"] != expected_f["security_definer"]:
            problem = f"function {expected_f['signature']}: SECURITY DEFINER changed"
        elif got_f["definition_md5"] != expected_f["definition_md5"]:
            problem = f"function {expected_f['signature']}: definition differs"
        if problem:
            break
    checks.append(
        Check(
            "functions",
            not problem,
            problem or f"{len(manifest['functions'])} functions, ACLs match",
        )
    )

    progress("verifying the DevState HMAC chain")
    head = _devstate_head(conn)
    expected_h = manifest["devstate"]
    if (head["entries"], head["head_id"], head["head_hmac"]) != (
        expected_h["entries"],
        expected_h["head_id"],
        expected_h["head_hmac"],
    ):
        checks.append(
            Check("devstate_chain", False, f"chain head {head} differs from the manifest")
        )
    elif head["entries"] == 0:
        checks.append(Check("devstate_chain", True, "no history entries"))
    else:
        try:
            with conn.transaction():
                verdict = conn.execute("select devstate.verify_hmac_chain()").fetchone()
        except psycopg.Error as exc:
            reason = exc.diag.message_primary or str(exc)
            checks.append(Check("devstate_chain", False, mask_text(reason)))
        else:
            value = verdict[0] if verdict else None
            if isinstance(value, dict) and value.get("ok") is True:
                checks.append(
                    Check("devstate_chain", True, f"{value.get('checked')} entries verified")
                )
            else:
                checks.append(Check("devstate_chain", False, f"verify_hmac_chain: {value}"))

    if manifest.get("audit_chain_function"):
        try:
            with conn.transaction():
                audit = _audit_chain(conn)
        except psycopg.Error as exc:
            checks.append(Check("audit_chain", False, exc.diag.message_primary or str(exc)))
        else:
            if audit is None:
                checks.append(
                    Check("audit_chain", False, f"{manifest['audit_chain_function']} is missing")
                )
            else:
                checks.append(
                    Check(
                        "audit_chain", bool(audit["ok"]), f"{audit['function']}: {audit['result']}"
                    )
                )
    return checks


@contextmanager
def _scratch_database(server_url: str | None, progress: Progress) -> Iterator[tuple[str, str]]:
    """(URL of a new empty scratch database, description); dropped (and a throwaway cluster
    destroyed) afterwards. With *server_url* the database is created on that server;
    otherwise in a new embedded cluster under a temporary directory."""
    name = f"beamline_verify_{uuid.uuid4().hex[:12]}"
    if server_url:
        with connect_admin(server_url) as conn:
            conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
        params = psycopg.conninfo.conninfo_to_dict(server_url)
        params["dbname"] = name
        url = psycopg.conninfo.make_conninfo(
            "", **{k: str(v) for k, v in params.items() if v is not None}
        )
        try:
            yield url, f"database {name} on the given server"
        finally:
            with connect_admin(server_url) as conn:
                conn.execute(
                    sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
                )
        return
    home = Path(tempfile.mkdtemp(prefix="beamline-verify-", dir="/tmp"))
    cluster = Cluster(
        home, settings={"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
    )
    progress(f"starting a throwaway cluster in {home}")
    try:
        cluster.start()
        yield cluster.url(), f"throwaway cluster in {home}"
    finally:
        try:
            cluster.destroy()
        finally:
            shutil.rmtree(home, ignore_errors=True)


def verify(
    directory: Path,
    settings: Settings,
    *,
    server_url: str | None = None,
    progress: Progress = _quiet,
) -> VerifyResult:
    """Verify the backup in *directory*: files against the manifest, then restore into a
    scratch database (on *server_url*, else a throwaway embedded cluster) and compare. Never
    connects to the backed-up database."""
    started = time.monotonic()
    result = VerifyResult(Path(directory))
    secret = settings.hmac_secret or os.environ.get("BEAMLINE_HMAC_SECRET")
    progress("checking the manifest and the dump files")
    try:
        manifest = load_manifest(directory, secret=secret)
    except BackupInvalid as exc:
        result.checks.append(Check("files", False, exc.message))
        result.seconds = time.monotonic() - started
        return result
    signed = "signature" in manifest
    result.checks.append(
        Check(
            "files",
            True,
            f"{len(manifest['files'])} files match"
            + (
                "; manifest signature verified"
                if signed and secret
                else "; manifest not signed"
                if not signed
                else "; signature not checked (no secret)"
            ),
        )
    )
    with _scratch_database(server_url, progress) as (url, description):
        result.scratch = description
        progress(f"restoring into {description}")
        try:
            _restore_into(url, manifest, Path(directory), settings, progress)
        except BackupFailed as exc:
            result.checks.append(Check("restore", False, exc.message))
            result.seconds = time.monotonic() - started
            return result
        result.checks.append(Check("restore", True, "pg_restore completed"))
        from .devstate import db as devstate_db

        with devstate_db.connect(url, secret=secret) as conn:
            result.checks += compare(conn, manifest, progress=progress)
    result.seconds = time.monotonic() - started
    return result


# -- restore ------------------------------------------------------------------------------------


@dataclass
class RestoreResult:
    target: str
    seconds: float
    checks: list[Check] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    change_log_reset: int = 0

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def as_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "ok": self.ok,
            "dropped_schemas": self.dropped,
            "change_log_entries_reset": self.change_log_reset,
            "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail} for c in self.checks],
            "seconds": round(self.seconds, 3),
        }


def _occupied(conn: psycopg.Connection[Any]) -> list[str]:
    """What makes the database non-empty: our schemas, or any user table/schema object."""
    rows = conn.execute(
        """select pg_catalog.format('schema %%I', n.nspname) from pg_catalog.pg_namespace n
            where n.nspname = any(%s)
           union all
           select pg_catalog.format('table %%I.%%I', n.nspname, c.relname)
             from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
            where c.relkind in ('r', 'p', 'v', 'm', 'S')
              and n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast')
              and n.nspname <> all(%s) and n.nspname not like 'pg_temp%%'
              and n.nspname not like 'pg_toast_temp%%'
           order by 1""",
        [list(SCHEMAS), list(SCHEMAS)],
    ).fetchall()
    return [str(r[0]) for r in rows]


def _restore_into(
    url: str,
    manifest: dict[str, Any],
    directory: Path,
    settings: Settings,
    progress: Progress,
    *,
    jobs: int = 1,
) -> None:
    bindir = find_bindir()
    with connect_admin(url, timeout=settings.connect_timeout) as conn:
        progress(f"creating roles ({len(manifest['roles'])}) when missing")
        for statement in _role_statements(manifest):
            try:
                conn.execute(statement)
            except psycopg.Error as exc:
                raise BackupFailed(
                    f"creating roles failed (needs CREATEROLE): {exc.diag.message_primary or exc}"
                ) from None
        acl = manifest.get("database_acl")
        if acl is not None:
            db = sql.Identifier(str(conn.info.dbname))
            grantees = sorted({a["grantee"] for a in acl} | {"PUBLIC"})
            for grantee in grantees:
                who = sql.SQL("public") if grantee == "PUBLIC" else sql.Identifier(grantee)
                conn.execute(sql.SQL("revoke all on database {} from {}").format(db, who))
            for item in acl:
                who = (
                    sql.SQL("public")
                    if item["grantee"] == "PUBLIC"
                    else sql.Identifier(item["grantee"])
                )
                conn.execute(
                    sql.SQL("grant {} on database {} to {}").format(
                        sql.SQL(item["privilege"]), db, who
                    )
                )
    plain, env = _split_dsn(url)
    args = [
        str(bindir / "pg_restore"),
        f"--dbname={plain}",
        "--exit-on-error",
        "--no-password",
    ]
    args += ["--single-transaction"] if jobs <= 1 else [f"--jobs={jobs}"]
    args.append(str(directory / manifest["dump"]["path"]))
    progress("running pg_restore")
    _run_tool(args, env, "pg_restore")


def restore(
    directory: Path,
    target_url: str,
    settings: Settings,
    *,
    force: bool = False,
    check: bool = True,
    jobs: int = 1,
    progress: Progress = _quiet,
) -> RestoreResult:
    """Restore the backup in *directory* into the database at *target_url*.

    The files are checked against the manifest first. A database that already holds our
    schemas or any user table is refused (:class:`RestoreRefused`) unless *force*, which drops
    our schemas (CASCADE) first. With *check*, the restored database is compared with the
    manifest afterwards (like ``verify``). Last, the change log is started afresh (transaction
    ids of another server mean nothing here): every client watermark from before is told to
    flush."""
    started = time.monotonic()
    secret = settings.hmac_secret or os.environ.get("BEAMLINE_HMAC_SECRET")
    progress("checking the manifest and the dump files")
    manifest = load_manifest(directory, secret=secret)
    result = RestoreResult(
        target=str(psycopg.conninfo.conninfo_to_dict(target_url).get("dbname")), seconds=0.0
    )
    with connect_admin(target_url, timeout=settings.connect_timeout) as conn:
        occupied = _occupied(conn)
        if occupied and not force:
            raise RestoreRefused(
                f"the target database {result.target} is not empty ({occupied[0]}"
                + (f" and {len(occupied) - 1} more" if len(occupied) > 1 else "")
                + "): restore into an empty database, or pass --force to drop beamline's "
                "schemas first"
            )
        if occupied:
            for schema in SCHEMAS:
                exists = conn.execute(
                    "select 1 from pg_catalog.pg_namespace where nspname = %s", [schema]
                ).fetchone()
                if exists:
                    progress(f"--force: dropping schema {schema}")
                    conn.execute(sql.SQL("drop schema {} cascade").format(sql.Identifier(schema)))
                    result.dropped.append(schema)
            for ext in manifest.get("extensions", []):
                conn.execute(
                    sql.SQL("drop extension if exists {} cascade").format(
                        sql.Identifier(ext["name"])
                    )
                )
    _restore_into(target_url, manifest, Path(directory), settings, progress, jobs=jobs)
    if check:
        from .devstate import db as devstate_db

        with devstate_db.connect(target_url, secret=secret) as conn:
            result.checks = compare(conn, manifest, progress=progress)
    with connect_admin(target_url, timeout=settings.connect_timeout) as conn:
        result.change_log_reset = _reset_change_log(conn)
    result.seconds = time.monotonic() - started
    return result


def _reset_change_log(conn: psycopg.Connection[Any]) -> int:
    """Start the restored database's change log afresh (SPEC §5 hazard 8): its entries carry
    transaction ids of the server they were written on, which mean nothing on this one. Empty
    it and set pruned_below to the current transaction id, so a client resyncing from any
    older watermark is told complete = false and flushes. Returns the entries removed."""
    with conn.transaction():
        deleted = conn.execute("delete from beamline.change_log").rowcount
        conn.execute(
            "update beamline.change_log_state set pruned_below = pg_catalog.pg_current_xact_id() "
            "where id = 1"
        )
    return deleted


def describe_checks(checks: Sequence[Check]) -> str:
    return "\n".join(f"  {'ok  ' if c.ok else 'FAIL'}  {c.name}: {c.detail}" for c in checks)
