"""`beamline mcp` end to end (issue 7): the SDK's real stdio client against a real database.

Cases: tool list and schemas (names, hints, closed input schemas), every policy tool's happy
path and one error path (class + database detail, no traceback), audit rows name the actor,
read-only mode offers and runs only reading tools, resources, missing BEAMLINE_ACTOR.
"""

from __future__ import annotations

import subprocess
from typing import Any

import anyio
import jsonschema
import psycopg
import pytest

from beamline_store.config import Settings
from beamline_store.mcp.tools import TOOLS
from beamline_store.store import Store
from tests.acceptance.mcp_support import (
    ADMIN,
    BEAMLINE,
    POLICY,
    TENANT,
    call,
    err,
    mcp_session,
    ok,
    server_env,
)

POLICY_TOOLS = {
    "get_policy", "put_policy", "list_policies", "delete_policy", "activate_policy",
    "deactivate_policy", "policy_history", "check_permission", "get_audit_log",
}  # fmt: skip
DEVSTATE_TOOLS = {
    "get_state", "update_state", "append_history", "verify_hmac_chain", "export_files",
    "import_files", "lock_state", "unlock_state", "search_history",
}  # fmt: skip
READ_TOOLS = {
    "get_policy", "list_policies", "policy_history", "check_permission", "get_audit_log",
    "get_state", "verify_hmac_chain", "search_history",
}  # fmt: skip


@pytest.fixture
def tenant_db(db_url: str, db_conn: psycopg.Connection[Any]) -> str:
    """A database with tenant acme whose first admin is alice."""
    db_conn.execute("select beamline_admin.bootstrap_admin(%s, %s)", (TENANT, ADMIN))
    return db_url


def test_tools_are_listed_with_schemas_and_hints(tenant_db: str) -> None:
    async def main() -> None:
        async with mcp_session(tenant_db) as session:
            tools = {t.name: t for t in (await session.list_tools()).tools}
            assert set(tools) == POLICY_TOOLS | DEVSTATE_TOOLS
            for tool in tools.values():
                jsonschema.Draft202012Validator.check_schema(tool.input_schema)
                assert tool.input_schema["type"] == "object"
                assert tool.input_schema["additionalProperties"] is False
                assert tool.output_schema and tool.output_schema["type"] == "object"
                assert tool.description and len(tool.description) > 40
                for name, prop in tool.input_schema["properties"].items():
                    assert prop.get("description") or prop.get("type") == "object", (
                        tool.name,
                        name,
                    )
                hints = tool.annotations
                assert hints is not None
                assert hints.read_only_hint is (tool.name in READ_TOOLS), tool.name
            assert tools["delete_policy"].annotations.destructive_hint is True  # type: ignore[union-attr]
            assert tools["put_policy"].annotations.destructive_hint is False  # type: ignore[union-attr]
            assert tools["put_policy"].input_schema["required"] == ["tenant", "policy_id", "data"]
            resources = await session.list_resources()
            assert [str(r.uri) for r in resources.resources] == ["beamline://devstate/state"]
            templates = await session.list_resource_templates()
            assert "beamline://policy/{tenant}/{policy_id}" in {
                t.uri_template for t in templates.resource_templates
            }

    anyio.run(main)


