"""Export and import of ``.trae/state.json`` and ``.trae/history.json`` (docs/DEVSTATE_MCP.md).

``state.json``
    the canonical JSON of the state document and a newline (its SHA-256 without the newline is
    the state checksum).
``history.json``
    one JSON document written one entry per line::

        {"format":"beamline-devstate-history/1","genesis":"00…","count":N,"head":"<hmac>","state_checksum":"<sha256>","entries":[
        {"id":1,"ts":"…","actor":"…",…,"metadata":{…}},
        …
        {"id":N,…}
        ]}

Export reads one REPEATABLE READ snapshot and writes each file to a temporary file in the same
directory, fsyncs and renames it over the old one (state.json first; the header of
history.json names the state checksum, so a mismatched pair is detected). Import checks the
files' structure, canonical form and links here, then loads them into an EMPTY DevState in one
transaction in which the database validates the schema and checksum, recomputes every hmac and
verifies the whole chain; any failure rolls back, so a refused import writes nothing.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ..errors import BadInput, ChainBroken
from . import db
from .canonical import (
    ENTRY_FIELDS,
    GENESIS,
    HISTORY_FORMAT,
    canonical_json,
    entry_line,
    history_header,
    loads,
    state_file_bytes,
)

__all__ = [
    "HISTORY_FILE",
    "STATE_FILE",
    "ExportResult",
    "HistoryHeader",
    "ImportResult",
    "check_entry_line",
    "export_files",
    "import_files",
    "iter_history",
    "read_state",
    "split_entry_line",
]

STATE_FILE = "state.json"
HISTORY_FILE = "history.json"
BATCH = 10_000
BATCH_BYTES = 16 * 1024 * 1024  # import_entries refuses batches over 10,000 entries or 32 MiB

Progress = Callable[[int], None]

_HEADER = re.compile(
    r'\{"format":"(?P<format>[^"]*)","genesis":"(?P<genesis>[0-9a-f]{64})","count":(?P<count>\d+),'
    r'"head":"(?P<head>[0-9a-f]{64})","state_checksum":"(?P<checksum>[0-9a-f]{64})","entries":\[\n\Z'
)
_FOOTER = "]}\n"
_METADATA = ',"metadata":'


@dataclass(frozen=True)
class HistoryHeader:
    count: int
    head: str
    state_checksum: str


@dataclass(frozen=True)
class ExportResult:
    directory: Path
    count: int
    head: str
    state_checksum: str


@dataclass(frozen=True)
class ImportResult:
    count: int
    head: str
    state_checksum: str


class FileFormatError(BadInput):
    """A DevState file is not in the documented canonical format (position 0 = the header)."""

    def __init__(self, message: str, *, position: int, reason: str):
        super().__init__(message, detail=f'{{"position": {position}, "reason": "{reason}"}}')
        self.position = position
        self.reason = reason


def _umask() -> int:
    """The process's umask, read without changing it (Linux /proc; elsewhere set and restored,
    which other threads could observe for an instant)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _atomic_write(path: Path, write: Callable[[IO[bytes]], object]) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        # mkstemp creates 0600; the final file gets what open() would give: 0666 minus the
        # umask (the exported files hold no secret; a umask of 077 keeps them private).
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def export_files(
    conn: db.Connection,
    directory: str | os.PathLike[str],
    actor: str,
    *,
    progress: Progress | None = None,
    batch: int = BATCH,
) -> ExportResult:
    """Write ``state.json`` and ``history.json`` of the current DevState into *directory*."""
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    with conn.transaction():
        conn.execute("set transaction isolation level repeatable read, read only")
        snap = db.export_snapshot(conn, actor)
        _atomic_write(target / STATE_FILE, lambda fh: fh.write(state_file_bytes(snap["state"])))

        def write_history(fh: IO[bytes]) -> None:
            header = history_header(snap["count"], snap["head"], snap["checksum"])
            fh.write((header + "\n").encode())
            after, done, total = 0, 0, int(snap["count"])
            while done < total:
                rows = db.export_entries(conn, actor, after, batch)
                if not rows:
                    break
                done += len(rows)
                last = done == total
                text = ",\n".join(line for _, line in rows) + ("\n" if last else ",\n")
                fh.write(text.encode())
                after = rows[-1][0]
                if progress:
                    progress(len(rows))
            fh.write(_FOOTER.encode())

        _atomic_write(target / HISTORY_FILE, write_history)
    return ExportResult(target, int(snap["count"]), str(snap["head"]), str(snap["checksum"]))


def read_state(directory: Path) -> tuple[Any, str, str]:
    """``(document, canonical text, checksum)`` of ``state.json``; refuses a non-canonical file."""
    import hashlib

    raw = (directory / STATE_FILE).read_bytes()
    try:
        document = loads(raw)
    except ValueError as exc:
        raise FileFormatError(
            f"{STATE_FILE} is not JSON: {exc}", position=0, reason="malformed state"
        ) from None
    canonical = canonical_json(document)
    if state_file_bytes(canonical) != raw:
        raise FileFormatError(
            f"{STATE_FILE} is not in canonical form (export it again)",
            position=0,
            reason="state not canonical",
        )
    return document, canonical, hashlib.sha256(canonical.encode()).hexdigest()


