"""Running the server: stdio (the default; what editors spawn) or streamable HTTP on 127.0.0.1."""

from __future__ import annotations

import logging

import anyio
from mcp.server.stdio import stdio_server

from .server import BeamlineMcp

__all__ = ["serve_http", "serve_stdio"]

log = logging.getLogger("beamline_store.mcp")


async def _stdio(app: BeamlineMcp) -> None:
    server = app.build()
    async with stdio_server() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())


def serve_stdio(app: BeamlineMcp) -> None:
    """Serve one client over stdin/stdout until it closes stdin."""
    try:
        anyio.run(_stdio, app)
    finally:
        app.close()


def serve_http(app: BeamlineMcp, *, host: str = "127.0.0.1", port: int = 8765) -> None:
    """Serve streamable HTTP at ``http://<host>:<port>/mcp`` (DNS-rebinding protection on)."""
    import uvicorn

    starlette_app = app.build().streamable_http_app(host=host)
    log.warning("beamline mcp: streamable HTTP on http://%s:%d/mcp", host, port)
    try:
        uvicorn.run(starlette_app, host=host, port=port, log_level="warning", log_config=None)
    finally:
        app.close()