def test_policy_tools_happy_and_error_paths(
    tenant_db: str, db_conn: psycopg.Connection[Any]
) -> None:
    async def main() -> None:
        async with mcp_session(tenant_db, client_name="trae-test") as s:
            # put_policy: create, then compare-and-set
            v1 = await ok(s, "put_policy", tenant=TENANT, policy_id="routing", data=POLICY)
            assert (v1["tenant_id"], v1["policy_id"], v1["version"], v1["is_active"]) == (
                TENANT, "routing", 1, True,
            )  # fmt: skip
            changed = {**POLICY, "fallback": {"provider": "openai"}}
            v2 = await ok(s, "put_policy", tenant=TENANT, policy_id="routing", data=changed,
                          expected_version=1)  # fmt: skip
            assert v2["version"] == 2
            conflict = await err(s, "put_policy", tenant=TENANT, policy_id="routing", data=POLICY,
                                 expected_version=1)  # fmt: skip
            assert conflict["error"] == "VersionConflict" and conflict["sqlstate"] == "BL005"
            bad = {
                **POLICY,
                "rules": [{"id": "r1", "match": {}, "route": ["nobody"], "priority": 1}],
            }
            invalid = await err(s, "put_policy", tenant=TENANT, policy_id="bad", data=bad)
            assert invalid["error"] == "ValidationFailed" and invalid["sqlstate"] == "BL004"
            assert isinstance(invalid["detail"], list) and invalid["detail"], invalid
            assert all("path" in e and "message" in e for e in invalid["detail"])

            # get_policy
            got = await ok(s, "get_policy", tenant=TENANT, policy_id="routing")
            assert got["version"] == 2 and got["data"] == changed
            old = await ok(s, "get_policy", tenant=TENANT, policy_id="routing", version=1)
            assert old["data"] == POLICY and old["is_active"] is False
            missing = await err(s, "get_policy", tenant=TENANT, policy_id="nope")
            assert missing["error"] == "NotFound" and missing["sqlstate"] == "BL002"

            # list_policies
            await ok(s, "put_policy", tenant=TENANT, policy_id="second", data=POLICY)
            page = await ok(s, "list_policies", tenant=TENANT)
            assert [p["policy_id"] for p in page["items"]] == ["routing", "second"]
            only = await ok(s, "list_policies", tenant=TENANT,
                            contains={"fallback": {"provider": "openai"}})  # fmt: skip
            assert [p["policy_id"] for p in only["items"]] == ["routing"]
            bad_cursor = await err(s, "list_policies", tenant=TENANT, cursor="garbage")
            assert bad_cursor["error"] == "BadInput"

            # policy_history
            hist = await ok(s, "policy_history", tenant=TENANT, policy_id="routing")
            assert [p["version"] for p in hist["items"]] == [1, 2]
            assert (await err(s, "policy_history", tenant=TENANT, policy_id="nope"))["error"] == (
                "NotFound"
            )

            # activate_policy (rollback) / deactivate_policy / delete_policy
            back = await ok(s, "activate_policy", tenant=TENANT, policy_id="routing", version=1)
            assert back["version"] == 1 and back["is_active"] is True
            assert (await ok(s, "get_policy", tenant=TENANT, policy_id="routing"))["version"] == 1
            nover = await err(s, "activate_policy", tenant=TENANT, policy_id="routing", version=9)
            assert nover["error"] == "NotFound"
            off = await ok(s, "deactivate_policy", tenant=TENANT, policy_id="second")
            assert off["policy_id"] == "second"
            assert (await err(s, "deactivate_policy", tenant=TENANT, policy_id="second"))[
                "error"
            ] == "NotFound"
            gone = await ok(s, "delete_policy", tenant=TENANT, policy_id="routing")
            assert gone["policy_id"] == "routing"
            assert (await err(s, "delete_policy", tenant=TENANT, policy_id="routing"))[
                "error"
            ] == "NotFound"

            # check_permission
            yes = await ok(s, "check_permission", tenant=TENANT, action="policy:write")
            assert yes == {
                "tenant": TENANT,
                "user": ADMIN,
                "action": "policy:write",
                "allowed": True,
            }
            no = await ok(
                s, "check_permission", tenant=TENANT, user="mallory", action="policy:read"
            )
            assert no["allowed"] is False
            unknown = await err(s, "check_permission", tenant=TENANT, action="policy:fly")
            assert unknown["error"] == "BadInput" and unknown["detail"]["argument"] == "action"

            # get_audit_log: the actor is BEAMLINE_ACTOR
            log = await ok(s, "get_audit_log", tenant=TENANT, policy_id="routing")
            actions = [e["action"] for e in log["items"]]
            assert "CREATE" in actions and "ACTIVATE" in actions and "DELETE" in actions, actions
            assert {e["actor"] for e in log["items"]} == {ADMIN}
            assert (await err(s, "get_audit_log", tenant=TENANT, since="yesterday"))["error"] in {
                "InvalidArguments", "BadInput",
            }  # fmt: skip

            # arguments that do not match the input schema never reach the database
            shape = await err(s, "get_policy", tenant="acme; drop table x", policy_id="p")
            assert shape["error"] == "InvalidArguments" and shape["detail"][0]["path"] == "/tenant"
            extra = await err(s, "get_policy", tenant=TENANT, policy_id="p", sql="select 1")
            assert extra["error"] == "InvalidArguments"

    anyio.run(main)
    # Audit metadata names the MCP client (application_name beamline-mcp:<clientInfo.name>);
    # the actor is always BEAMLINE_ACTOR.
    rows = db_conn.execute(
        "select distinct actor, metadata->>'application_name' from beamline.policy_audit_log"
        " where tenant_id = %s and target_type = 'policy'",
        (TENANT,),
    ).fetchall()
    assert rows == [(ADMIN, "beamline-mcp:trae-test")], rows


