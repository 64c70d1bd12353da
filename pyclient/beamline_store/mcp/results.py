"""Turning backend results and errors into MCP tool results.

Successful calls return ``structuredContent`` (the tool's output schema) plus the same JSON as
text for clients that read only ``content``.

Errors are ``isError: true`` results with **no** ``structuredContent`` and one text block
holding the JSON object ``{"error", "sqlstate", "message", "detail", "hint"}`` (the error
class, the database's SQLSTATE and message, its detail as parsed JSON, e.g. the list of
validation errors, and its hint). The MCP specification (2025-06-18 and later) says
``structuredContent`` must conform to the tool's ``outputSchema``; the TypeScript SDK's
``Client.callTool`` (VS Code, TRAE, the Inspector) enforces that on every result carrying
``structuredContent``, error or not, and skips the check only when it is absent. So the error
travels as text, which every client shows and an assistant can parse. Never a traceback,
always masked (docs/TRAE.md "Tool errors").
"""

from __future__ import annotations

import json
import os
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import mcp_types as types

from ..errors import BeamlineError, translate
from ..secrets import _KW_PASSWORD, _URL_PASSWORD, mask_text

__all__ = [
    "InvalidArguments",
    "error_payload",
    "error_result",
    "jsonable",
    "mask_value",
    "ok_result",
]


class InvalidArguments(ValueError):
    """A tool's arguments are refused before anything runs (schema, bounds, file root);
    *detail* lists the problems as ``{"path", "message"}``."""

    def __init__(self, message: str, *, detail: list[dict[str, str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


def jsonable(value: Any) -> Any:
    """*value* as plain JSON types (models via ``to_dict``, datetimes as ISO 8601)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return jsonable(to_dict())
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Decimal):
        return float(value)
    if hasattr(value, "items"):  # Mapping proxies
        return {str(k): jsonable(v) for k, v in value.items()}
    return str(value)


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def mask_value(value: Any, secrets: list[str | None]) -> Any:
    """*value* (plain JSON) with every string masked: keys, values, nested."""
    if isinstance(value, str):
        return mask_text(value, secrets)
    if isinstance(value, dict):
        return {mask_text(k, secrets): mask_value(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_value(v, secrets) for v in value]
    return value


def _may_hold_secret(text: str, secrets: list[str | None]) -> bool:
    """Could masking change any string of the JSON document *text*? A sound pre-check: every
    string of the document appears in *text* with JSON escapes, which keep a substring a
    substring, so a secret (or a URL / conninfo password) in any string shows here too."""
    if "://" in text and _URL_PASSWORD.search(text):
        return True
    if "password" in text.lower() and _KW_PASSWORD.search(text):
        return True
    values = [*secrets, os.environ.get("BEAMLINE_HMAC_SECRET")]
    db_url = os.environ.get("DATABASE_URL")
    if db_url:
        for pattern in (_URL_PASSWORD, _KW_PASSWORD):
            values += [m["pw"].strip("'") for m in pattern.finditer(db_url)]
    for value in values:
        if value and len(value) >= 4 and (value in text or _dump(value)[1:-1] in text):
            return True
    return False


def ok_result(structured: dict[str, Any], secrets: list[str | None]) -> types.CallToolResult:
    """A successful result: the structured output and the same JSON as text, both masked.

    Masks string by string only when the serialized result could hold a secret at all (one
    scan of the text): a page of audit rows has hundreds of strings, and masking each of them
    cost milliseconds per call."""
    text = _dump(structured)
    if _may_hold_secret(text, secrets):
        structured = mask_value(structured, secrets)
        text = _dump(structured)
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=text)],
        structured_content=structured,
        is_error=False,
    )


def error_payload(exc: BaseException) -> dict[str, Any]:
    """``{"error", "sqlstate", "message", "detail", "hint"}`` for a domain or database error."""
    exc = translate(exc)  # the one translator (errors.translate), as in the Store and the CLI
    if isinstance(exc, InvalidArguments):
        return {
            "error": "InvalidArguments",
            "sqlstate": None,
            "message": exc.message,
            "detail": exc.detail,
            "hint": None,
        }
    if isinstance(exc, BeamlineError):
        return {
            "error": type(exc).__name__,
            "sqlstate": exc.sqlstate,
            "message": exc.message,
            "detail": exc.detail_json,
            "hint": exc.hint,
        }
    return {
        "error": type(exc).__name__,
        "sqlstate": None,
        "message": " ".join(str(exc).split()) or type(exc).__name__,
        "detail": None,
        "hint": None,
    }


def error_result(payload: dict[str, Any], secrets: list[str | None]) -> types.CallToolResult:
    """An ``isError`` tool result: the payload as one JSON text block, masked; no
    ``structuredContent`` (it would have to match the tool's output schema)."""
    masked = mask_value(
        {key: payload.get(key) for key in ("error", "sqlstate", "message", "detail", "hint")},
        secrets,
    )
    return types.CallToolResult(
        # Key order kept (error class first), so the line reads well in a client's log too.
        content=[types.TextContent(type="text", text=json.dumps(masked, ensure_ascii=False))],
        is_error=True,
    )
