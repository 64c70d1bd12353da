"""``beamline mcp``: serve the MCP tools to an AI assistant (TRAE, VS Code), docs/TRAE.md."""

from __future__ import annotations

import click

from ..config import Settings
from ..errors import ConfigurationError

__all__ = ["commands", "mcp"]

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


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
    "--log-level",
    default="WARNING",
    show_default=True,
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
    help="Log level (logs go to stderr, secrets masked).",
)
@click.pass_obj
def mcp(
    settings: Settings, read_only: bool, http: bool, host: str, port: int, log_level: str
) -> None:
    """Serve the policy and DevState tools over MCP (stdio by default).

    Acts as BEAMLINE_ACTOR (required): every call is checked against that user's roles and
    audited under that name, with the MCP client's name in the audit metadata. Uses
    DATABASE_URL, or the embedded database when it is unset.
    """
    from ..mcp.logs import configure_logging
    from ..mcp.server import BeamlineMcp
    from ..mcp.transport import serve_http, serve_stdio

    configure_logging(log_level, [settings.hmac_secret])
    if http and host not in LOOPBACK:
        raise ConfigurationError(
            f"--host {host} is not a loopback address: the MCP server has no auth"
        )
    app = BeamlineMcp(settings, read_only=read_only)
    if http:
        serve_http(app, host=host, port=port)
    else:
        serve_stdio(app)


commands = [mcp]
