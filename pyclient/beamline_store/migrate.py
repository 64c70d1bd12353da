"""``beamline migrate``: roles, yoyo migrations (tables), then stored logic, in that order.

1. Roles (names from settings) are created when missing: owner (owns every object), application
   (EXECUTE on the API only) and read-only (SELECT for reporting). All are NOLOGIN group roles:
   grant them to login roles. With *login_role* (the embedded cluster: ``beamline_client``) a
   LOGIN role that is a member of the application role and of nothing else is created too:
   the login of every application connection, which cannot become anything more.
2. yoyo applies ``migrations/NNNN_*.sql`` as the owner role (tables change only here); its
   bookkeeping tables live in schema ``beamline_yoyo``.
3. Every file of ``sql/functions``, ``sql/views``, ``sql/triggers`` (each sorted by name), then
   ``sql/grants.sql``, is re-applied in one transaction as the owner. Files are idempotent
   (``create or replace``), so a second run changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import psycopg
from psycopg import sql

from .config import Settings, sql_root
from .connection import connect_admin
from .errors import MigrationFailed
from .schemas import load_default_schemas
from .secrets import mask_text

__all__ = ["MigrationReport", "migrate", "sql_files"]

YOYO_SCHEMA = "beamline_yoyo"
SQL_DIRS = ("functions", "views", "triggers")

# Extra steps run after the SQL files, in the same transaction as the owner role
# (e.g. loading the shipped JSON schemas). Each gets (connection, settings).
PostStep = Callable[[psycopg.Connection[tuple[object, ...]], Settings], None]
POST_STEPS: list[PostStep] = [load_default_schemas]


@dataclass
class MigrationReport:
    roles_created: list[str] = field(default_factory=list)
    migrations_applied: list[str] = field(default_factory=list)
    sql_files_applied: int = 0


def sql_files(root: Path | None = None) -> list[Path]:
    """The stored-logic files in the order they are applied."""
    base = (root or sql_root()) / "sql"
    files: list[Path] = []
    for sub in SQL_DIRS:
        files += sorted((base / sub).glob("*.sql"))
    grants = base / "grants.sql"
    if grants.is_file():
        files.append(grants)
    return files


def _ensure_login_role(conn: psycopg.Connection[tuple[object, ...]], settings: Settings) -> bool:
    """The dedicated login of application connections: LOGIN, member of the application role
    only (any other membership is revoked), no attribute beyond LOGIN."""
    role = sql.Identifier(settings.login_role)
    exists = conn.execute(
        "select 1 from pg_catalog.pg_roles where rolname = %s", [settings.login_role]
    ).fetchone()
    if not exists:
        conn.execute(sql.SQL("create role {} login inherit").format(role))
    conn.execute(
        sql.SQL(
            "alter role {} login inherit nosuperuser nocreatedb nocreaterole noreplication "
            "nobypassrls"
        ).format(role)
    )
    others = conn.execute(
        "select g.rolname from pg_catalog.pg_auth_members m"
        " join pg_catalog.pg_roles g on g.oid = m.roleid"
        " join pg_catalog.pg_roles u on u.oid = m.member"
        " where u.rolname = %s and g.rolname <> %s",
        [settings.login_role, settings.app_role],
    ).fetchall()
    for (group,) in others:
        conn.execute(sql.SQL("revoke {} from {}").format(sql.Identifier(str(group)), role))
    conn.execute(sql.SQL("grant {} to {}").format(sql.Identifier(settings.app_role), role))
    return not exists


def _ensure_roles(conn: psycopg.Connection[tuple[object, ...]], settings: Settings) -> list[str]:
    created = []
    for role in (settings.owner_role, settings.app_role, settings.readonly_role):
        exists = conn.execute(
            "select 1 from pg_catalog.pg_roles where rolname = %s", [role]
        ).fetchone()
        if not exists:
            conn.execute(sql.SQL("create role {} nologin").format(sql.Identifier(role)))
            created.append(role)
    me = conn.execute(
        "select current_user, rolsuper from pg_catalog.pg_roles where rolname = current_user"
    ).fetchone()
    assert me is not None
    if not me[1]:
        # A non-superuser migrator must be able to SET ROLE to the owner.
        conn.execute(
            sql.SQL("grant {} to {}").format(
                sql.Identifier(settings.owner_role), sql.Identifier(str(me[0]))
            )
        )
    conn.execute(
        sql.SQL("grant create, connect on database {} to {}").format(
            sql.Identifier(str(conn.info.dbname)), sql.Identifier(settings.owner_role)
        )
    )
    for role in (settings.app_role, settings.readonly_role):
        conn.execute(
            sql.SQL("grant connect on database {} to {}").format(
                sql.Identifier(str(conn.info.dbname)), sql.Identifier(role)
            )
        )
    conn.execute(
        sql.SQL("create schema if not exists {} authorization {}").format(
            sql.Identifier(YOYO_SCHEMA), sql.Identifier(settings.owner_role)
        )
    )
    return created


def _yoyo_uri(dsn: str, settings: Settings) -> str:
    params = {k: str(v) for k, v in psycopg.conninfo.conninfo_to_dict(dsn).items() if v is not None}
    dbname = params.pop("dbname", "")
    params["options"] = (params.get("options", "") + f" -c role={settings.owner_role}").strip()
    params["schema"] = YOYO_SCHEMA
    return f"postgresql+psycopg:///{dbname}?{urlencode(params)}"


def _apply_yoyo(dsn: str, settings: Settings, root: Path) -> list[str]:
    from yoyo import get_backend, read_migrations

    backend = get_backend(_yoyo_uri(dsn, settings))
    try:
        migrations = read_migrations(str(root / "migrations"))
        with backend.lock():
            pending = backend.to_apply(migrations)
            backend.apply_migrations(pending)
        return [m.id for m in pending]
    finally:
        backend.connection.close()


def _apply_sql(dsn: str, settings: Settings, root: Path) -> int:
    files = sql_files(root)
    with connect_admin(dsn) as conn:
        conn.autocommit = False
        conn.execute(sql.SQL("set role {}").format(sql.Identifier(settings.owner_role)))
        conn.execute("set local check_function_bodies = off")
        conn.execute("set local client_min_messages = warning")
        for key, value in (
            ("beamline.owner_role", settings.owner_role),
            ("beamline.app_role", settings.app_role),
            ("beamline.readonly_role", settings.readonly_role),
        ):
            conn.execute("select pg_catalog.set_config(%s, %s, true)", [key, value])
        for path in files:
            try:
                conn.execute(path.read_text(encoding="utf-8").encode())
            except psycopg.Error as exc:
                raise MigrationFailed(
                    f"{path.relative_to(root)}: {' '.join(str(exc).split())}"
                ) from None
        for step in POST_STEPS:
            step(conn, settings)
        conn.commit()
    return len(files)


def migrate(
    dsn: str, settings: Settings, *, root: Path | None = None, login_role: bool = False
) -> MigrationReport:
    """Bring the database at *dsn* up to date. Safe to run any number of times.

    *login_role*: also create (or correct) ``settings.login_role`` (the embedded cluster does;
    on another server create a login role yourself: docs/CONFIG.md, 'Roles and logins')."""
    root = root or sql_root()
    report = MigrationReport()
    with connect_admin(dsn, timeout=settings.connect_timeout) as conn:
        # Serialise concurrent `beamline migrate` runs against one database.
        conn.execute("select pg_catalog.pg_advisory_lock(hashtext('beamline.migrate'))")
        try:
            report.roles_created = _ensure_roles(conn, settings)
            if login_role and _ensure_login_role(conn, settings):
                report.roles_created.append(settings.login_role)
            try:
                report.migrations_applied = _apply_yoyo(dsn, settings, root)
            except psycopg.Error as exc:
                raise MigrationFailed(
                    mask_text(f"migration failed: {' '.join(str(exc).split())}")
                ) from None
            report.sql_files_applied = _apply_sql(dsn, settings, root)
        finally:
            conn.execute("select pg_catalog.pg_advisory_unlock(hashtext('beamline.migrate'))")
    return report
