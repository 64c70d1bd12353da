"""`beamline mcp` DevState tools end to end (issue 7, SPEC §6/§8): the SDK's real stdio client
against a real database, BEAMLINE_HMAC_SECRET in the server's environment.

Every DevState tool's happy path and one error path (class + database detail, no traceback);
export → import into an empty database → export is byte-identical; the HMAC secret never shows
in a result, an error, the exported files or the server's (debug) log.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import mcp_types as types
import psycopg
import pytest

from beamline_store.embedded import Cluster
from tests.acceptance.mcp_support import ADMIN, HMAC_SECRET, call, err, mcp_session, ok
from tests.conftest import clone_template, drop_database
from tests.support.devstate_support import register_key

DEVSTATE = "devstate"  # the reserved tenant in which DevState permissions are checked
OTHER = "bob"  # an operator in tenant devstate
HEX64 = re.compile(r"^[0-9a-f]{64}$")
INITIAL = {"version": 1, "current_checkpoint": None, "checkpoints": {}}


@pytest.fixture
def devstate_db(db_url: str, db_conn: psycopg.Connection[Any]) -> str:
    """A database whose tenant devstate has admin alice and operator bob."""
    db_conn.execute("select beamline_admin.bootstrap_admin(%s, %s)", (DEVSTATE, ADMIN))
    db_conn.execute("select beamline.assign_role(%s, %s, 'operator', %s)", (DEVSTATE, OTHER, ADMIN))
    register_key(db_url, HMAC_SECRET)
    return db_url


@pytest.fixture
def empty_db(pg_cluster: Cluster, template_url: str) -> Iterator[str]:
    """A second migrated database (an empty DevState) with admin alice in tenant devstate."""
    url = clone_template(pg_cluster)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("select beamline_admin.bootstrap_admin(%s, %s)", (DEVSTATE, ADMIN))
    register_key(url, HMAC_SECRET)
    yield url
    drop_database(pg_cluster, url)


class Transcript:
    """Every tool result of a test, to check that no secret appears in any of them."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    async def ok(self, session: Any, name: str, **arguments: Any) -> dict[str, Any]:
        out = await ok(session, name, **arguments)
        self.texts.append(json.dumps(out))
        return out

    async def err(self, session: Any, name: str, **arguments: Any) -> dict[str, Any]:
        out = await err(session, name, **arguments)
        self.texts.append(json.dumps(out))
        return out

    async def raw(self, session: Any, name: str, **arguments: Any) -> types.CallToolResult:
        result = await call(session, name, **arguments)
        self.texts.append(json.dumps(result.model_dump(mode="json")))
        return result


