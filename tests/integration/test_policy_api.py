"""Policy API through a real client connection (SPEC §4): the shapes the Python client sees,
keyset pagination over many pages, and the SQLSTATE → exception mapping of the policy errors.
Shared helpers for the other policy tests live here too (``prepare_tenant``, ``DOC``)."""

from __future__ import annotations

import json
from typing import Any

import psycopg
import pytest
from psycopg.types.json import Jsonb

from beamline_store import errors

DOC: dict[str, Any] = {
    "providers": [{"id": "openai", "weight": 70}, {"id": "anthropic", "weight": 30}],
    "rules": [{"id": "r1", "match": {"model": "gpt-4*"}, "route": ["openai"], "priority": 10}],
    "fallback": {"provider": "anthropic"},
}


def prepare_tenant(
    conn: psycopg.Connection[Any],
    tenant: str = "t1",
    admin: str = "alice",
    max_policies: int | None = None,
) -> None:
    """First admin of *tenant*, the default policy schema if the migrator did not load one, and
    optionally a max_policies quota (set by the platform user ``platform``). *conn* is an
    autocommit superuser connection."""
    conn.execute(
        "select beamline_admin.register_default_schema('policy/default', '{\"type\": \"object\"}')"
        " where not exists (select 1 from beamline.json_schemas s where s.name = 'policy/default')"
    )
    conn.execute("select beamline_admin.bootstrap_admin(%s, %s)", [tenant, admin])
    if max_policies is not None:
        # Quotas are a platform limit: quota:manage in the tenant `global` sets them (RBAC.md).
        conn.execute(
            "select beamline_admin.bootstrap_admin('global', 'platform') where not exists"
            " (select 1 from beamline.user_roles r where r.tenant_id = 'global')"
        )
        conn.execute("select beamline.set_quota(%s, 'platform', %s)", [tenant, max_policies])


def put(
    conn: psycopg.Connection[Any],
    policy: str,
    doc: dict[str, Any] = DOC,
    expected: int | None = None,
) -> int:
    row = conn.execute(
        "select version from beamline.put_policy('t1', %s, %s, 'alice', %s)",
        [policy, Jsonb(doc), expected],
    ).fetchone()
    assert row is not None
    return int(row[0])


def test_put_get_roundtrip_keeps_the_document(db_conn: psycopg.Connection[Any]) -> None:
    prepare_tenant(db_conn)
    assert put(db_conn, "p1") == 1
    row = db_conn.execute(
        "select data, version, is_active from beamline.get_policy('t1', 'p1', 'alice')"
    ).fetchone()
    assert row == (DOC, 1, True)


def test_pagination_returns_every_active_policy_exactly_once(
    db_conn: psycopg.Connection[Any],
) -> None:
    prepare_tenant(db_conn, max_policies=200)
    names = [f"p{i:03d}" for i in range(123)]
    for name in names:
        put(db_conn, name)
    put(db_conn, "p007")  # a second version: still one row per policy
    seen: list[str] = []
    cursor = None
    while True:
        rows = db_conn.execute(
            "select policy_id, next_cursor"
            " from beamline.list_policies('t1', 'alice', '{}', 50, %s)",
            [cursor],
        ).fetchall()
        seen += [r[0] for r in rows]
        if len(rows) < 50:
            break
        cursor = rows[-1][1]
    assert seen == names


@pytest.mark.parametrize(
    ("sql", "exc"),
    [
        ("select beamline.get_policy('t1', 'nope', 'alice')", errors.NotFound),
        ("select beamline.get_policy('t1', 'p1', 'mallory')", errors.PermissionDenied),
        ("select beamline.put_policy('t1', 'p1', '[]', 'alice')", errors.BadInput),
        (
            "select beamline.put_policy('t1', 'p1', '{\"providers\": 1}', 'alice')",
            errors.ValidationFailed,
        ),
        (
            "select beamline.put_policy('t1', 'p1',"
            ' \'{"providers": [{"id": "a", "weight": 1}], "rules": []}\', \'alice\', 5)',
            errors.VersionConflict,
        ),
        ("update beamline.policies set data = '{}'", errors.AppendOnly),
    ],
)
def test_policy_errors_map_to_their_exception(
    db_conn: psycopg.Connection[Any], sql: str, exc: type
) -> None:
    prepare_tenant(db_conn)
    put(db_conn, "p1")
    with pytest.raises(psycopg.Error) as caught:
        db_conn.execute(sql)
    mapped = errors.from_database_error(caught.value)
    assert isinstance(mapped, exc)
    if isinstance(mapped, errors.VersionConflict):
        assert json.loads(mapped.detail or "") == {"expected": 5, "actual": 1}
