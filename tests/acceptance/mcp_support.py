"""Helpers for the MCP acceptance tests: a real `beamline mcp` subprocess driven by the SDK's
own stdio client."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import mcp_types as types
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

BEAMLINE = str(Path(sys.executable).with_name("beamline"))
HMAC_SECRET = "mcp-test-hmac-secret-0123456789"
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
) -> AsyncIterator[ClientSession]:
    """An initialized client session with `beamline mcp *args` over stdio."""
    params = StdioServerParameters(
        command=BEAMLINE, args=["mcp", *args], env=env or server_env(db_url, actor)
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
