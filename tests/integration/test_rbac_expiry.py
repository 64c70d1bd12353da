"""A grant stops working when it expires, also inside a transaction that began before
(helper review, 2026-12-03; docs/RBAC.md "Expiry").

Grants were compared with now(), the start of the caller's transaction: a grantee could open a
transaction while its grant was in force, keep it open past the expiry (sending a statement now
and then), and write with the expired grant -- the audit row then carried a time after the
expiry. Each test opens the grantee's transaction first, waits on the server's clock until the
grant has expired, then acts, with real connections, and checks that nothing was written."""

from __future__ import annotations

import time
from typing import Any

import psycopg
import pytest
from psycopg.types.json import Jsonb

from tests.integration.test_policy_api import DOC, prepare_tenant


def _open_transaction_past_expiry(
    db_url: str, db_conn: psycopg.Connection[Any], role: str
) -> psycopg.Connection[Any]:
    """eve gets *role* in t1 for 1.5 s; her application-role transaction begins at once; return
    her connection after the server's clock has passed the expiry."""
    prepare_tenant(db_conn)
    db_conn.execute(
        "select beamline.assign_role('t1', 'eve', %s, 'alice', '[]', now() + interval '1.5 s')",
        [role],
    )
    eve = psycopg.connect(db_url, options="-c role=beamline_app")
    allowed = eve.execute("select beamline.check_permission('t1', 'eve', 'policy:read')")
    assert allowed.fetchone() == (True,)
    deadline = time.monotonic() + 20
    while db_conn.execute(
        "select clock_timestamp() <= r.expires_at from beamline.user_roles r"
        " where r.tenant_id = 't1' and r.user_id = 'eve'"
    ).fetchone() == (True,):
        assert time.monotonic() < deadline, "the grant never expired"
        time.sleep(0.05)
    return eve


def test_a_write_after_the_expiry_in_an_older_transaction_is_refused(
    db_url: str, db_conn: psycopg.Connection[Any]
) -> None:
    eve = _open_transaction_past_expiry(db_url, db_conn, "operator")
    audit_before = db_conn.execute("select count(*) from beamline.policy_audit_log").fetchone()
    with eve, pytest.raises(psycopg.Error) as err:
        eve.execute("select beamline.put_policy('t1', 'e1', %s, 'eve')", [Jsonb(DOC)])
        eve.commit()
    assert err.value.sqlstate == "BL001"
    written = db_conn.execute("select count(*) from beamline.policies where policy_id = 'e1'")
    assert written.fetchone() == (0,)
    audited = db_conn.execute("select count(*) from beamline.policy_audit_log")
    assert audited.fetchone() == audit_before


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("select beamline.check_permission('t1', 'eve', 'policy:read')", False),
        ("select r.is_expired from beamline.get_user_roles('t1', 'eve', 'eve') r", True),
    ],
)
def test_the_read_path_sees_the_expiry_in_an_older_transaction(
    db_url: str, db_conn: psycopg.Connection[Any], question: str, answer: bool
) -> None:
    eve = _open_transaction_past_expiry(db_url, db_conn, "viewer")
    with eve:
        assert eve.execute(question).fetchone() == (answer,)


def test_an_expired_admin_cannot_revoke_in_an_older_transaction(
    db_url: str, db_conn: psycopg.Connection[Any]
) -> None:
    eve = _open_transaction_past_expiry(db_url, db_conn, "admin")
    db_conn.execute("select beamline.assign_role('t1', 'bob', 'viewer', 'alice')")
    with eve, pytest.raises(psycopg.Error) as err:
        eve.execute("select beamline.revoke_role('t1', 'bob', 'eve')")
        eve.commit()
    assert err.value.sqlstate == "BL001"
    assert db_conn.execute(
        "select count(*) from beamline.user_roles where tenant_id = 't1' and user_id = 'bob'"
    ).fetchone() == (1,)


def test_an_expired_admin_cannot_grant_in_an_older_transaction(
    db_url: str, db_conn: psycopg.Connection[Any]
) -> None:
    eve = _open_transaction_past_expiry(db_url, db_conn, "admin")
    # a grant that does not outlive eve's own (it was accepted while eve's transaction was
    # older); now its expiry is in the past when the statement starts: BL007
    row = db_conn.execute(
        "select r.expires_at from beamline.user_roles r"
        " where r.tenant_id = 't1' and r.user_id = 'eve'"
    ).fetchone()
    assert row is not None
    until = row[0]
    with eve, pytest.raises(psycopg.Error) as err:
        eve.execute(
            "select beamline.assign_role('t1', 'mallory', 'admin', 'eve', '[]', %s)", [until]
        )
        eve.commit()
    assert err.value.sqlstate == "BL007"
    assert db_conn.execute(
        "select count(*) from beamline.user_roles where user_id = 'mallory'"
    ).fetchone() == (0,)
