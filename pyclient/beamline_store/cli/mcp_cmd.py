"""``beamline mcp``: serve the MCP tools to an AI assistant (TRAE, VS Code), docs/TRAE.md."""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

import click

from ..config import Settings
from ..errors import ConfigurationError

__all__ = ["TOKEN_ENV", "commands", "mcp"]

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
TOKEN_ENV = "BEAMLINE_MCP_TOKEN"
ROOT_ENV = "BEAMLINE_MCP_ROOT"
_MIN_TOKEN = 32


def _http_token(token_file: str | None) -> tuple[str, bool]:
    """The bearer token for --http and whether it was generated here: from --token-file, else
    BEAMLINE_MCP_TOKEN, else a new random one (32 bytes, URL-safe)."""
    if token_file:
        try:
            token = Path(token_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigurationError(f"--token-file {token_file}: {exc.strerror}") from None
        source = f"--token-file {token_file}"
    elif os.environ.get(TOKEN_ENV):
        token, source = os.environ[TOKEN_ENV].strip(), TOKEN_ENV
    else:
        return secrets.token_urlsafe(32), True
    if len(token) < _MIN_TOKEN or not token.isascii() or not token.isprintable():
        raise ConfigurationError(
            f"{source}: the token must be at least {_MIN_TOKEN} printable ASCII characters"
        )
    return token, False


@click.command("mcp")
@click.option("--read-only", is_flag=True, help="Offer only the reading tools (no writes at all).")
@click.option("--http", "http", is_flag=True, help="Streamable HTTP instead of stdio.")
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="HTTP address (loopback only)."
)
@click.option(
    "--port", default=8765, show_default=True, type=click.IntRange(1, 65535), help="HTTP port."
)
@click.option(
    "--token-file",
    type=click.Path(dir_okay=False),
    help=f"HTTP bearer token from this file (else {TOKEN_ENV}, else a new one printed once "
    "to stderr).",
)
@click.option(
    "--root",
    envvar=ROOT_ENV,
    default=".trae",
    show_default=True,
    help=f"The only directory export_files/import_files may use ({ROOT_ENV}).",
)
@click.option(
    "--max-message-bytes",
    default=4 * 1024 * 1024,
    show_default=True,
    type=click.IntRange(1024, 64 * 1024 * 1024),
    help="Largest incoming JSON-RPC message; larger ones get a JSON-RPC error.",
)
@click.option(
    "--log-level",
    default="WARNING",
    show_default=True,
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
    help="Log level (logs go to stderr, secrets masked).",
)
@click.pass_obj
def mcp(
    settings: Settings,
    read_only: bool,
    http: bool,
    host: str,
    port: int,
    token_file: str | None,
    root: str,
    max_message_bytes: int,
    log_level: str,
) -> None:
    """Serve the policy and DevState tools over MCP (stdio by default).

    Acts as BEAMLINE_ACTOR (required): every call is checked against that user's roles and
    audited under that name, with the MCP client's name in the audit metadata. Uses
    DATABASE_URL, or the embedded database when it is unset. With --http, every request
    needs the bearer token (docs/TRAE.md).
    """
    from ..mcp.logs import configure_logging
    from ..mcp.server import BeamlineMcp
    from ..mcp.transport import MessageGuard, serve_http, serve_stdio

    if http and host not in LOOPBACK:
        raise ConfigurationError(
            f"--host {host} is not a loopback address: the MCP server listens on loopback only"
        )
    token, generated = _http_token(token_file) if http else ("", False)
    configure_logging(log_level, [settings.hmac_secret, token or None])
    app = BeamlineMcp(settings, read_only=read_only, root=root)
    guard = MessageGuard(max_bytes=max_message_bytes)
    if http:
        if generated:
            # Printed once, here only (never logged): the client's Authorization header.
            sys.stderr.write(f"beamline mcp: bearer token (Authorization: Bearer ...): {token}\n")
            sys.stderr.flush()
        serve_http(app, token=token, host=host, port=port, guard=guard)
    else:
        serve_stdio(app, guard=guard)


commands = [mcp]
