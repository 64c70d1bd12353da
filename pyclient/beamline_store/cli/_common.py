"""Shared pieces of the store-backed command groups (policy, rbac, quota, audit, stats):
opening a Store, the ``--actor`` / ``--json`` options, and output as JSON or a table."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

import click

from ..config import Settings
from ..errors import BadInput
from ..store import Store

__all__ = ["actor_option", "emit", "json_argument", "json_option", "open_store", "table"]

F = TypeVar("F", bound=Callable[..., Any])


def actor_option(func: F) -> F:
    """``--actor`` (default ``BEAMLINE_ACTOR``): who the call is made as (audited)."""
    return click.option(
        "--actor",
        envvar="BEAMLINE_ACTOR",
        help="Act as this user (default: BEAMLINE_ACTOR).",
    )(func)


def json_option(func: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")(
        func
    )


@contextmanager
def open_store(settings: Settings, actor: str | None = None) -> Iterator[Store]:
    """A Store for one command: no listener and no sweeper (a CLI call is short-lived)."""
    store = Store(settings, actor=actor, listen=False, sweeper=False)
    try:
        yield store
    finally:
        store.close()


def table(rows: Sequence[Sequence[Any]], headers: Sequence[str]) -> str:
    """A plain aligned text table."""
    text = [[("" if v is None else str(v)) for v in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in text:
        widths = [max(w, len(v)) for w, v in zip(widths, row, strict=False)]
    lines = ["  ".join(h.upper().ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=False)) for row in text]
    return "\n".join(line.rstrip() for line in lines)


def emit(as_json: bool, data: Any, human: Callable[[], str]) -> None:
    """Print *data* as JSON (``--json``) or the *human* rendering."""
    if as_json:
        click.echo(json.dumps(data, indent=2, sort_keys=True, default=str))
    else:
        click.echo(human())


def json_argument(name: str, text: str) -> Any:
    """*text* (the value of option --*name*) parsed as JSON; BadInput (exit 2) otherwise."""
    try:
        return json.loads(text)
    except ValueError as exc:
        raise BadInput(
            f"--{name} is not JSON: {exc}",
            detail=json.dumps({"argument": name, "reason": "not JSON"}),
        ) from None