def test_devstate_tools_happy_and_error_paths(
    devstate_db: str, empty_db: str, db_conn: psycopg.Connection[Any], tmp_path: Path
) -> None:
    t = Transcript()
    exported, again = tmp_path / "exported", tmp_path / "again"
    root = str(tmp_path)  # the servers' file root: dir arguments are relative to it

    async def main() -> None:
        async with (
            mcp_session(devstate_db, "--log-level", "DEBUG", "--root", root, errlog=log) as s,
            mcp_session(devstate_db, actor=OTHER, client_name="other", errlog=log) as b,
            mcp_session(
                devstate_db, "--root", root, actor="mallory", client_name="intruder", errlog=log
            ) as m,
        ):
            # get_state: the initial document; a user without state:read is refused
            state = await t.ok(s, "get_state")
            assert state["json"] == INITIAL and HEX64.match(state["checksum"])
            denied = await t.err(m, "get_state")
            assert denied["error"] == "PermissionDenied" and denied["sqlstate"] == "BL001"
            assert denied["detail"]["actor"] == "mallory"

            # update_state: merge patch + history entry, compare-and-set; a schema-invalid
            # patch is ValidationFailed with the database's error list, and writes nothing
            patch = {
                "current_checkpoint": "cp1",
                "checkpoints": {"cp1": {"title": "First", "status": "in_progress"}},
            }
            updated = await t.ok(
                s, "update_state", patch=patch, expected_checksum=state["checksum"],
                history={"action": "checkpoint", "cp_to": "cp1", "metadata": {"by": "test"}},
            )  # fmt: skip
            assert HEX64.match(updated["checksum"]) and updated["checksum"] != state["checksum"]
            bad = {"checkpoints": {"cp2": {"title": "Second", "status": "sleeping"}}}
            invalid = await t.err(s, "update_state", patch=bad)
            assert invalid["error"] == "ValidationFailed" and invalid["sqlstate"] == "BL004"
            assert isinstance(invalid["detail"], list) and invalid["detail"], invalid
            assert all("path" in e and "message" in e for e in invalid["detail"])
            assert any("status" in e["path"] for e in invalid["detail"]), invalid["detail"]
            stale = await t.err(s, "update_state", patch={"project": "x"},
                                expected_checksum=state["checksum"])  # fmt: skip
            assert stale["error"] == "VersionConflict" and stale["sqlstate"] == "BL005"
            now = await t.ok(s, "get_state")
            assert now["checksum"] == updated["checksum"] and now["json"]["current_checkpoint"] == (
                "cp1"
            )

            # append_history: signed entries; a user without history:append is refused
            hmacs = []
            for i in range(3):
                appended = await t.ok(s, "append_history", action="note", cp_from="cp1",
                                      metadata={"i": i})  # fmt: skip
                assert HEX64.match(appended["hmac"])
                hmacs.append(appended["hmac"])
            nope = await t.err(m, "append_history", action="note")
            assert nope["error"] == "PermissionDenied" and nope["detail"]["actor"] == "mallory"

            # verify_hmac_chain: 4 entries (1 from update_state + 3); a reversed range is BadInput
            verified = await t.ok(s, "verify_hmac_chain")
            assert verified["ok"] is True and verified["checked"] == 4
            assert verified["head"] == hmacs[-1]
            reversed_range = await t.err(s, "verify_hmac_chain", from_id=3, to_id=1)
            assert reversed_range["error"] == "BadInput" and reversed_range["sqlstate"] == "BL007"

            # search_history: filters and keyset paging; a user without state:read is refused
            page = await t.ok(s, "search_history", action="note", limit=2)
            assert [e["metadata"]["i"] for e in page["items"]] == [2, 1]
            assert all(e["actor"] == ADMIN for e in page["items"])
            rest = await t.ok(s, "search_history", action="note", limit=2,
                              cursor=page["next_cursor"])  # fmt: skip
            assert [e["metadata"]["i"] for e in rest["items"]] == [0]
            assert rest["next_cursor"] is None
            by_cp = await t.ok(s, "search_history", checkpoint="cp1", metadata={"by": "test"})
            assert [e["action"] for e in by_cp["items"]] == ["checkpoint"]
            assert by_cp["items"][0]["state_checksum"] == updated["checksum"]
            refused = await t.err(m, "search_history")
            assert refused["error"] == "PermissionDenied"

            # lock_state / unlock_state: alice's lease on 'state' refuses bob (LockConflict with
            # owner and expiry), both for locking and for update_state; release, then bob can
            lock = await t.ok(s, "lock_state", scope="state", ttl_seconds=300)
            assert re.match(r"^[0-9a-f-]{36}$", lock["lock_id"]) and lock["scope"] == "state"
            renewed = await t.ok(s, "lock_state", scope="state", ttl_seconds=300)
            assert renewed["lock_id"] == lock["lock_id"]
            conflict = await t.err(b, "lock_state", scope="state")
            assert conflict["error"] == "LockConflict" and conflict["sqlstate"] == "BL006"
            assert conflict["detail"]["owner"] == ADMIN and conflict["detail"]["scope"] == "state"
            blocked = await t.err(b, "update_state", patch={"project": "bob's"})
            assert blocked["error"] == "LockConflict"
            not_yours = await t.err(b, "unlock_state", lock_id=lock["lock_id"])
            assert not_yours["error"] == "LockConflict"
            released = await t.ok(s, "unlock_state", lock_id=lock["lock_id"])
            assert released == {"lock_id": lock["lock_id"], "released": True}
            gone = await t.err(s, "unlock_state", lock_id=lock["lock_id"])
            assert gone["error"] == "NotFound" and gone["sqlstate"] == "BL002"
            await t.ok(b, "update_state", patch={"project": "bobs"}, history={"action": "rename"})

            # export_files: both files, canonical; a user without state:read is refused
            done = await t.ok(s, "export_files", dir="exported")
            assert done["dir"] == "exported" and done["files"] == ["state.json", "history.json"]
            assert (
                done["entries"] == 5
                and done["head"] == (await t.ok(s, "verify_hmac_chain"))["head"]
            )
            assert json.loads((exported / "state.json").read_text())["project"] == "bobs"
            assert (await t.err(m, "export_files", dir="x"))["error"] == ("PermissionDenied")

            # import_files: refused into a non-empty DevState, and nothing changes
            again_state = await t.ok(s, "get_state")
            exists = await t.err(s, "import_files", dir="exported")
            assert exists["error"] == "AlreadyExists" and exists["sqlstate"] == "BL013"
            assert (await t.ok(s, "get_state"))["checksum"] == again_state["checksum"]

        # import_files into an empty database: all entries verified and loaded; re-export is
        # byte-identical
        async with mcp_session(empty_db, "--root", root, errlog=log) as e:
            loaded = await t.ok(e, "import_files", dir="exported")
            assert loaded["entries"] == 5 and loaded["head"] == done["head"]
            assert (await t.ok(e, "verify_hmac_chain"))["checked"] == 5
            assert (await t.ok(e, "get_state"))["checksum"] == again_state["checksum"]
            await t.ok(e, "export_files", dir="again")
            # the resource offers the same document
            res = await e.read_resource("beamline://devstate/state")
            t.texts.append(res.contents[0].text)  # type: ignore[union-attr]
            assert json.loads(res.contents[0].text)["json"]["project"] == "bobs"  # type: ignore[union-attr]

    with tempfile.TemporaryFile("w+") as log:
        anyio.run(main)
        log.seek(0)
        stderr = log.read()

    for name in ("state.json", "history.json"):
        assert (exported / name).read_bytes() == (again / name).read_bytes(), name
    # the secret: absent from every result, error, resource, file and log line
    files = [p.read_text() for p in (*exported.iterdir(), *again.iterdir())]
    for text in (*t.texts, *files, stderr):
        assert HMAC_SECRET not in text
    assert "tools/call" in stderr or "call_tool" in stderr or "DEBUG" in stderr, stderr[:2000]
    # the history entries name the MCP actors
    actors = db_conn.execute(
        "select array_agg(distinct actor order by actor) from devstate.history_entries"
    ).fetchone()
    assert actors == ([ADMIN, OTHER],)


def test_devstate_without_secret_is_a_clear_error(devstate_db: str) -> None:
    """Without BEAMLINE_HMAC_SECRET the signing tools fail with SecretMissing; reads work."""
    from tests.acceptance.mcp_support import server_env

    env = {k: v for k, v in server_env(devstate_db).items() if k != "BEAMLINE_HMAC_SECRET"}

    async def main() -> None:
        async with mcp_session(devstate_db, env=env) as s:
            assert (await ok(s, "get_state"))["json"] == INITIAL
            missing = await err(s, "append_history", action="note")
            assert missing["error"] == "SecretMissing" and missing["sqlstate"] == "BL012"
            assert (await err(s, "verify_hmac_chain"))["error"] == "SecretMissing"

    anyio.run(main)
