"""`beamline mcp` protocol robustness and secrets (issue 7).

Cases: malformed JSON-RPC (not JSON, bad params, unknown method) gets a protocol error and the
server keeps serving; secrets (DATABASE_URL password, BEAMLINE_HMAC_SECRET) never reach stdout
or stderr, even in errors and debug logs; masking of tool error payloads; two concurrent
sessions see each other's writes.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import threading
from typing import Any

import anyio
import psycopg
import pytest

from beamline_store.errors import ValidationFailed
from beamline_store.mcp.results import error_payload, error_result, ok_result
from tests.acceptance.mcp_support import (
    ADMIN,
    BEAMLINE,
    HMAC_SECRET,
    POLICY,
    TENANT,
    err,
    error_of,
    mcp_session,
    ok,
    server_env,
)

INIT = {
    "jsonrpc": "2.0", "id": 1, "method": "initialize",
    "params": {"protocolVersion": "2025-06-18", "capabilities": {},
               "clientInfo": {"name": "raw-test", "version": "0"}},
}  # fmt: skip


@pytest.fixture
def tenant_db(db_url: str, db_conn: psycopg.Connection[Any]) -> str:
    db_conn.execute("select beamline_admin.bootstrap_admin(%s, %s)", (TENANT, ADMIN))
    return db_url


def _raw_session(
    env: dict[str, str], lines: list[str], expect_ids: set[int]
) -> tuple[dict[Any, dict[str, Any]], str]:
    """Send raw lines to `beamline mcp` over stdio and read responses until every id in
    *expect_ids* has one (stdin stays open meanwhile: EOF ends the session). Responses by id,
    and the whole stderr. A watchdog kills a hung server."""
    proc = subprocess.Popen(
        [BEAMLINE, "mcp", "--log-level", "DEBUG"], env=env, text=True,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    watchdog = threading.Timer(90, proc.kill)
    watchdog.start()
    try:
        assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
        for line in lines:
            proc.stdin.write(line + "\n")
            proc.stdin.flush()
        responses: dict[Any, dict[str, Any]] = {}
        while not expect_ids <= responses.keys():
            line = proc.stdout.readline()
            if not line:
                break
            if line.strip():
                message = json.loads(line)
                responses[message.get("id")] = message
        proc.stdin.close()
        rest = proc.stdout.read()
        stderr = proc.stderr.read()
        proc.wait()
    finally:
        watchdog.cancel()
    assert expect_ids <= responses.keys(), (responses, stderr)
    return responses, rest + stderr


def test_malformed_requests_get_protocol_errors_and_the_server_stays_up(tenant_db: str) -> None:
    lines = [
        json.dumps(INIT),
        json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        "this is not json {",
        json.dumps({"jsonrpc": "2.0", "id": 99, "method": "tools/call", "params": "not an object"}),
        json.dumps({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                    "params": {"arguments": {}}}),
        json.dumps({"jsonrpc": "2.0", "id": 3, "method": "no/such/method", "params": {}}),
        json.dumps({"jsonrpc": "2.0", "id": 4, "method": "tools/call",
                    "params": {"name": "check_permission",
                               "arguments": {"tenant": TENANT, "action": "policy:read"}}}),
        json.dumps({"jsonrpc": "2.0", "id": 5, "method": "resources/read",
                    "params": {"uri": "beamline://nothing/here"}}),
        json.dumps({"jsonrpc": "2.0", "id": 6, "method": "tools/list", "params": {}}),
    ]  # fmt: skip
    by_id, _ = _raw_session(server_env(tenant_db), lines, {1, 2, 3, 4, 5, 6})
    assert by_id[1]["result"]["serverInfo"]["name"] == "beamline-store"
    assert by_id[2]["error"]["code"] == -32602  # invalid params (no tool name)
    assert by_id[3]["error"]["code"] == -32601  # method not found
    assert by_id[4]["result"]["structuredContent"]["allowed"] is True  # still serving
    assert (
        by_id[5]["error"]["code"] == -32602 and "unknown resource" in by_id[5]["error"]["message"]
    )
    assert len(by_id[6]["result"]["tools"]) == 18
    responses = list(by_id.values())
    assert "Traceback" not in json.dumps(responses)


def test_secrets_never_reach_stdout_or_stderr(pg_cluster: Any, tenant_db: str) -> None:
    """A wrong password in DATABASE_URL fails every call; neither it nor the HMAC secret shows."""
    info = psycopg.conninfo.conninfo_to_dict(tenant_db)
    password = "pw-Sup3rSecret-42"
    url = (f"postgresql://nobody:{password}@127.0.0.1:{pg_cluster.port()}/{info['dbname']}"
           "?connect_timeout=2")  # fmt: skip
    env = server_env(url, BEAMLINE_CONNECT_TIMEOUT="2", BEAMLINE_POOL_TIMEOUT="3")
    lines = [
        json.dumps(INIT),
        json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        json.dumps({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                    "params": {"name": "get_policy",
                               "arguments": {"tenant": TENANT, "policy_id": "routing"}}}),
        json.dumps({"jsonrpc": "2.0", "id": 3, "method": "resources/read",
                    "params": {"uri": "beamline://devstate/state"}}),
    ]  # fmt: skip
    responses, out = _raw_session(env, lines, {1, 2, 3})
    assert password not in out and HMAC_SECRET not in out, out
    assert password not in json.dumps(responses) and HMAC_SECRET not in json.dumps(responses)
    assert responses[2]["result"]["isError"] is True
    assert "structuredContent" not in responses[2]["result"]
    # A wrong password is a refusal: a configuration error at once (errors.translate, issue 12).
    assert (
        json.loads(responses[2]["result"]["content"][0]["text"])["error"] == "ConfigurationError"
    ), responses[2]
    assert "error" in responses[3]


def test_tool_results_and_errors_are_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BEAMLINE_HMAC_SECRET", "hmac-secret-xyz")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:dbpass-123@h/db")
    failure = ValidationFailed(
        "bad hmac-secret-xyz", detail=json.dumps([{"path": "/a", "message": "dbpass-123"}])
    )
    result = error_result(error_payload(failure), ["extra-secret"])
    text = json.dumps(result.model_dump(mode="json"))
    assert "hmac-secret-xyz" not in text and "dbpass-123" not in text
    assert error_of(result) == {
        "error": "ValidationFailed", "sqlstate": "BL004", "message": "bad [MASKED]",
        "detail": [{"path": "/a", "message": "[MASKED]"}], "hint": None,
    }  # fmt: skip
    good = ok_result(
        {"url": "postgresql://u:dbpass-123@h/db", "k": "extra-secret"}, ["extra-secret"]
    )
    assert good.structured_content == {"url": "postgresql://u:[MASKED]@h/db", "k": "[MASKED]"}
    assert "dbpass-123" not in good.content[0].text  # type: ignore[union-attr]
    # the one-scan pre-check still finds secrets that JSON escapes, nested in lists and keys
    odd = 'se"cr\\et\n42'
    nested = ok_result({"a": [{"b": f"x {odd} y"}], f"k{odd}": 1, "u": "ok"}, [odd])
    assert nested.structured_content == {"a": [{"b": "x [MASKED] y"}], "k[MASKED]": 1, "u": "ok"}
    assert "cr" not in nested.content[0].text  # type: ignore[union-attr]
    kw = ok_result({"dsn": "host=h Password='p w' dbname=x"}, [])
    assert kw.structured_content == {"dsn": "host=h Password=[MASKED] dbname=x"}
    plain = {"items": [{"policy_id": "routing", "data": {"weight": 70}}], "next_cursor": None}
    clean = ok_result(plain, ["extra-secret"])
    assert clean.structured_content == plain and json.loads(clean.content[0].text) == plain  # type: ignore[union-attr]


def test_two_concurrent_sessions_see_each_others_writes(tenant_db: str) -> None:
    """Cache coherence across processes: each session's Store caches policies, and a write in
    one is seen by the other's next read (the Store's invalidation, not the MCP layer)."""

    async def main() -> None:
        async with (
            mcp_session(tenant_db, client_name="editor-a") as a,
            mcp_session(tenant_db, client_name="editor-b") as b,
        ):
            await ok(a, "put_policy", tenant=TENANT, policy_id="shared", data=POLICY)
            assert (await ok(b, "get_policy", tenant=TENANT, policy_id="shared"))["version"] == 1
            for version in (2, 3):
                data = {
                    **POLICY,
                    "fallback": {"provider": "openai" if version == 2 else "anthropic"},
                }
                writer, reader = (b, a) if version == 2 else (a, b)
                await ok(writer, "put_policy", tenant=TENANT, policy_id="shared", data=data,
                         expected_version=version - 1)  # fmt: skip
                seen = await _eventually(reader, version)
                assert seen["data"] == data
            stale = await err(b, "put_policy", tenant=TENANT, policy_id="shared", data=POLICY,
                              expected_version=1)  # fmt: skip
            assert stale["error"] == "VersionConflict"

    anyio.run(main)


async def _eventually(session: Any, version: int) -> dict[str, Any]:
    """Read until the version shows; invalidation is asynchronous (LISTEN/NOTIFY), so the
    reader may need a few milliseconds. Bounded by attempts, not by a timed assertion."""
    for _ in range(200):
        got = await ok(session, "get_policy", tenant=TENANT, policy_id="shared")
        if got["version"] == version:
            return got
        await anyio.sleep(0.025)
    raise AssertionError(f"version {version} never became visible: {got}")


def test_http_option_refuses_a_non_loopback_host() -> None:
    with tempfile.TemporaryDirectory() as home:
        proc = subprocess.run(
            [BEAMLINE, "mcp", "--http", "--host", "0.0.0.0"],
            env=server_env("postgresql://x@127.0.0.1:1/y", BEAMLINE_HOME=home),
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    assert proc.returncode == 20
    assert "not a loopback address" in proc.stderr
