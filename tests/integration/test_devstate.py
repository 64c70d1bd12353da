"""DevState against a real PostgreSQL (issue 5): the SQL API, RBAC, append-only rules, the
chain under 16 concurrent appenders, tamper detection in the database, the secret never in
the server log, and the PL/pgSQL canonical forms against the shared vectors."""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from beamline_store import errors
from beamline_store.devstate import db
from beamline_store.devstate.canonical import GENESIS, canonical_json
from beamline_store.embedded import Cluster
from tests.support.devstate_support import register_key

SECRET = "ds-secret-7f3a9c1e-never-logged-0123"
VECTORS = json.loads(
    (Path(__file__).resolve().parents[1] / "vectors" / "devstate_hmac.json").read_text("utf-8")
)
VALID_PATCH = {"project": "demo", "current_checkpoint": "cp1",
               "checkpoints": {"cp1": {"title": "first", "status": "in_progress"}}}  # fmt: skip


@pytest.fixture
def ds_url(db_conn: psycopg.Connection[Any], db_url: str) -> str:
    """A fresh database where alice is admin and bob viewer of tenant devstate."""
    db_conn.execute("select beamline_admin.bootstrap_admin('devstate', 'alice')")
    db_conn.execute("select beamline.assign_role('devstate', 'bob', 'viewer', 'alice')")
    register_key(db_url, SECRET)
    return db_url


@pytest.fixture
def conn(ds_url: str) -> Iterator[db.Connection]:
    c = db.connect(ds_url, secret=SECRET)
    yield c
    c.close()


def superuser(url: str) -> psycopg.Connection[Any]:
    """A superuser connection that carries the key too (for verify after tampering)."""
    return db.connect(url, secret=SECRET)


def append_n(conn: db.Connection, n: int, actor: str = "alice") -> list[str]:
    return [
        db.append_history(conn, {"action": "step", "metadata": {"i": i}}, actor) for i in range(n)
    ]


# --- state -----------------------------------------------------------------------------------


def test_initial_state_is_valid_and_checksummed(conn: db.Connection) -> None:
    state = db.get_state(conn, "alice")
    assert state["json"] == {"version": 1, "current_checkpoint": None, "checkpoints": {}}
    assert state["checksum"] == VECTORS["canonical_json"][-1]["state_checksum"]
    assert state["updated_by"] is None


def test_update_state_merges_validates_and_compares_and_sets(conn: db.Connection) -> None:
    before = db.get_state(conn, "alice")["checksum"]
    checksum = db.update_state(conn, VALID_PATCH, "alice", expected_checksum=before)
    state = db.get_state(conn, "alice")
    assert state["checksum"] == checksum != before
    assert state["json"]["checkpoints"]["cp1"]["status"] == "in_progress"
    assert state["updated_by"] == "alice"
    # stale compare-and-set
    with pytest.raises(errors.VersionConflict) as exc:
        db.update_state(conn, {"project": "x"}, "alice", expected_checksum=before)
    assert exc.value.detail_json == {"expected": before, "actual": checksum}
    # null deletes a member (merge patch)
    db.update_state(conn, {"project": None}, "alice")
    assert "project" not in db.get_state(conn, "alice")["json"]


def test_update_state_validates_before_writing(conn: db.Connection) -> None:
    before = db.get_state(conn, "alice")
    with pytest.raises(errors.ValidationFailed) as exc:
        db.update_state(conn, {"version": 2, "surprise": True}, "alice")
    assert {e["keyword"] for e in exc.value.detail_json} >= {"const", "additionalProperties"}
    assert db.get_state(conn, "alice") == before
    with pytest.raises(errors.BadInput):
        db.update_state(conn, [1], "alice")  # a patch must be an object


def test_update_state_with_history_entry_is_one_transaction(conn: db.Connection) -> None:
    checksum = db.update_state(
        conn, VALID_PATCH, "alice", history_entry={"action": "checkpoint", "cp_to": "cp1"}
    )
    entry = db.search_history(conn, {}, "alice")["entries"][0]
    assert entry["state_checksum"] == checksum and entry["cp_to"] == "cp1"
    # a bad entry rolls the state change back too
    with pytest.raises(errors.BadInput):
        db.update_state(conn, {"project": "p2"}, "alice", history_entry={"bogus": 1})
    assert db.get_state(conn, "alice")["checksum"] == checksum


