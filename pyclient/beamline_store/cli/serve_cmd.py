"""``beamline serve``: the reference HTTP policy API (docs/HTTP.md); needs the ``http`` extra."""

from __future__ import annotations

import click

from ..config import load_settings
from ..errors import ConfigurationError

__all__ = ["TOKENS_ENV", "commands", "serve"]

TOKENS_ENV = "BEAMLINE_HTTP_TOKENS"


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Listen address.")
@click.option(
    "--port", default=8080, show_default=True, type=click.IntRange(1, 65535), help="HTTP port."
)
@click.option(
    "--tokens",
    "tokens_file",
    type=click.Path(dir_okay=False),
    envvar=TOKENS_ENV,
    help=f"YAML file mapping actor: bearer token (or sha256:<hex>); else ${TOKENS_ENV}.",
)
@click.option("--log-level", default="warning", show_default=True)
def serve(host: str, port: int, tokens_file: str | None, log_level: str) -> None:
    """Serve policy CRUD, permission checks, audit reads, health and metrics over HTTP."""
    try:
        import uvicorn

        from ..httpapi import create_app, load_tokens
    except ImportError as exc:
        raise ConfigurationError(
            f"beamline serve needs the http extra: pip install 'beamline-store[http]' ({exc})"
        ) from None
    if not tokens_file:
        raise ConfigurationError(f"no tokens: pass --tokens FILE or set {TOKENS_ENV}")
    tokens = load_tokens(tokens_file)
    settings = load_settings()
    from ..async_store import AsyncStore

    app = create_app(lambda: AsyncStore(settings, application_name="beamline-http"), tokens)
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False)


commands = [serve]
