"""Helpers for the MCP acceptance tests: a real `beamline mcp` subprocess driven by the SDK's
own stdio client."""

from __future__ import annotations

import http.client
import json
import json as _json
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import mcp_types as types
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

BEAMLINE = str(Path(sys.executable).with_name("beamline"))
HMAC_SECRET = "mcp-test-hmac-secret-0123456789abcdef"
TENANT = "acme"
ADMIN = "alice"

POLICY = {
    "providers": [{"id": "openai", "weight": 70}, {"id": "anthropic", "weight": 30}],
    "rules": [{"id": "r1", "match": {"model": "gpt-4*"}, "route": ["openai"], "priority": 10}],
    "fallback": {"provider": "anthropic"},
}


def server_env(db_url: str, actor: str | None = ADMIN, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BEAMLINE_", "DATABASE_URL"))}
    env.update({"DATABASE_URL": db_url, "BEAMLINE_HMAC_SECRET": HMAC_SECRET})
    if actor:
        env["BEAMLINE_ACTOR"] = actor
    env.update(extra)
    return env


@asynccontextmanager
async def mcp_session(
    db_url: str,
    *args: str,
    actor: str | None = ADMIN,
    client_name: str = "pytest-client",
    errlog: Any = None,
    env: dict[str, str] | None = None,
    cwd: str | None = None,
    umask: str | None = None,
) -> AsyncIterator[ClientSession]:
    """An initialized client session with `beamline mcp *args` over stdio (started in *cwd*,
    under *umask* if given)."""
    command, argv = BEAMLINE, ["mcp", *args]
    if umask is not None:
        command, argv = "/bin/sh", ["-c", f'umask {umask}; exec "$0" "$@"', BEAMLINE, *argv]
    params = StdioServerParameters(
        command=command, args=argv, env=env or server_env(db_url, actor), cwd=cwd
    )
    kwargs = {"errlog": errlog} if errlog is not None else {}
    async with (
        stdio_client(params, **kwargs) as (read, write),
        ClientSession(
            read, write, client_info=types.Implementation(name=client_name, version="1.0")
        ) as session,
    ):
        await session.initialize()
        yield session


async def call(session: ClientSession, name: str, **arguments: Any) -> types.CallToolResult:
    result = await session.call_tool(name, arguments)
    assert isinstance(result, types.CallToolResult), result
    return result


async def ok(session: ClientSession, name: str, **arguments: Any) -> dict[str, Any]:
    """Call a tool that must succeed; its structured output."""
    result = await call(session, name, **arguments)
    assert not result.is_error, (name, result.content)
    assert isinstance(result.structured_content, dict)
    return result.structured_content


def error_of(result: types.CallToolResult) -> dict[str, Any]:
    """The error payload of a tool error: isError, no structuredContent (it would have to
    match the output schema), one text block with the JSON payload."""
    assert result.is_error, result
    assert result.structured_content is None, result.structured_content
    assert len(result.content) == 1 and isinstance(result.content[0], types.TextContent)
    text = result.content[0].text
    assert "Traceback" not in text
    payload = json.loads(text)
    assert isinstance(payload, dict)
    assert list(payload) == ["error", "sqlstate", "message", "detail", "hint"], payload
    return payload


async def err(session: ClientSession, name: str, **arguments: Any) -> dict[str, Any]:
    """Call a tool that must fail with a tool error; its error payload."""
    return error_of(await call(session, name, **arguments))


# ---- streamable HTTP -----------------------------------------------------------------------

TOKEN = "test-token-0123456789abcdefghijklmnopqrstuv"
INITIALIZE = {
    "jsonrpc": "2.0", "id": 1, "method": "initialize",
    "params": {"protocolVersion": "2025-06-18", "capabilities": {},
               "clientInfo": {"name": "raw-http", "version": "0"}},
}  # fmt: skip


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def http_server(
    db_url: str, *args: str, token: str | None = TOKEN, **env: str
) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """`beamline mcp --http` on a free loopback port (BEAMLINE_MCP_TOKEN=*token* unless None):
    its /mcp URL once it accepts connections, and the process (stderr piped)."""
    port = free_port()
    extra = {"BEAMLINE_MCP_TOKEN": token} if token else {}
    proc = subprocess.Popen(
        [BEAMLINE, "mcp", "--http", "--port", str(port), *args],
        env=server_env(db_url, **extra, **env), text=True,
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "the HTTP server did not start"
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/mcp", proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr:
            proc.stderr.close()


@dataclass
class Response:
    status_code: int
    headers: dict[str, str]  # lower-case names
    text: str

    def json(self) -> Any:
        return json.loads(self.text)


class HttpClient:
    """A minimal HTTP/1.1 client on one keep-alive connection (the standard library's)."""

    def __init__(self, timeout: float = 60) -> None:
        self.timeout = timeout
        self.conn: http.client.HTTPConnection | None = None

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.conn is not None:
            self.conn.close()

    def request(
        self,
        method: str,
        url: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        parts = urlsplit(url)
        if self.conn is None:
            self.conn = http.client.HTTPConnection(
                parts.hostname or "127.0.0.1", parts.port, timeout=self.timeout
            )
        try:
            self.conn.request(method, parts.path, body=body, headers=headers or {})
            raw = self.conn.getresponse()
            text = raw.read().decode("utf-8", "replace")
        except (ConnectionError, http.client.HTTPException):
            self.conn.close()
            self.conn = None
            raise
        return Response(raw.status, {k.lower(): v for k, v in raw.getheaders()}, text)

    def post(
        self, url: str, *, json: Any = None, content: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:  # fmt: skip
        body = content if content is not None else _json.dumps(json).encode()
        return self.request(
            "POST", url, body, {"Content-Type": "application/json"} | (headers or {})
        )

    def get(self, url: str, *, headers: dict[str, str] | None = None) -> Response:
        return self.request("GET", url, None, headers)


def rpc_body(response: Response) -> dict[str, Any]:
    """The JSON-RPC message of an HTTP response: a JSON body or the first SSE data event."""
    if response.headers.get("content-type", "").startswith("text/event-stream"):
        for line in response.text.splitlines():
            if line.startswith("data:") and line[5:].strip():
                message: dict[str, Any] = json.loads(line[5:])
                return message
        raise AssertionError(response.text)
    value: dict[str, Any] = response.json()
    return value


class HttpSession:
    """A raw streamable HTTP MCP session (initialize done), for sending any message."""

    def __init__(self, client: HttpClient, url: str, *, name: str = "raw-http") -> None:
        self.client, self.url = client, url
        init = json.loads(json.dumps(INITIALIZE))
        init["params"]["clientInfo"]["name"] = name
        response = self.post(init)
        assert response.status_code == 200, response.text
        self.session_id = response.headers["mcp-session-id"]
        self.protocol = rpc_body(response)["result"]["protocolVersion"]
        note = {"jsonrpc": "2.0", "method": "notifications/initialized"}
        assert self.post(note).status_code == 202

    def headers(self) -> dict[str, str]:
        headers = {
            "Authorization": f"Bearer {TOKEN}",
            "Accept": "application/json, text/event-stream",
            "Content-Type": "application/json",
        }
        if hasattr(self, "session_id"):
            headers["mcp-session-id"] = self.session_id
            headers["mcp-protocol-version"] = self.protocol
        return headers

    def post(self, message: Any) -> Response:
        body = message if isinstance(message, bytes) else json.dumps(message).encode()
        return self.client.post(self.url, content=body, headers=self.headers())

    def call(self, request_id: int, name: str, **arguments: Any) -> dict[str, Any]:
        response = self.post(
            {"jsonrpc": "2.0", "id": request_id, "method": "tools/call",
             "params": {"name": name, "arguments": arguments}}
        )  # fmt: skip
        assert response.status_code == 200, response.text
        return rpc_body(response)