def test_rbac_on_every_function(conn: db.Connection) -> None:
    assert db.get_state(conn, "bob")["json"]["version"] == 1  # viewer reads
    for call in (
        lambda: db.update_state(conn, {"project": "x"}, "bob"),
        lambda: db.append_history(conn, {"action": "x"}, "bob"),
        lambda: db.lock_state(conn, "state", 60, "bob"),
        lambda: db.get_state(conn, "mallory"),
        lambda: db.search_history(conn, {}, "mallory"),
    ):
        with pytest.raises(errors.PermissionDenied):
            call()
    with pytest.raises(errors.BadInput):
        db.get_state(conn, "bad actor;")


# --- history ---------------------------------------------------------------------------------


def test_append_links_to_genesis_and_head(conn: db.Connection) -> None:
    hmacs = append_n(conn, 3)
    page = db.search_history(conn, {}, "alice")
    entries = sorted(page["entries"], key=lambda e: e["id"])
    assert [e["hmac"] for e in entries] == hmacs
    assert entries[0]["hmac_prev"] == GENESIS
    assert [e["hmac_prev"] for e in entries[1:]] == hmacs[:-1]
    assert all(e["key_id"] == "k1" for e in entries)
    result = db.verify_hmac_chain(conn)
    assert result["ok"] and result["checked"] == 3 and result["head"] == hmacs[-1]


def test_append_rejects_bad_entries(conn: db.Connection) -> None:
    for entry in ({}, {"action": ""}, {"action": "x", "extra": 1}, {"action": "x", "metadata": []},
                  {"action": "x", "state_checksum": "ABC"}, {"action": 5}):  # fmt: skip
        with pytest.raises(errors.BadInput):
            db.append_history(conn, entry, "alice")


def test_append_without_secret_is_bl012_and_masked(ds_url: str) -> None:
    with db.connect(ds_url, secret="") as c, pytest.raises(errors.SecretMissing) as exc:
        db.append_history(c, {"action": "x"}, "alice")
    assert "PGOPTIONS" in (exc.value.hint or "")


def test_history_is_append_only_for_the_owner_and_superuser(
    conn: db.Connection, ds_url: str, settings: Any
) -> None:
    append_n(conn, 2)
    with psycopg.connect(ds_url, autocommit=True) as su:
        for sql in (
            "update devstate.history_entries set actor = 'x'",
            "delete from devstate.history_entries",
            "truncate devstate.history_entries",
        ):
            for role in (None, settings.owner_role):
                with su.transaction():
                    if role:
                        su.execute(f'set local role "{role}"')
                    with pytest.raises(psycopg.Error) as exc:
                        su.execute(sql)
                    assert exc.value.diag.sqlstate == "BL011"


def test_insert_not_at_the_head_is_bl008(conn: db.Connection, ds_url: str) -> None:
    hmacs = append_n(conn, 2)
    with psycopg.connect(ds_url, autocommit=True) as su:
        row = "(%s, 'x', 'y', %s, %s, 'k1')"
        for prev in (GENESIS, hmacs[0], "e" * 64):  # fork at genesis, fork mid-chain, nowhere
            with pytest.raises(psycopg.Error) as exc:
                su.execute(
                    "insert into devstate.history_entries"
                    " (id, actor, action, hmac_prev, hmac, key_id)"
                    f" values {row}",
                    [100, prev, "f" * 64],
                )
            assert exc.value.diag.sqlstate == "BL008"
    assert db.verify_hmac_chain(conn)["ok"]


def test_rolled_back_append_leaves_a_gap_that_verifies(conn: db.Connection) -> None:
    append_n(conn, 1)
    with pytest.raises(errors.BadInput), conn.transaction():
        db.append_history(conn, {"action": "burn"}, "alice")
        db.append_history(conn, {"action": ""}, "alice")
    append_n(conn, 1)
    ids = [e["id"] for e in db.search_history(conn, {}, "alice")["entries"]]
    assert ids[0] - ids[1] > 1  # the sequence skipped
    assert db.verify_hmac_chain(conn)["ok"]


def _appender(url: str, n: int, errors_seen: list[BaseException]) -> None:
    try:
        with db.connect(url, secret=SECRET) as c:
            for i in range(n):
                db.append_history(c, {"action": "par", "metadata": {"i": i}}, "alice")
    except BaseException as exc:  # reported by the test
        errors_seen.append(exc)


