"""`beamline mcp` safe to expose (issue 14): real server processes, raw messages.

Cases:
- stdio: a truncated object, an object without method, a batch, a non-object, an oversized
  and an over-deep message each get a JSON-RPC error (-32700 / -32600, the request's id when
  it can be read) and the server keeps serving;
- HTTP: no token / a wrong token -> 401 (nothing runs); with the token the same malformed,
  oversized (413) and over-deep messages get a JSON-RPC error and the session keeps serving;
- 200 HTTP sessions with distinct client names: the server's connections stay within its
  one Store's pool plus the listener, and the client's name still reaches the audit metadata;
- file root: '..', absolute paths, /etc and symlinks (directory and file) are refused with
  nothing written or read outside; the default root is ./.trae; exported files honour the
  umask;
- bounded inputs: 1e300 or a 20-digit version is InvalidArguments (never a raw SQL error);
  2.0 is version 2.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import threading
from pathlib import Path
from typing import Any

import anyio
import psycopg
import pytest

from beamline_store.mcp.transport import MessageGuard, Refused
from tests.acceptance.mcp_support import (
    ADMIN,
    BEAMLINE,
    POLICY,
    TENANT,
    TOKEN,
    HttpClient,
    HttpSession,
    err,
    http_server,
    mcp_session,
    ok,
    rpc_body,
    server_env,
)
from tests.acceptance.test_mcp_protocol import INIT, _raw_session

BIG = 4 * 1024 * 1024  # the default --max-message-bytes


@pytest.fixture
def tenant_db(db_url: str, db_conn: psycopg.Connection[Any]) -> str:
    db_conn.execute("select beamline_admin.bootstrap_admin(%s, %s)", (TENANT, ADMIN))
    return db_url


def _deep(request_id: int, depth: int) -> str:
    return (
        f'{{"jsonrpc":"2.0","id":{request_id},"method":"tools/call","params":{{"name":'
        f'"get_state","arguments":{{"x":{"[" * depth}{"]" * depth}}}}}}}'
    )


def _huge(request_id: int) -> str:
    return json.dumps(
        {"jsonrpc": "2.0", "id": request_id, "method": "tools/call",
         "params": {"name": "get_state", "arguments": {"x": "y" * (BIG + 10)}}}
    )  # fmt: skip


LIST = {"jsonrpc": "2.0", "id": 50, "method": "tools/list", "params": {}}


def test_stdio_answers_every_malformed_message_and_keeps_serving(tenant_db: str) -> None:
    lines = [
        json.dumps(INIT),
        json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        '{"jsonrpc":"2.0","id":10,"method":"tools/list"',  # truncated
        json.dumps({"jsonrpc": "2.0", "id": 11}),  # no method
        json.dumps([{"jsonrpc": "2.0", "id": 12, "method": "tools/list"}]),  # a batch
        _huge(13),
        _deep(14, 100_000),
        json.dumps({"jsonrpc": "1.0", "id": 15, "method": "tools/list"}),
        "\"just a string\"",
        json.dumps(LIST),
    ]  # fmt: skip
    by_id, _ = _raw_session(server_env(tenant_db), lines, {1, 10, 11, 13, 14, 15, 50, None})
    assert by_id[10]["error"]["code"] == -32700
    assert by_id[11]["error"]["code"] == -32600 and "no method" in by_id[11]["error"]["message"]
    assert by_id[13]["error"]["code"] == -32600 and "too large" in by_id[13]["error"]["message"]
    assert by_id[14]["error"]["code"] == -32600 and "too deeply" in by_id[14]["error"]["message"]
    assert by_id[15]["error"]["code"] == -32600 and "jsonrpc" in by_id[15]["error"]["message"]
    assert by_id[None]["error"]["code"] == -32600  # the batch / the string: no id to answer
    assert len(by_id[50]["result"]["tools"]) == 18  # still serving, in order


def test_repeated_initialize_on_stdio_keeps_one_store(
    tenant_db: str, db_conn: psycopg.Connection[Any]
) -> None:
    """50 initialize requests with distinct client names on one stdio connection (the old
    server opened a Store, two connections and threads, per name): the server's connections
    stay within the pool plus the listener, and the audit row names the latest client."""
    proc = subprocess.Popen(
        [BEAMLINE, "mcp"], env=server_env(tenant_db, BEAMLINE_POOL_MAX_SIZE="2"), text=True,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    watchdog = threading.Timer(120, proc.kill)
    watchdog.start()
    assert proc.stdin is not None and proc.stdout is not None

    def exchange(message: dict[str, Any]) -> dict[str, Any]:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(json.dumps(message) + "\n")
        proc.stdin.flush()
        reply: dict[str, Any] = json.loads(proc.stdout.readline())
        assert reply["id"] == message["id"], reply
        return reply

    try:
        for n in range(50):
            init = json.loads(json.dumps(INIT))
            init["id"] = 1000 + n
            init["params"]["clientInfo"]["name"] = f"again-{n}"
            assert "result" in exchange(init)
            reply = exchange(
                {"jsonrpc": "2.0", "id": 2000 + n, "method": "tools/call",
                 "params": {"name": "check_permission",
                            "arguments": {"tenant": TENANT, "action": "policy:read"}}}
            )  # fmt: skip
            assert reply["result"]["structuredContent"]["allowed"] is True
        written = exchange(
            {"jsonrpc": "2.0", "id": 3000, "method": "tools/call",
             "params": {"name": "put_policy",
                        "arguments": {"tenant": TENANT, "policy_id": "p", "data": POLICY}}}
        )  # fmt: skip
        assert written["result"]["isError"] is False, written
        (count,) = db_conn.execute(  # type: ignore[misc]
            "select count(*) from pg_catalog.pg_stat_activity where datname = %s "
            "and pid <> pg_catalog.pg_backend_pid()",
            (db_conn.info.dbname,),
        ).fetchone()
        assert 1 <= count <= 2 + 1, count  # pool max 2 + the listener
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)
        watchdog.cancel()
    (app,) = db_conn.execute(  # type: ignore[misc]
        "select metadata->>'application_name' from beamline.policy_audit_log "
        "where tenant_id = %s and policy_id = 'p'",
        (TENANT,),
    ).fetchone()
    assert app == "beamline-mcp:again-49"


def test_http_requires_the_bearer_token(tenant_db: str, db_conn: psycopg.Connection[Any]) -> None:
    with http_server(tenant_db) as (url, _), HttpClient(timeout=30) as client:
        headers = {"Accept": "application/json, text/event-stream"}
        write = {
            "jsonrpc": "2.0", "id": 2, "method": "tools/call",
            "params": {"name": "put_policy",
                       "arguments": {"tenant": TENANT, "policy_id": "p", "data": POLICY}},
        }  # fmt: skip
        for auth in (None, "Bearer wrong-token", f"Bearer {TOKEN}x", TOKEN, f"Basic {TOKEN}"):
            sent = headers | ({"Authorization": auth} if auth else {})
            for body in (INIT, write):
                response = client.post(url, json=body, headers=sent)
                assert response.status_code == 401, (auth, response.text)
                assert response.headers["www-authenticate"].startswith("Bearer")
                assert response.json()["error"]["message"].startswith("unauthorized")
            assert client.get(url, headers=sent).status_code == 401
        # the SDK's Host/Origin checks (DNS rebinding) still apply with the right token
        good = headers | {"Authorization": f"Bearer {TOKEN}"}
        for bad_header in ({"Host": "evil.example:80"}, {"Origin": "http://evil.example"}):
            refused = client.post(url, json=INIT, headers=good | bad_header)
            assert refused.status_code in (400, 403, 421), refused.status_code
        session = HttpSession(client, url)  # the right token works
        assert session.call(3, "check_permission", tenant=TENANT, action="policy:read")["result"][
            "structuredContent"
        ]["allowed"]
    count = db_conn.execute("select count(*) from beamline.policies").fetchone()
    assert count == (0,)  # nothing ran without the token


def test_http_token_is_generated_and_printed_once_when_not_given(tenant_db: str) -> None:
    with http_server(tenant_db, token=None) as (url, proc), HttpClient(timeout=30) as client:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        assert "bearer token" in line, line
        token = line.rsplit(" ", 1)[1].strip()
        assert len(token) >= 40
        headers = {"Accept": "application/json, text/event-stream"}
        assert client.post(url, json=INIT, headers=headers).status_code == 401
        good = client.post(url, json=INIT, headers=headers | {"Authorization": f"Bearer {token}"})
        assert good.status_code == 200, good.text


def test_http_answers_every_malformed_message_and_keeps_serving(tenant_db: str) -> None:
    with http_server(tenant_db) as (url, _), HttpClient(timeout=60) as client:
        s = HttpSession(client, url)
        cases: list[tuple[bytes, int, int, Any]] = [
            (b'{"jsonrpc":"2.0","id":10,"method":"tools/list"', 400, -32700, 10),
            (json.dumps({"jsonrpc": "2.0", "id": 11}).encode(), 400, -32600, 11),
            (json.dumps([LIST]).encode(), 400, -32600, None),
            (_huge(13).encode(), 413, -32600, 13),
            (_deep(14, 100_000).encode(), 400, -32600, 14),
            (b"\xff\xfe not utf-8", 400, -32700, None),
            (json.dumps(LIST).encode("utf-16"), 400, -32700, None),  # JSON, but not UTF-8
        ]
        for body, status, code, request_id in cases:
            response = s.post(body)
            assert response.status_code == status, (body[:60], response.text)
            error = rpc_body(response)
            assert error["error"]["code"] == code and error["id"] == request_id, error
            listed = rpc_body(s.post(LIST))  # the same session keeps serving
            assert len(listed["result"]["tools"]) == 18


def test_200_sessions_share_one_store(
    tenant_db: str, db_conn: psycopg.Connection[Any], settings: Any
) -> None:
    """Each session has its own client name; the server keeps one Store: its connections stay
    within the pool's maximum plus the listener (the old server opened a Store per name)."""
    pool_max = 3
    dbname = db_conn.info.dbname
    count_sql = (
        "select count(*) from pg_catalog.pg_stat_activity where datname = %s "
        "and pid <> pg_catalog.pg_backend_pid()"
    )
    with (
        http_server(tenant_db, BEAMLINE_POOL_MAX_SIZE=str(pool_max)) as (url, _),
        HttpClient(timeout=60) as client,
    ):
        seen = 0
        for n in range(200):
            s = HttpSession(client, url, name=f"client-{n:03d}")
            reply = s.call(2, "check_permission", tenant=TENANT, action="policy:read")
            assert reply["result"]["structuredContent"]["allowed"] is True
            if n % 20 == 19:
                (now,) = db_conn.execute(count_sql, (dbname,)).fetchone()  # type: ignore[misc]
                seen = max(seen, now)
        # the client's name still reaches the audit metadata of each call
        for name in ("client-007", "client-199", "client-007"):
            s = HttpSession(client, url, name=name)
            data = POLICY | {"fallback": {"provider": "openai"}} if name == "client-199" else POLICY
            assert not s.call(3, "put_policy", tenant=TENANT, policy_id=name, data=data)["result"][
                "isError"
            ]
        (now,) = db_conn.execute(count_sql, (dbname,)).fetchone()  # type: ignore[misc]
        seen = max(seen, now)
    assert 1 <= seen <= pool_max + 1, seen  # the pool + the listener
    rows = db_conn.execute(
        "select policy_id, metadata->>'application_name' from beamline.policy_audit_log "
        "where tenant_id = %s and policy_id like 'client-%%' order by policy_id",
        (TENANT,),
    ).fetchall()
    assert rows == [
        ("client-007", "beamline-mcp:client-007"),  # named again after client-199's call
        ("client-007", "beamline-mcp:client-007"),
        ("client-199", "beamline-mcp:client-199"),
    ], rows


