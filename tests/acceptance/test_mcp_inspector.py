"""`beamline mcp` driven by the official MCP Inspector CLI (issue 14): a real third-party client
built on the TypeScript SDK, pinned in tests/inspector/package-lock.json (`make test` installs
it with `npm ci`).

Over stdio and over streamable HTTP with the bearer token, each on its own database:
- tools/list --strict: 18 tools, no portability warning or error;
- a successful call of every tool (its structuredContent validated by the Inspector against
  the tool's output schema: a mismatch would be an error exit);
- each error class: NotFound, ValidationFailed (the example of docs/TRAE.md), VersionConflict,
  PermissionDenied, InvalidArguments: the Inspector prints the server's class, SQLSTATE and
  message (exit 5, "returned isError:true"), not an output-schema complaint.
"""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest

from beamline_store.embedded import Cluster
from beamline_store.mcp import TOOLS
from tests.acceptance.mcp_support import (
    ADMIN,
    BEAMLINE,
    HMAC_SECRET,
    POLICY,
    TENANT,
    TOKEN,
    http_server,
    server_env,
)
from tests.conftest import clone_template, drop_database
from tests.support.devstate_support import register_key

INSPECTOR = Path(__file__).parents[1] / "inspector" / "node_modules" / ".bin" / "mcp-inspector"
TOOL_ERROR_EXIT = 5  # the Inspector's exit code for a result with isError: true

# docs/TRAE.md's example: a rule routes to a provider the policy does not define.
DOCS_INVALID = {
    "providers": [{"id": "openai", "weight": 100}],
    "rules": [{"id": "r0", "match": {"model": "gpt-4o"}, "route": ["anthropic"], "priority": 20}],
    "fallback": {"provider": "openai"},
}


@pytest.fixture
def two_dbs(pg_cluster: Cluster, db_url: str, db_conn: psycopg.Connection[Any]) -> Any:
    """Two databases (one per transport), each with admin alice in tenants acme and devstate."""
    other = clone_template(pg_cluster)
    try:
        for url in (db_url, other):
            with psycopg.connect(url, autocommit=True) as conn:
                for tenant in (TENANT, "devstate"):
                    conn.execute("select beamline_admin.bootstrap_admin(%s, %s)", (tenant, ADMIN))
            register_key(url, HMAC_SECRET)  # the owner registers the server's DevState key
        yield db_url, other
    finally:
        drop_database(pg_cluster, other)


class Inspector:
    """Runs `mcp-inspector --cli` against one server: stdio (it spawns `beamline mcp`) or a
    running HTTP server (with the token)."""

    def __init__(self, target: list[str]) -> None:
        if not INSPECTOR.exists():
            pytest.fail(f"{INSPECTOR} is missing: run `make inspector-deps` (npm ci)")
        self.target = target

    @classmethod
    def stdio(cls, db_url: str, root: Path) -> Inspector:
        env = [
            f"{k}={v}"
            for k, v in server_env(db_url).items()
            if k.startswith(("BEAMLINE", "DATABASE"))
        ]
        return cls(
            [arg for pair in env for arg in ("-e", pair)] + [BEAMLINE, "mcp", "--root", str(root)]
        )

    @classmethod
    def http(cls, url: str) -> Inspector:
        return cls([url, "--transport", "http", "--header", f"Authorization: Bearer {TOKEN}"])

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(INSPECTOR), "--cli", *self.target, *args],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip

    def tools(self) -> list[dict[str, Any]]:
        done = self.run("--method", "tools/list", "--strict")
        assert done.returncode == 0, done.stderr
        assert "warning" not in done.stderr.lower() and "error" not in done.stderr.lower(), (
            done.stderr
        )
        tools: list[dict[str, Any]] = json.loads(done.stdout)["tools"]
        return tools

    def call(self, tool: str, **arguments: Any) -> tuple[int, dict[str, Any]]:
        args = ["--method", "tools/call", "--tool-name", tool]
        for key, value in arguments.items():
            text = value if isinstance(value, str) else json.dumps(value)
            args += ["--tool-arg", f"{key}={text}"]
        done = self.run(*args)
        start = done.stdout.find("{")
        assert start >= 0, (tool, done.returncode, done.stdout, done.stderr)
        result, _ = json.JSONDecoder().raw_decode(done.stdout, start)
        return done.returncode, result

    def ok(self, tool: str, **arguments: Any) -> dict[str, Any]:
        code, result = self.call(tool, **arguments)
        assert code == 0 and result.get("isError") is False, (tool, code, result)
        structured: dict[str, Any] = result["structuredContent"]
        assert json.loads(result["content"][0]["text"]) == structured
        return structured

    def error(self, tool: str, **arguments: Any) -> dict[str, Any]:
        code, result = self.call(tool, **arguments)
        assert code == TOOL_ERROR_EXIT and result["isError"] is True, (tool, code, result)
        assert "structuredContent" not in result, result
        payload: dict[str, Any] = json.loads(result["content"][0]["text"])
        assert list(payload) == ["error", "sqlstate", "message", "detail", "hint"], payload
        return payload