def test_sixteen_concurrent_appenders_never_fork(ds_url: str, conn: db.Connection) -> None:
    runs = int(os.environ.get("BEAMLINE_FORK_RUNS", "1"))
    for _ in range(runs):
        before = db.verify_hmac_chain(conn)["checked"]
        seen: list[BaseException] = []
        threads = [threading.Thread(target=_appender, args=(ds_url, 200, seen)) for _ in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert seen == []
        result = db.verify_hmac_chain(conn)
        assert result["ok"], result
        assert result["checked"] == before + 16 * 200
    with psycopg.connect(ds_url) as su:
        row = su.execute(
            "select count(*), count(distinct hmac_prev), bool_and(h.head_hmac = e.hmac)"
            " filter (where e.id = h.head_id)"
            " from devstate.history_entries e, devstate.chain_head h"
        ).fetchone()
    assert row is not None and row[0] == row[1] == 3200 * runs and row[2]


def test_search_filters_and_keyset_pagination(conn: db.Connection) -> None:
    for i in range(7):
        db.append_history(
            conn,
            {
                "action": "even" if i % 2 == 0 else "odd",
                "cp_to": f"cp{i}",
                "metadata": {"i": i, "tag": "t"},
            },
            "alice",
        )
    got, cursor = [], None
    while True:
        page = db.search_history(conn, {"action": "even"}, "alice", limit=2, cursor=cursor)
        got += [e["metadata"]["i"] for e in page["entries"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert got == [6, 4, 2, 0]
    assert [
        e["metadata"]["i"]
        for e in db.search_history(conn, {"checkpoint": "cp3"}, "alice")["entries"]
    ] == [3]
    assert len(db.search_history(conn, {"metadata": {"i": 5}}, "alice")["entries"]) == 1
    assert db.search_history(conn, {"since": "2999-01-01T00:00:00Z"}, "alice")["entries"] == []
    assert (
        len(
            db.search_history(conn, {"until": "2999-01-01T00:00:00Z", "actor": "alice"}, "alice")[
                "entries"
            ]
        )
        == 7
    )
    for bad in ({"nope": 1}, {"metadata": [1]}, {"since": "yesterday-ish"}):
        with pytest.raises(errors.BadInput):
            db.search_history(conn, bad, "alice")


# --- leases ----------------------------------------------------------------------------------


def test_leases_conflict_renew_expire_and_guard_updates(
    conn: db.Connection, db_conn: psycopg.Connection[Any]
) -> None:
    db_conn.execute("select beamline.assign_role('devstate', 'carol', 'operator', 'alice')")
    lock = db.lock_state(conn, "state", 60, "alice")
    assert db.lock_state(conn, "state", 120, "alice") == lock  # renewal keeps the id
    with pytest.raises(errors.LockConflict) as exc:
        db.lock_state(conn, "state", 60, "carol")
    assert exc.value.detail_json["owner"] == "alice"
    with pytest.raises(errors.LockConflict):
        db.update_state(conn, VALID_PATCH, "carol")  # the 'state' lease guards updates
    with pytest.raises(errors.LockConflict):
        db.unlock_state(conn, lock, "carol")
    # expire it: an expired lease is free
    db_conn.execute("update devstate.locks set acquired_at = now() - interval '2 hours', "
                    "expires_at = now() - interval '1 hour'")  # fmt: skip
    taken = db.lock_state(conn, "state", 60, "carol")
    assert taken != lock
    db.update_state(conn, VALID_PATCH, "carol")
    with pytest.raises(errors.NotFound):
        db.unlock_state(conn, lock, "alice")
    db.unlock_state(conn, taken, "carol")
    with pytest.raises(errors.BadInput):
        db.lock_state(conn, "state", 0, "alice")


# --- tampering in the database ---------------------------------------------------------------


def _tamper(url: str, *statements: str) -> None:
    with psycopg.connect(url, autocommit=True) as su:
        su.execute("set session_replication_role = replica")
        for sql in statements:
            su.execute(sql)


@pytest.mark.parametrize(
    ("statements", "bad_id", "reason"),
    [
        (
            ["update devstate.history_entries set metadata = '{\"i\": 99}' where id = 5"],
            5,
            "bad hmac",
        ),
        (
            ["update devstate.history_entries set ts = ts + interval '1 microsecond' where id = 7"],
            7,
            "bad hmac",
        ),
        (["delete from devstate.history_entries where id = 5"], 6, "missing predecessor"),
        (["delete from devstate.history_entries where id = 1"], 2, "missing predecessor"),
        (
            [  # swap the contents of entries 4 and 5 (ids stay)
                "create temp table s as select * from devstate.history_entries where id in (4, 5)",
                "alter table devstate.history_entries"
                " drop constraint history_entries_hmac_prev_key,"
                " drop constraint history_entries_hmac_key",
                "update devstate.history_entries e"
                " set ts = s.ts, actor = s.actor, action = s.action,"
                " hmac_prev = s.hmac_prev, hmac = s.hmac, metadata = s.metadata"
                " from s where s.id = 9 - e.id",
            ],
            4,
            "bad link",
        ),
        (["delete from devstate.history_entries where id >= 9"], 10, "truncated"),
    ],
    ids=["edit-metadata", "edit-ts", "delete-middle", "delete-first", "swap", "drop-tail"],
)
def test_tampering_is_found_at_the_first_bad_id(
    conn: db.Connection, ds_url: str, statements: list[str], bad_id: int, reason: str
) -> None:
    append_n(conn, 10)
    _tamper(ds_url, *statements)
    result = db.verify_hmac_chain(conn)
    assert (result["ok"], result.get("id"), result.get("reason")) == (False, bad_id, reason)


def test_another_key_fails_at_the_first_entry_and_retired_keys_verify(
    conn: db.Connection, ds_url: str
) -> None:
    append_n(conn, 3)
    with db.connect(ds_url, secret="another-secret") as other:
        assert db.verify_hmac_chain(other) | {"head": None} == {
            "ok": False, "id": 1, "reason": "bad hmac", "checked": 3, "first_id": 1,
            "last_id": 3, "head": None,
        }  # fmt: skip
    # rotation: the owner registers k2; new entries signed with k2, old ones verify with k1
    # as a retired key
    second = "second-key-0123456789abcdef0123456"  # a new key id needs >= 32 bytes
    with db.connect(ds_url, secret=second, key_id="k2") as k2:
        with pytest.raises(errors.KeyRejected):
            db.append_history(k2, {"action": "too early"}, "alice")
        assert register_key(ds_url, second, "k2") == {"key_id": "k2", "registered": True}
        db.append_history(k2, {"action": "rotated"}, "alice")
        assert (db.verify_hmac_chain(k2)["id"], db.verify_hmac_chain(k2)["reason"]) == (
            1,
            "unknown key",
        )
    with db.connect(ds_url, secret=second, key_id="k2", previous_keys=f"k1:{SECRET}") as k2:
        assert db.verify_hmac_chain(k2)["ok"]
    assert db.verify_hmac_chain(conn) | {"head": None} == {
        "ok": False, "id": 4, "reason": "unknown key", "checked": 4, "first_id": 1,
        "last_id": 4, "head": None,
    }  # fmt: skip


def test_verify_a_range(conn: db.Connection, ds_url: str) -> None:
    append_n(conn, 6)
    assert db.verify_hmac_chain(conn, 3, 5) | {"head": None} == {
        "ok": True, "checked": 3, "first_id": 3, "last_id": 5, "head": None
    }  # fmt: skip
    _tamper(ds_url, "update devstate.history_entries set action = 'x' where id = 2")
    assert db.verify_hmac_chain(conn, 3, 6)["ok"]
    assert db.verify_hmac_chain(conn, 1, 3)["id"] == 2
    with pytest.raises(errors.BadInput):
        db.verify_hmac_chain(conn, 5, 3)


# --- the secret never leaves the client ------------------------------------------------------


def test_secret_never_in_the_server_log(pg_cluster: Cluster, ds_url: str) -> None:
    with db.connect(ds_url, secret=SECRET) as c:
        db.update_state(c, VALID_PATCH, "alice", history_entry={"action": "a"})
        append_n(c, 3)
        db.verify_hmac_chain(c)
        db.search_history(c, {}, "alice")
        with pytest.raises(errors.BadInput):
            db.append_history(c, {"action": ""}, "alice")
    log = Path(pg_cluster.log_file).read_text(errors="replace")
    assert "devstate.append_history" in log  # statements are logged ...
    assert SECRET not in log  # ... the key is not


def test_connection_errors_mask_the_secret() -> None:
    with pytest.raises(errors.DatabaseUnavailable) as exc:
        db.connect("postgresql://nobody@127.0.0.1:1/x", secret=SECRET, timeout=1)
    assert SECRET not in str(exc.value)


# --- the PL/pgSQL side of the shared vectors -------------------------------------------------


def test_plpgsql_matches_the_shared_vectors(conn: db.Connection) -> None:
    for case in VECTORS["canonical_json"]:
        row = conn.execute(
            "select beamline_internal.devstate_canonical_json(%s::jsonb)", [case["input"]]
        ).fetchone()
        assert row is not None and row[0] == case["canonical"]
    for e in VECTORS["entries"]:
        row = conn.execute(
            "select convert_from(m, 'UTF8'),"
            " encode(beamline_ext.hmac(m, convert_to(%(key)s, 'UTF8'), 'sha256'), 'hex')"
            " from beamline_internal.devstate_entry_message(%(id)s,"
            " %(ts)s::timestamptz, %(actor)s, %(action)s, %(cp_from)s, %(cp_to)s,"
            " %(state_checksum)s, %(key_id)s, %(hmac_prev)s,"
            " beamline_internal.devstate_canonical_json(%(metadata_json)s::jsonb)) m",
            {**e, "key": VECTORS["key"]},
        ).fetchone()
        assert row == (e["message"], e["hmac"])


TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=8)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**20), 10**20)
    | st.decimals(allow_nan=False, allow_infinity=False, places=4) | TEXT,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(TEXT, children, max_size=4),
    max_leaves=12,
)  # fmt: skip


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(doc=st.dictionaries(TEXT, json_values, max_size=5))
def test_python_and_plpgsql_canonical_json_agree(conn: db.Connection, doc: dict[str, Any]) -> None:
    text = canonical_json(doc)
    row = conn.execute(
        "select beamline_internal.devstate_canonical_json(%s::jsonb)", [text]
    ).fetchone()
    assert row is not None and row[0] == text