def _listing(path: Path) -> set[str]:
    return {str(p.relative_to(path)) for p in path.rglob("*")}


@pytest.fixture
def devstate_db(db_url: str, db_conn: psycopg.Connection[Any]) -> str:
    db_conn.execute("select beamline_admin.bootstrap_admin('devstate', %s)", (ADMIN,))
    return db_url


def test_file_root_confines_export_and_import(devstate_db: str, tmp_path: Path) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (outside / "secret.txt").write_text("not for the server")
    (root / "link").symlink_to(outside, target_is_directory=True)
    (root / "files").mkdir()
    (root / "files" / "state.json").symlink_to(outside / "secret.txt")
    before = _listing(tmp_path)

    async def main() -> None:
        async with mcp_session(devstate_db, "--root", str(root)) as s:
            for tool in ("export_files", "import_files"):
                for bad in ("..", "../outside", "a/../../outside", "/tmp", str(outside),
                            "/etc", "link", "link/sub", "~", "files"):  # fmt: skip
                    refused = await err(s, tool, dir=bad)
                    assert refused["error"] == "InvalidArguments", (tool, bad, refused)
            assert _listing(tmp_path) == before  # nothing written anywhere
            # a directory without the files: said relative to the root, no server path shown
            empty = await err(s, "import_files", dir="nothing/here")
            assert empty["error"] == "InvalidArguments" and str(tmp_path) not in json.dumps(empty)
            # inside the root: fine (the default dir is the root itself)
            done = await ok(s, "export_files")
            assert done["dir"] == "." and (root / "state.json").is_file()
            sub = await ok(s, "export_files", dir="sub/dir")
            assert sub["dir"] == "sub/dir" and (root / "sub" / "dir" / "history.json").is_file()

    anyio.run(main)
    assert (outside / "secret.txt").read_text() == "not for the server"
    assert _listing(outside) == {"secret.txt"}