def sweep(inspector: Inspector, root: Path) -> set[str]:
    """tools/list, every tool once successfully, every error class; the tools called. Three
    independent groups (DevState, policies, errors on their own policy) run side by side."""
    called: set[str] = set()

    def ok(tool: str, **arguments: Any) -> dict[str, Any]:
        called.add(tool)
        return inspector.ok(tool, **arguments)

    def devstate() -> None:
        # DevState files first: import needs a DevState without history.
        assert ok("export_files", dir="out")["dir"] == "out"
        assert (root / "out" / "state.json").is_file()
        assert ok("import_files", dir="out")["entries"] == 0
        state = ok("get_state")
        ok("update_state", patch={"project": "inspector"}, expected_checksum=state["checksum"])
        ok("append_history", action="checkpoint", cp_from="a", cp_to="b")
        assert ok("verify_hmac_chain")["ok"] is True
        assert ok("search_history", checkpoint="b")["items"][0]["action"] == "checkpoint"
        lock = ok("lock_state", scope="state", ttl_seconds=30)
        assert ok("unlock_state", lock_id=lock["lock_id"])["released"] is True

    def policies() -> None:
        assert len(inspector.tools()) == 18
        assert ok("put_policy", tenant=TENANT, policy_id="routing", data=POLICY)["version"] == 1
        v2 = ok("put_policy", tenant=TENANT, policy_id="routing", data=POLICY, expected_version=1)
        assert v2["version"] == 2 and v2["is_active"] is True
        assert ok("get_policy", tenant=TENANT, policy_id="routing")["version"] == 2
        assert ok("get_policy", tenant=TENANT, policy_id="routing", version=1)["version"] == 1
        assert ok("list_policies", tenant=TENANT)["items"]
        assert len(ok("policy_history", tenant=TENANT, policy_id="routing")["items"]) == 2
        assert ok("activate_policy", tenant=TENANT, policy_id="routing", version=1)["version"] == 1
        assert ok("deactivate_policy", tenant=TENANT, policy_id="routing")["version"] == 1
        ok("put_policy", tenant=TENANT, policy_id="gone", data=POLICY)
        assert ok("delete_policy", tenant=TENANT, policy_id="gone")["policy_id"] == "gone"
        assert ok("check_permission", tenant=TENANT, action="policy:write")["allowed"] is True
        assert ok("get_audit_log", tenant=TENANT, limit=3)["items"]

    def errors() -> None:
        not_found = inspector.error("get_policy", tenant=TENANT, policy_id="nope")
        assert (not_found["error"], not_found["sqlstate"]) == ("NotFound", "BL002")
        assert "nope" in not_found["message"]
        invalid = inspector.error("put_policy", tenant=TENANT, policy_id="v", data=DOCS_INVALID)
        assert (invalid["error"], invalid["sqlstate"]) == ("ValidationFailed", "BL004")
        assert invalid["detail"][0]["path"] == "/rules/0/route/0" and invalid["message"]
        assert invalid["hint"]
        inspector.ok("put_policy", tenant=TENANT, policy_id="cas", data=POLICY)
        conflict = inspector.error(
            "put_policy", tenant=TENANT, policy_id="cas", data=POLICY, expected_version=0
        )
        assert (conflict["error"], conflict["sqlstate"]) == ("VersionConflict", "BL005")
        assert conflict["message"] and conflict["detail"], conflict
        denied = inspector.error("get_policy", tenant="globex", policy_id="routing")
        assert (denied["error"], denied["sqlstate"]) == ("PermissionDenied", "BL001")
        assert ADMIN in json.dumps(denied)
        bad = inspector.error("get_policy", tenant=TENANT, policy_id="routing", version=0)
        assert (bad["error"], bad["sqlstate"]) == ("InvalidArguments", None)
        assert bad["detail"][0]["path"] == "/version"

    run_side_by_side([devstate, policies, errors])
    return called


def run_side_by_side(bodies: list[Callable[[], Any]]) -> list[Any]:
    """Run *bodies* in threads; their results, or the first failure raised here."""
    results: list[Any] = [None] * len(bodies)
    failures: list[BaseException] = []

    def run(index: int) -> None:
        try:
            results[index] = bodies[index]()
        except BaseException as exc:  # re-raised by the calling thread
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    return results


def test_inspector_cli_over_stdio_and_http(two_dbs: tuple[str, str], tmp_path: Path) -> None:
    stdio_db, http_db = two_dbs

    def over_stdio() -> set[str]:
        root = tmp_path / "stdio"
        root.mkdir()
        return sweep(Inspector.stdio(stdio_db, root), root)

    def over_http() -> set[str]:
        root = tmp_path / "http"
        with http_server(http_db, "--root", str(root)) as (url, _):
            return sweep(Inspector.http(url), root)

    # Independent (own database, own root): side by side.
    stdio_tools, http_tools = run_side_by_side([over_stdio, over_http])
    assert stdio_tools == http_tools == {t.name for t in TOOLS}