def test_the_application_role_uses_the_api_but_not_the_tables(
    ds_url: str, db_conn: psycopg.Connection[Any], settings: Any, tmp_path: Path
) -> None:
    from beamline_store.devstate import files

    db_conn.execute(
        "do $$ begin if not exists (select 1 from pg_roles where rolname = 'ds_app_login') then "
        f'create role ds_app_login login in role "{settings.app_role}"; end if; end $$'
    )
    params = psycopg.conninfo.conninfo_to_dict(ds_url)
    app_url = psycopg.conninfo.make_conninfo("", **{**params, "user": "ds_app_login"})  # type: ignore[arg-type]
    with db.connect(app_url, secret=SECRET) as app:
        db.update_state(app, VALID_PATCH, "alice", history_entry={"action": "a"})
        db.append_history(app, {"action": "b"}, "alice")
        assert db.verify_hmac_chain(app)["ok"]
        assert files.export_files(app, tmp_path, "alice").count == 2
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            app.execute("select * from devstate.history_entries")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            app.execute("select beamline_internal.devstate_keys()")


def test_a_secret_with_spaces_and_backslashes_round_trips(ds_url: str) -> None:
    odd = "odd secret \\ with 'quotes' = and spaces"
    register_key(ds_url, odd, "kodd")
    with db.connect(ds_url, secret=odd, key_id="kodd") as c:
        db.append_history(c, {"action": "x"}, "alice")
        assert db.verify_hmac_chain(c)["ok"]
        row = c.execute("select md5(current_setting('beamline.hmac_secret'))").fetchone()
        assert row == (hashlib.md5(odd.encode()).hexdigest(),)  # never send it in a statement


def test_a_lease_is_not_granted_while_another_actors_update_is_in_flight(
    conn: db.Connection, ds_url: str
) -> None:
    """update_state checks the `state` lease under the state row's lock, and lock_state('state')
    takes the same lock: a lease cannot slip in between the check and the write."""
    db.update_state(conn, {"project": "p"}, "alice")  # the state row exists
    conn.execute("select beamline.assign_role('devstate', 'carol', 'operator', 'alice')")
    writer = db.connect(ds_url, secret=SECRET, autocommit=False)
    locker = db.connect(ds_url, secret=SECRET)
    try:
        db.update_state(writer, {"project": "in-flight"}, "alice")  # row locked, not committed
        locker.execute("set lock_timeout = '300ms'")
        with pytest.raises(errors.BeamlineError) as waited:
            db.lock_state(locker, "state", 60, "carol")
        assert waited.value.sqlstate == "55P03"  # lock_not_available, kept by errors.translate
        writer.commit()
        assert db.lock_state(locker, "state", 60, "carol")
        with pytest.raises(errors.LockConflict):
            db.update_state(conn, {"project": "after"}, "alice")
    finally:
        writer.close()
        locker.close()