def test_default_root_is_dot_trae_and_files_honour_the_umask(
    devstate_db: str, tmp_path: Path
) -> None:
    async def main() -> None:
        for umask, mode in (("077", 0o600), ("022", 0o644)):
            async with mcp_session(devstate_db, cwd=str(tmp_path), umask=umask) as s:
                assert (await ok(s, "export_files", dir=f"u{umask}"))["entries"] == 0
            for name in ("state.json", "history.json"):
                path = tmp_path / ".trae" / f"u{umask}" / name
                assert stat.S_IMODE(os.stat(path).st_mode) == mode, (umask, name)

    anyio.run(main)


def test_versions_are_bounded_integers(tenant_db: str) -> None:
    async def main() -> None:
        async with mcp_session(tenant_db) as s:
            await ok(s, "put_policy", tenant=TENANT, policy_id="p", data=POLICY)
            await ok(s, "put_policy", tenant=TENANT, policy_id="p", data=POLICY)
            for version in (1e300, 10**20, 2**31, 0, -1, 1.5, "2", True):
                refused = await err(s, "get_policy", tenant=TENANT, policy_id="p", version=version)
                assert refused["error"] == "InvalidArguments", (version, refused)
                assert refused["detail"][0]["path"] == "/version"
            got = await ok(s, "get_policy", tenant=TENANT, policy_id="p", version=2.0)
            assert got["version"] == 2
            for bad in ({"from_id": 2**53}, {"to_id": 1e300}):
                assert (await err(s, "verify_hmac_chain", **bad))["error"] == "InvalidArguments"

    anyio.run(main)


