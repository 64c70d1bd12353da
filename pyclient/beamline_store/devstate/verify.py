"""Offline verification of exported DevState files, without any database.

Checks, in file order, and stops at the first problem: the header and the canonical form of
``state.json`` (position 0), that ``state.json`` has the checksum named in the header, then for
every entry (positions from 1): canonical form, ids strictly increasing, the link to the
previous entry (genesis for the first), the hmac under the key of its ``key_id``; finally that
the count and head agree with the header and, when given, with an expected head hmac recorded
elsewhere (the only defence against a cut tail with a rewritten header).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .canonical import GENESIS, MESSAGE_VERSION, entry_hmac, entry_message, loads
from .files import (
    HISTORY_FILE,
    FileFormatError,
    check_entry_line,
    iter_history,
    read_state,
)

__all__ = ["VerifyResult", "keys_from_environment", "parse_key_ring", "verify_files"]

_PREFIX = f"{len(MESSAGE_VERSION)}:{MESSAGE_VERSION},"

# Fast path for the documented line layout: a regular expression takes the fields apart
# without building the metadata objects (the hmac covers the metadata's exact bytes). A line
# it does not match goes through the full parser (files.check_entry_line), which either accepts
# it or names the problem, so the result is the same, only faster.
_STR = r'"(?:[^"\\]|\\.)*"'
_LINE = re.compile(
    r'\{"id":(?P<id>[1-9][0-9]*),"ts":"(?P<ts>[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:'
    r'[0-9]{2}\.[0-9]{6}Z)","actor":(?P<actor>' + _STR + r'),"action":(?P<action>' + _STR + r"),"
    r'"cp_from":(?P<cp_from>null|' + _STR + r'),"cp_to":(?P<cp_to>null|' + _STR + r"),"
    r'"state_checksum":(?P<state_checksum>null|"[0-9a-f]{64}"),"key_id":(?P<key_id>' + _STR + r"),"
    r'"hmac_prev":"(?P<hmac_prev>[0-9a-f]{64})","hmac":"(?P<hmac>[0-9a-f]{64})",'
    r'"metadata":(?P<metadata>\{.*\})\}\Z',
    re.DOTALL,
)


def _text(raw: str) -> str | None:
    if raw == "null":
        return None
    if not raw.startswith('"'):
        return raw  # id, ts, hex fields and metadata are taken as they are
    return loads(raw) if "\\" in raw else raw[1:-1]


def _ns(raw: str) -> str:
    """Netstring of a captured JSON string or null (ASCII, no escapes: the fast case)."""
    return "-," if raw == "null" else f"{len(raw) - 2}:{raw[1:-1]},"


def _fast_entry(line: str) -> dict[str, Any] | None:
    """The entry's fields and signed message from the fixed layout, or None (use the parser)."""
    m = _LINE.match(line)
    if m is None:
        return None
    g = m.groupdict()
    if line.isascii() and "\\" not in line:  # values are the raw text: build the message here
        meta = g["metadata"]
        message = (
            f"{_PREFIX}{len(g['id'])}:{g['id']},27:{g['ts']},{_ns(g['actor'])}{_ns(g['action'])}"
            f"{_ns(g['cp_from'])}{_ns(g['cp_to'])}{_ns(g['state_checksum'])}{_ns(g['key_id'])}"
            f"64:{g['hmac_prev']},{len(meta)}:{meta},"
        ).encode()
        return {"id": int(g["id"]), "key_id": g["key_id"][1:-1], "hmac_prev": g["hmac_prev"],
                "hmac": g["hmac"], "message": message}  # fmt: skip
    entry: dict[str, Any] = {k: _text(v) for k, v in g.items()}
    entry["id"] = int(g["id"])
    entry["message"] = entry_message(entry, g["metadata"])
    return entry


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    head: str
    position: int | None = None
    id: int | None = None
    reason: str | None = None
    message: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


def parse_key_ring(text: str | None) -> dict[str, bytes]:
    """``key_id:secret;key_id:secret`` (retired keys) as ``{key_id: key bytes}``."""
    ring: dict[str, bytes] = {}
    for pair in (text or "").split(";"):
        key_id, sep, secret = pair.partition(":")
        if sep and key_id:
            ring[key_id] = secret.encode()
    return ring


def keys_from_environment(environ: dict[str, str] | None = None) -> dict[str, bytes]:
    """Keys from ``BEAMLINE_HMAC_SECRET`` (id ``BEAMLINE_HMAC_KEY_ID``, default k1) and
    ``BEAMLINE_HMAC_PREVIOUS_KEYS``; the current key wins over a retired one of the same id."""
    env = os.environ if environ is None else environ
    keys = parse_key_ring(env.get("BEAMLINE_HMAC_PREVIOUS_KEYS"))
    secret = env.get("BEAMLINE_HMAC_SECRET")
    if secret:
        keys[env.get("BEAMLINE_HMAC_KEY_ID") or "k1"] = secret.encode()
    return keys


def verify_files(
    directory: str | os.PathLike[str],
    keys: dict[str, bytes],
    *,
    expect_head: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> VerifyResult:
    """Verify ``state.json`` + ``history.json`` in *directory*; the first bad position wins."""
    source = Path(directory)
    prev, checked = GENESIS, 0
    try:
        _, _, checksum = read_state(source)
        with (source / HISTORY_FILE).open(encoding="utf-8", newline="") as fh:
            header, entries = iter_history(fh)
            if header.state_checksum != checksum:
                message = "state.json does not have the checksum named in history.json"
                return VerifyResult(False, 0, prev, 0, None, "state checksum mismatch", message)
            seen: set[str] = set()
            last_id = 0
            for position, line in entries:
                entry = _fast_entry(line)
                if entry is None:
                    entry = check_entry_line(position, line, strict=False)
                    entry["message"] = entry_message(entry, entry["metadata_canonical"])
                entry_id = entry["id"]
                if entry_id <= last_id:
                    return VerifyResult(False, checked, prev, position, entry_id, "id out of order")
                if entry["hmac_prev"] != prev:
                    reason = "bad link" if entry["hmac_prev"] in seen else "missing predecessor"
                    return VerifyResult(False, checked, prev, position, entry_id, reason)
                key = keys.get(entry["key_id"])
                if key is None:
                    return VerifyResult(False, checked, prev, position, entry_id, "unknown key")
                if entry_hmac(key, entry["message"]) != entry["hmac"]:
                    return VerifyResult(False, checked, prev, position, entry_id, "bad hmac")
                seen.add(prev)
                prev, last_id = entry["hmac"], entry_id
                checked += 1
                if progress and checked % 10_000 == 0:
                    progress(10_000)
            if progress:
                progress(checked % 10_000)
    except FileFormatError as exc:
        return VerifyResult(False, checked, prev, exc.position, None, exc.reason, exc.message)
    if checked != header.count or prev != header.head:
        message = f"{checked} entries, the header says {header.count}"
        return VerifyResult(False, checked, prev, checked + 1, None, "truncated", message)
    if expect_head is not None and prev != expect_head:
        message = "the head is not the one recorded elsewhere"
        return VerifyResult(False, checked, prev, checked + 1, None, "unexpected head", message)
    return VerifyResult(True, checked, prev)