def split_entry_line(line: str) -> tuple[str, str]:
    """``(line without the metadata member, metadata text)`` of an entry line."""
    at = line.find(_METADATA)
    if at < 0 or not line.endswith("}"):
        raise ValueError("no metadata member")
    return line[:at], line[at + len(_METADATA) : -1]


def iter_history(fh: IO[str]) -> tuple[HistoryHeader, Iterator[tuple[int, str]]]:
    """The header of an open ``history.json`` and an iterator of ``(position, entry line)``
    (positions from 1). Structure errors raise :class:`FileFormatError` with the position."""
    first = fh.readline()
    m = _HEADER.match(first)
    if not m or m["format"] != HISTORY_FORMAT or m["genesis"] != GENESIS:
        raise FileFormatError(
            f"{HISTORY_FILE}: the first line is not a {HISTORY_FORMAT} header",
            position=0,
            reason="bad header",
        )
    header = HistoryHeader(int(m["count"]), m["head"], m["checksum"])

    def entries() -> Iterator[tuple[int, str]]:
        position, pending = 0, None  # pending: the previous line, its position is `position`
        for raw in fh:
            if not raw.endswith("\n"):
                break
            body = raw[:-1]
            if body == "]}":
                if pending is not None:
                    if pending.endswith(","):
                        break
                    yield position, pending
                if fh.read():
                    break
                return
            if pending is not None:
                if not pending.endswith(","):
                    break
                yield position, pending[:-1]
            position += 1
            pending = body
        raise FileFormatError(
            f"{HISTORY_FILE}: broken structure at entry {position} "
            "(separator, end or trailing text)",
            position=position,
            reason="malformed",
        )

    return header, entries()


def check_entry_line(position: int, line: str, *, strict: bool = True) -> dict[str, Any]:
    """Parse an entry line and check its documented form: the fields in order, the line
    rebuilt from its values is the same text, and (*strict*) the metadata is canonical JSON.
    Offline verification can skip the last check: the hmac covers the metadata's exact bytes."""
    try:
        entry = loads(line)
        if not isinstance(entry, dict) or tuple(entry) != ENTRY_FIELDS:
            raise ValueError("fields missing, extra or out of order")
        if not isinstance(entry["id"], int) or not isinstance(entry["metadata"], dict):
            raise ValueError("id or metadata of the wrong type")
        _, metadata_text = split_entry_line(line)
        if strict and canonical_json(entry["metadata"]) != metadata_text:
            raise ValueError("metadata not in canonical form")
        if entry_line(entry, metadata_text) != line:
            raise ValueError("not in canonical form")
    except (ValueError, KeyError, TypeError) as exc:
        raise FileFormatError(
            f"{HISTORY_FILE}: entry {position}: {exc}", position=position, reason="malformed"
        ) from None
    entry["metadata_canonical"] = metadata_text
    return entry


def import_files(
    conn: db.Connection,
    directory: str | os.PathLike[str],
    actor: str,
    *,
    progress: Progress | None = None,
    batch: int = BATCH,
) -> ImportResult:
    """Load the files of *directory* into an empty DevState, all or nothing.

    Raises :class:`FileFormatError` (structure / canonical form), ``ChainBroken`` (links,
    hmacs, count, head), ``AlreadyExists`` (DevState not empty), ``ValidationFailed`` (schema
    or state checksum), ``SecretMissing``; nothing is written then.
    """
    source = Path(directory)
    state, _, checksum = read_state(source)
    with (source / HISTORY_FILE).open(encoding="utf-8", newline="") as fh:
        header, entries = iter_history(fh)
        if header.state_checksum != checksum:
            raise ChainBroken(
                f"{STATE_FILE} does not match the state checksum in {HISTORY_FILE}",
                detail='{"position": 0, "reason": "state checksum mismatch"}',
            )
        with conn.transaction():
            db.import_begin(conn, state, checksum, actor)
            prev, count, chunk, size = GENESIS, 0, [], 0
            for position, line in entries:
                entry = check_entry_line(position, line)
                if entry["hmac_prev"] != prev:
                    where = f'"position": {position}, "id": {entry["id"]}'
                    raise ChainBroken(
                        f"{HISTORY_FILE}: entry {position} does not link to the one before",
                        detail=f'{{{where}, "reason": "bad link"}}',
                    )
                prev = entry["hmac"]
                count += 1
                chunk.append(line)
                size += len(line.encode("utf-8"))
                if len(chunk) >= batch or size >= BATCH_BYTES:
                    db.import_entries(conn, "[" + ",".join(chunk) + "]", actor)
                    if progress:
                        progress(len(chunk))
                    chunk, size = [], 0
            if chunk:
                db.import_entries(conn, "[" + ",".join(chunk) + "]", actor)
                if progress:
                    progress(len(chunk))
            if count != header.count or prev != header.head:
                raise ChainBroken(
                    f"{HISTORY_FILE}: {count} entries ending at {prev[:12]}…, the header says "
                    f"{header.count} ending at {header.head[:12]}…",
                    detail=f'{{"position": {count + 1}, "reason": "truncated"}}',
                )
            result = db.verify_hmac_chain(conn)
            if not result.get("ok"):
                raise ChainBroken(
                    f"the imported chain does not verify: entry {result.get('id')}: "
                    f"{result.get('reason')}",
                    detail=f'{{"id": {result.get("id")}, "reason": "{result.get("reason")}"}}',
                )
    return ImportResult(count, prev, checksum)
