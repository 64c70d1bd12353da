"""The ``beamline`` command line. Each command group lives in its own module of this package
(``db``, ``migrate``, ``policy``, ...); this module wires them together and turns every error
into one line on stderr with a documented exit code (docs/CLI.md)."""

from __future__ import annotations

import importlib
import importlib.util
import logging
import sys
from typing import Any

import click
import psycopg

from ..config import ConfigError, load_settings
from ..errors import BeamlineError, ConfigurationError, translate
from ..secrets import mask_text

__all__ = ["main"]

# Command modules, in help order. A module exposes `commands`: a list of click commands/groups.
COMMAND_MODULES = (
    "db", "migrate_cmd", "policy", "rbac", "quota", "audit", "devstate", "stats", "mcp_cmd",
    "backup_cmd", "maintain_cmd", "serve_cmd",
)  # fmt: skip

EXIT_GENERIC = 1
EXIT_FILE = 2  # a file or directory argument that cannot be read or written
EXIT_INTERRUPTED = 130


def fail(message: str, code: int) -> None:
    """Print ``beamline: error: <message>`` (one line, secrets masked) and exit with *code*."""
    click.echo(f"beamline: error: {' '.join(mask_text(message).split())}", err=True)
    sys.exit(code)


class BeamlineGroup(click.Group):
    """A click group that reports every failure as one line and a documented exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BeamlineError as exc:
            fail(exc.one_line(), exc.exit_code)
        except ConfigError as exc:
            fail(f"ConfigurationError: {exc}", ConfigurationError.exit_code)
        except psycopg.Error as exc:
            error = translate(exc)
            assert isinstance(error, BeamlineError)
            fail(error.one_line(), error.exit_code)
        except OSError as exc:
            fail(f"{type(exc).__name__}: {exc}", EXIT_FILE)
        except KeyboardInterrupt:
            fail("interrupted", EXIT_INTERRUPTED)
        return None


class _MaskingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return "beamline: warning: " + " ".join(mask_text(super().format(record)).split())


def _configure_logging() -> None:
    """Warnings on stderr, one line each, secrets masked. The pool's connection attempts are
    not shown: a failure to connect ends in the command's own one-line error."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_MaskingFormatter("%(message)s"))
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(handler)
        root.setLevel(logging.WARNING)
    logging.getLogger("psycopg.pool").setLevel(logging.CRITICAL)


@click.group(cls=BeamlineGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="beamline-store")
@click.pass_context
def main(ctx: click.Context) -> None:
    """beamline-store: a PostgreSQL-centric policy store.

    With no DATABASE_URL, commands use the embedded database under ./.beamline
    (BEAMLINE_HOME): start it with `beamline db start`.
    """
    _configure_logging()
    try:
        ctx.obj = load_settings()
    except ConfigError as exc:
        fail(f"ConfigurationError: {exc}", ConfigurationError.exit_code)


def _register() -> None:
    for name in COMMAND_MODULES:
        full = f"{__name__}.{name}"
        if importlib.util.find_spec(full) is None:
            continue
        module = importlib.import_module(full)
        for command in module.commands:
            main.add_command(command)


_register()
