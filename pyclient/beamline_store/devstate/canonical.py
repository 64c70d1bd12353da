"""Canonical forms shared by the database and the files (docs/DEVSTATE_MCP.md).

The PL/pgSQL side is ``beamline_internal.devstate_canonical_json`` and
``beamline_internal.devstate_entry_message``; ``tests/vectors/devstate_hmac.json`` holds both to
the same bytes.

Canonical JSON
    objects with members sorted by key (UTF-8 byte order = code point order), no whitespace,
    ``,`` and ``:`` separators; strings escaped as JSON does (``\\" \\\\ \\b \\f \\n \\r \\t``,
    other control characters ``\\u00xx``, everything else literal UTF-8); numbers in plain
    decimal notation as PostgreSQL's ``numeric`` prints them (no exponent, scale kept,
    ``-0`` is ``0``); ``true``, ``false``, ``null``.

Entry message (version 1)
    netstrings ``<byte length>:<bytes>,`` of: ``beamline-devstate-entry/1``, id, ts
    (``YYYY-MM-DDTHH:MM:SS.ffffffZ``, UTC), actor, action, cp_from, cp_to, state_checksum,
    key_id, hmac_prev, canonical metadata; a NULL field is ``-,``. HMAC-SHA256 over its UTF-8
    bytes with the key's UTF-8 bytes.
"""

from __future__ import annotations

import hashlib
import hmac as _hmac
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

__all__ = [
    "ENTRY_FIELDS",
    "GENESIS",
    "HISTORY_FORMAT",
    "MESSAGE_VERSION",
    "canonical_json",
    "entry_hmac",
    "entry_line",
    "entry_message",
    "history_header",
    "loads",
    "state_checksum",
    "state_file_bytes",
]

GENESIS = "0" * 64
MESSAGE_VERSION = "beamline-devstate-entry/1"
HISTORY_FORMAT = "beamline-devstate-history/1"
_PREFIX = f"{len(MESSAGE_VERSION)}:{MESSAGE_VERSION},"

# The fields of an entry, in the fixed order of a history.json line (metadata last).
ENTRY_FIELDS = (
    "id", "ts", "actor", "action", "cp_from", "cp_to", "state_checksum", "key_id",
    "hmac_prev", "hmac", "metadata",
)  # fmt: skip


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


_DECODER = json.JSONDecoder(parse_float=Decimal, parse_constant=_no_constant)
# JSON string escaping without ensure_ascii: what json.dumps(s, ensure_ascii=False) does, and
# what PostgreSQL's escape_json does (\" \\ \b \f \n \r \t, other controls as \u00xx).
_string: Callable[[str], str] = json.encoder.encode_basestring


def loads(text: str | bytes) -> Any:
    """Parse JSON keeping every number exact (``Decimal`` for non-integers); NaN refused."""
    return _DECODER.decode(text.decode() if isinstance(text, bytes) else text)


def _number(value: int | float | Decimal) -> str:
    if isinstance(value, bool):  # pragma: no cover - handled by the caller
        raise TypeError("bool is not a number")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("NaN and infinities are not valid JSON")
        value = Decimal(repr(value))
    if not value.is_finite():
        raise ValueError("NaN and infinities are not valid JSON")
    if value.is_zero():
        value = abs(value)
    return format(value, "f")


def canonical_json(value: Any) -> str:
    """The canonical JSON text of *value* (dict, list, str, int, Decimal, float, bool, None)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, int | float | Decimal):
        return _number(value)
    if isinstance(value, dict):
        items = sorted(value.items())
        return "{" + ",".join(_string(k) + ":" + canonical_json(v) for k, v in items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(canonical_json(v) for v in value) + "]"
    raise TypeError(f"not a JSON value: {type(value).__name__}")


def state_checksum(document: Any) -> str:
    """SHA-256 (hex) of the canonical JSON of a DevState document, UTF-8 encoded."""
    return hashlib.sha256(canonical_json(document).encode()).hexdigest()


def state_file_bytes(canonical_state: str) -> bytes:
    """The bytes of ``.trae/state.json``: the canonical JSON and a newline."""
    return canonical_state.encode() + b"\n"


def _size(value: str) -> int:
    return len(value) if value.isascii() else len(value.encode())


def entry_message(entry: dict[str, Any], metadata_canonical: str) -> bytes:
    """The bytes the entry's HMAC covers (message version 1): netstrings of the fields."""
    ident = str(entry["id"])
    ts, actor, action = entry["ts"], entry["actor"], entry["action"]
    cp_from, cp_to, checksum = entry.get("cp_from"), entry.get("cp_to"), entry.get("state_checksum")
    key_id, prev = entry["key_id"], entry["hmac_prev"]
    return (
        f"{_PREFIX}{len(ident)}:{ident},{_size(ts)}:{ts},{_size(actor)}:{actor},"
        f"{_size(action)}:{action},"
        f"{'-,' if cp_from is None else f'{_size(cp_from)}:{cp_from},'}"
        f"{'-,' if cp_to is None else f'{_size(cp_to)}:{cp_to},'}"
        f"{'-,' if checksum is None else f'{_size(checksum)}:{checksum},'}"
        f"{_size(key_id)}:{key_id},{_size(prev)}:{prev},"
        f"{_size(metadata_canonical)}:{metadata_canonical},"
    ).encode()


def entry_hmac(key: bytes, message: bytes) -> str:
    """HMAC-SHA256 of *message* under *key*, lowercase hex."""
    return _hmac.digest(key, message, "sha256").hex()


def _opt(value: str | None) -> str:
    return "null" if value is None else _string(value)


def entry_line(entry: dict[str, Any], metadata_canonical: str) -> str:
    """The entry's line in ``.trae/history.json`` (fixed field order, no trailing comma)."""
    return (
        f'{{"id":{entry["id"]},"ts":{_string(entry["ts"])},"actor":{_string(entry["actor"])},'
        f'"action":{_string(entry["action"])},"cp_from":{_opt(entry.get("cp_from"))},'
        f'"cp_to":{_opt(entry.get("cp_to"))},"state_checksum":{_opt(entry.get("state_checksum"))},'
        f'"key_id":{_string(entry["key_id"])},"hmac_prev":{_string(entry["hmac_prev"])},'
        f'"hmac":{_string(entry["hmac"])},"metadata":{metadata_canonical}}}'
    )


def history_header(count: int, head: str, checksum: str) -> str:
    """The first line of ``.trae/history.json`` (without its newline)."""
    return (
        f'{{"format":"{HISTORY_FORMAT}","genesis":"{GENESIS}","count":{count},'
        f'"head":"{head}","state_checksum":"{checksum}","entries":['
    )
