"""``beamline devstate get|update|append|verify|search|lock|unlock|export|import|register-key``
(SPEC §6).

Every command acts as ``--actor`` (default ``BEAMLINE_ACTOR``) and reaches the database named
by ``DATABASE_URL`` or the embedded one; the HMAC secret (``BEAMLINE_HMAC_SECRET``) goes to the
server in the connection's startup options, never in a statement, and never in output.
``verify --files DIR`` works offline, without any database. ``--json`` prints JSON.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from ..config import Settings
from ..database import resolve_dsn
from ..devstate import db, files
from ..devstate.canonical import loads
from ..devstate.verify import keys_from_environment, verify_files
from ..errors import BadInput, ChainBroken
from ._common import open_store

__all__ = ["commands", "devstate_group"]

DEFAULT_DIR = ".trae"
PROGRESS_MIN = 50_000  # show a progress bar from this many entries on


def _settings(ctx: click.Context) -> Settings:
    settings = ctx.find_root().obj
    assert isinstance(settings, Settings)
    return settings


def _actor(ctx: click.Context, actor: str | None) -> str:
    value = actor or _settings(ctx).actor
    if not value:
        raise BadInput(
            "no actor: pass --actor or set BEAMLINE_ACTOR",
            detail='{"argument": "actor", "reason": "is missing"}',
        )
    return value


@contextmanager
def _connect(ctx: click.Context, *, autocommit: bool = True) -> Iterator[db.Connection]:
    """A DevState connection through a Store: the application role, the Store's recipe and
    error translation (never the URL's own login, which may be a superuser)."""
    with open_store(_settings(ctx)) as store, store.devstate_session() as conn:
        conn.autocommit = autocommit
        try:
            yield conn
        finally:
            conn.autocommit = True


@contextmanager
def _connect_owner(ctx: click.Context) -> Iterator[db.Connection]:
    """An owner connection for owner-only DevState calls (register-key): the URL's login
    switched to the owner role, with the HMAC settings in the startup options."""
    settings = _settings(ctx)
    conn = db.connect(
        resolve_dsn(settings),
        secret=settings.hmac_secret,
        key_id=settings.hmac_key_id,
        timeout=settings.connect_timeout,
        role=settings.owner_role,
    )
    try:
        yield conn
    finally:
        conn.close()


def _json_arg(name: str, text: str) -> Any:
    try:
        return loads(text)
    except ValueError as exc:
        raise BadInput(
            f"--{name} is not JSON: {exc}", detail=f'{{"argument": "{name}", "reason": "not JSON"}}'
        ) from None


def _emit(value: Any, as_json: bool, text: str | None = None) -> None:
    if as_json or text is None:
        click.echo(json.dumps(value, sort_keys=True, default=str))
    else:
        click.echo(text)


@contextmanager
def _progress(total: int, label: str) -> Iterator[Callable[[int], None] | None]:
    if total < PROGRESS_MIN:
        yield None
        return
    bar: Any = click.progressbar(length=total, label=label, file=sys.stderr)
    with bar:
        yield bar.update


actor_option = click.option("--actor", help="Act as this user (default BEAMLINE_ACTOR).")
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


@click.group("devstate")
def devstate_group() -> None:
    """DevState: the state document and the HMAC-chained history (.trae/*.json)."""


@devstate_group.command("get")
@actor_option
@json_option
@click.pass_context
def get_cmd(ctx: click.Context, actor: str | None, as_json: bool) -> None:
    """Print the state document (and its checksum with --json)."""
    with _connect(ctx) as conn:
        state = db.get_state(conn, _actor(ctx, actor))
    _emit(state, as_json, json.dumps(state["json"], sort_keys=True, indent=2))


@devstate_group.command("update")
@click.argument("patch")
@click.option("--expected-checksum", help="Compare-and-set: fail (exit 7) if the state changed.")
@click.option("--entry", help="History entry (JSON object) to append in the same transaction.")
@click.option("--on-write", "on_write", type=click.Path(file_okay=False), help="Re-export to DIR.")
@actor_option
@json_option
@click.pass_context
def update_cmd(
    ctx: click.Context,
    patch: str,
    expected_checksum: str | None,
    entry: str | None,
    on_write: str | None,
    actor: str | None,
    as_json: bool,
) -> None:
    """Apply a JSON Merge Patch (RFC 7396) to the state; prints the new checksum."""
    who = _actor(ctx, actor)
    with _connect(ctx) as conn:
        checksum = db.update_state(
            conn,
            _json_arg("patch", patch),
            who,
            expected_checksum=expected_checksum,
            history_entry=_json_arg("entry", entry) if entry else None,
        )
        if on_write:
            files.export_files(conn, on_write, who)
    _emit({"checksum": checksum}, as_json, checksum)


@devstate_group.command("append")
@click.argument("action")
@click.option("--cp-from", help="Checkpoint left.")
@click.option("--cp-to", help="Checkpoint reached.")
@click.option("--state-checksum", help="Checksum of the state this entry refers to.")
@click.option("--metadata", help="Metadata (JSON object).")
@click.option("--on-write", "on_write", type=click.Path(file_okay=False), help="Re-export to DIR.")
@actor_option
@json_option
@click.pass_context
def append_cmd(
    ctx: click.Context,
    action: str,
    cp_from: str | None,
    cp_to: str | None,
    state_checksum: str | None,
    metadata: str | None,
    on_write: str | None,
    actor: str | None,
    as_json: bool,
) -> None:
    """Append an entry to the history; prints its hmac."""
    entry: dict[str, Any] = {"action": action}
    for key, value in (("cp_from", cp_from), ("cp_to", cp_to), ("state_checksum", state_checksum)):
        if value is not None:
            entry[key] = value
    if metadata is not None:
        entry["metadata"] = _json_arg("metadata", metadata)
    who = _actor(ctx, actor)
    with _connect(ctx) as conn:
        hmac = db.append_history(conn, entry, who)
        if on_write:
            files.export_files(conn, on_write, who)
    _emit({"hmac": hmac}, as_json, hmac)


@devstate_group.command("register-key")
@json_option
@click.pass_context
def register_key_cmd(ctx: click.Context, as_json: bool) -> None:
    """Owner only: register BEAMLINE_HMAC_KEY_ID (default k1) by a fingerprint of
    BEAMLINE_HMAC_SECRET; appends and imports under unregistered keys are refused (exit 26)."""
    with _connect_owner(ctx) as conn:
        result = db.register_hmac_key(conn)
    state = "registered" if result["registered"] else "already registered"
    _emit(result, as_json, f"{result['key_id']}: {state}")


@devstate_group.command("verify")
@click.option("--files", "files_dir", type=click.Path(file_okay=False), help="Verify DIR offline.")
@click.option("--from", "from_id", type=int, help="First id to check (database).")
@click.option("--to", "to_id", type=int, help="Last id to check (database).")
@click.option("--expect-head", help="Also require this head hmac (recorded elsewhere).")
@json_option
@click.pass_context
def verify_cmd(
    ctx: click.Context,
    files_dir: str | None,
    from_id: int | None,
    to_id: int | None,
    expect_head: str | None,
    as_json: bool,
) -> None:
    """Verify the HMAC chain: in the database, or offline in exported files (--files).

    Exits 9 with the first bad position / id and the reason when the chain does not verify.
    """
    if files_dir:
        directory = Path(files_dir)
        total = _count_lines(directory / files.HISTORY_FILE)
        with _progress(total, "verifying") as progress:
            result = verify_files(
                directory, keys_from_environment(), expect_head=expect_head, progress=progress
            ).as_dict()
    else:
        with _connect(ctx) as conn:
            result = db.verify_hmac_chain(conn, from_id, to_id)
        if result.get("ok") and expect_head and result.get("head") != expect_head:
            result = {**result, "ok": False, "reason": "unexpected head"}
    if not result.get("ok"):
        where = {k: result[k] for k in ("position", "id") if result.get(k) is not None}
        raise ChainBroken(
            f"the chain does not verify: {result.get('reason')}",
            detail=json.dumps({**where, "reason": result.get("reason")}),
        )
    _emit(result, as_json, f"ok: {result.get('checked')} entries, head {result.get('head')}")


def _count_lines(path: Path) -> int:
    try:
        with path.open("rb") as fh:
            return sum(buf.count(b"\n") for buf in iter(lambda: fh.read(1 << 20), b""))
    except OSError:
        return 0


@devstate_group.command("search")
@click.option("--filter", "filters", help="Filters (JSON object): actor, action, checkpoint, ...")
@click.option("--limit", type=int, default=100, show_default=True)
@click.option("--cursor", type=int, help="next_cursor of the previous page.")
@actor_option
@json_option
@click.pass_context
def search_cmd(
    ctx: click.Context,
    filters: str | None,
    limit: int,
    cursor: int | None,
    actor: str | None,
    as_json: bool,
) -> None:
    """Search the history, newest first (keyset pagination with --cursor)."""
    with _connect(ctx) as conn:
        page = db.search_history(
            conn,
            _json_arg("filter", filters) if filters else {},
            _actor(ctx, actor),
            limit=limit,
            cursor=cursor,
        )
    lines = [f"{e['id']}\t{e['ts']}\t{e['actor']}\t{e['action']}" for e in page["entries"]]
    if page.get("next_cursor"):
        lines.append(f"(more: --cursor {page['next_cursor']})")
    _emit(page, as_json, "\n".join(lines))


@devstate_group.command("lock")
@click.argument("scope")
@click.option("--ttl", type=float, default=300.0, show_default=True, help="Lease seconds.")
@actor_option
@json_option
@click.pass_context
def lock_cmd(ctx: click.Context, scope: str, ttl: float, actor: str | None, as_json: bool) -> None:
    """Take (or renew) the lease on SCOPE; prints the lock id (exit 8 if held by another)."""
    with _connect(ctx) as conn:
        lock_id = db.lock_state(conn, scope, ttl, _actor(ctx, actor))
    _emit({"lock_id": lock_id}, as_json, lock_id)


@devstate_group.command("unlock")
@click.argument("lock_id")
@actor_option
@json_option
@click.pass_context
def unlock_cmd(ctx: click.Context, lock_id: str, actor: str | None, as_json: bool) -> None:
    """Release the lease LOCK_ID."""
    with _connect(ctx) as conn:
        db.unlock_state(conn, lock_id, _actor(ctx, actor))
    _emit({"unlocked": lock_id}, as_json, f"unlocked {lock_id}")


@devstate_group.command("export")
@click.option("--dir", "directory", default=DEFAULT_DIR, show_default=True)
@actor_option
@json_option
@click.pass_context
def export_cmd(ctx: click.Context, directory: str, actor: str | None, as_json: bool) -> None:
    """Write DIR/state.json and DIR/history.json (canonical, atomic)."""
    who = _actor(ctx, actor)
    with _connect(ctx) as conn:
        total = int(db.export_snapshot(conn, who)["count"])
        with _progress(total, "exporting") as progress:
            result = files.export_files(conn, directory, who, progress=progress)
    out = {"dir": str(result.directory), "count": result.count, "head": result.head,
           "state_checksum": result.state_checksum}  # fmt: skip
    _emit(
        out, as_json, f"exported {result.count} entries to {result.directory}, head {result.head}"
    )


@devstate_group.command("import")
@click.option("--dir", "directory", default=DEFAULT_DIR, show_default=True)
@actor_option
@json_option
@click.pass_context
def import_cmd(ctx: click.Context, directory: str, actor: str | None, as_json: bool) -> None:
    """Load DIR/state.json and DIR/history.json into an empty DevState (all or nothing)."""
    who = _actor(ctx, actor)
    total = _count_lines(Path(directory) / files.HISTORY_FILE)
    with _connect(ctx, autocommit=True) as conn, _progress(total, "importing") as progress:
        result = files.import_files(conn, directory, who, progress=progress)
    out = {"count": result.count, "head": result.head, "state_checksum": result.state_checksum}
    _emit(out, as_json, f"imported {result.count} entries, head {result.head}")


commands = [devstate_group]