def test_permission_denied_for_a_user_without_rights(tenant_db: str) -> None:
    async def main() -> None:
        async with mcp_session(tenant_db, actor="mallory") as s:
            denied = await err(s, "put_policy", tenant=TENANT, policy_id="p", data=POLICY)
            assert denied["error"] == "PermissionDenied" and denied["sqlstate"] == "BL001"
            assert denied["detail"]["actor"] == "mallory"

    anyio.run(main)


def test_read_only_mode_offers_and_runs_only_reading_tools(tenant_db: str) -> None:
    async def main() -> None:
        async with mcp_session(tenant_db) as rw:
            await ok(rw, "put_policy", tenant=TENANT, policy_id="routing", data=POLICY)
        async with mcp_session(tenant_db, "--read-only") as ro:
            names = {t.name for t in (await ro.list_tools()).tools}
            assert names == READ_TOOLS
            for tool in TOOLS:
                if tool.name not in READ_TOOLS:
                    refused = await call(ro, tool.name, tenant=TENANT, policy_id="routing",
                                         data=POLICY)  # fmt: skip
                    assert refused.is_error
                    assert "read-only" in refused.content[0].text  # type: ignore[union-attr]
            assert (await ok(ro, "get_policy", tenant=TENANT, policy_id="routing"))["version"] == 1
            res = await ro.read_resource("beamline://policy/acme/routing")
            assert '"openai"' in res.contents[0].text  # type: ignore[union-attr]
        async with mcp_session(tenant_db) as rw:
            assert (await ok(rw, "policy_history", tenant=TENANT, policy_id="routing"))["items"][
                -1
            ]["version"] == 1  # nothing was written in read-only mode

    anyio.run(main)


def test_missing_actor_is_a_clear_one_line_error(tenant_db: str) -> None:
    proc = subprocess.run(
        [BEAMLINE, "mcp"], env=server_env(tenant_db, actor=None), input="",
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 20, proc
    assert proc.stderr.strip().splitlines() == [
        "beamline: error: ConfigurationError: BEAMLINE_ACTOR is not set: the MCP server acts as "
        "(and audits under) "
        "that user; set it in the mcpServers env of your editor (docs/TRAE.md)"
    ]
    assert proc.stdout == ""


def test_list_policies_pages_through_every_policy(tenant_db: str, settings: Settings) -> None:
    """The keyset cursor (the SQL function's next_cursor) pages through >1 page, both on the
    Store and through the MCP tool; the last page has no next cursor."""
    ids = [f"p{i}" for i in range(5)]
    with Store(settings, conninfo=tenant_db, actor=ADMIN, listen=False, sweeper=False) as store:
        for policy_id in ids:
            store.put_policy(TENANT, policy_id, POLICY)
        seen, cursor, pages = [], None, 0
        while True:
            page = store.list_policies(TENANT, limit=2, cursor=cursor)
            pages += 1
            seen += [p.policy_id for p in page.items]
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        assert (seen, pages) == (ids, 3)

    async def main() -> None:
        async with mcp_session(tenant_db) as s:
            seen, arguments, pages = [], {"tenant": TENANT, "limit": 2}, 0
            while True:
                page = await ok(s, "list_policies", **arguments)
                pages += 1
                seen += [p["policy_id"] for p in page["items"]]
                if page["next_cursor"] is None:
                    break
                arguments["cursor"] = page["next_cursor"]
            assert (seen, pages) == (ids, 3)

    anyio.run(main)