def test_guard_decides_from_the_bytes_alone() -> None:
    """The guard's verdicts without a server: UTF-8 only (json.loads would accept UTF-16 and
    the stdio reader then fail to decode it), depth counted past the decoder's own limit, the
    request id recovered from the head of an unparsable message."""
    guard = MessageGuard(max_bytes=1024, max_depth=4)
    message = json.dumps(LIST).encode()
    guard.check(message)  # fine
    for raw, code, request_id in (
        (json.dumps(LIST).encode("utf-16"), -32700, None),
        (b'{"jsonrpc":"2.0","id":"a\\"b","method":"x","params":{"a":[[[[]]]]}}', -32600, 'a"b'),
        (b'{"jsonrpc":"2.0","id":7,"method":"x","params":' + b"[" * 5000 + b"]" * 5000 + b"}",
         -32600, 7),
        (b'{"jsonrpc":"2.0","id":8,"method":"x","params":{"s":"' + b"x" * 2000 + b'"}}',
         -32600, 8),
        (b'{"jsonrpc":"2.0","id":9,"method":"x","params":{"id":10}', -32700, 9),
        (b'{"jsonrpc":"2.0","id":true,"method":"x"}', -32600, None),
    ):  # fmt: skip
        with pytest.raises(Refused) as refused:
            guard.check(raw)
        assert (refused.value.code, refused.value.request_id) == (code, request_id), raw[:60]
