"""Turning backend results and errors into MCP tool results.

Successful calls return ``structuredContent`` (the tool's output schema) plus the same JSON as
text for clients that read only ``content``. Errors return ``isError`` results naming the error
class, the database's message, its detail (parsed JSON: e.g. the list of validation errors) and
hint; never a traceback, always masked.
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

__all__ = ["error_payload", "error_result", "jsonable", "mask_value", "ok_result"]


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
    """An ``isError`` tool result: one readable line, then the payload as JSON; all masked."""
    line = f"{payload['error']}: {payload['message']}"
    if payload.get("detail") is not None:
        line += f" (detail: {_dump(payload['detail'])})"
    if payload.get("hint"):
        line += f" (hint: {payload['hint']})"
    masked = mask_value(payload, secrets)
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=mask_text(line, secrets))],
        structured_content=masked,
        is_error=True,
    )
