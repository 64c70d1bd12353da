"""Running the server: stdio (the default; what editors spawn) or streamable HTTP on 127.0.0.1.

Both transports screen every incoming message before the SDK sees it (:class:`MessageGuard`):
at most ``max_bytes`` bytes and ``max_depth`` levels of nesting, valid JSON (else -32700
parse error), a JSON-RPC 2.0 object (else -32600 invalid request). Each refusal is a JSON-RPC
error response (with the request's id when it can be read, else ``null``) and the server
keeps serving: never a silent drop, never a hang. The SDK alone answers nothing on stdio for
a malformed line, and on HTTP answers -32602 for a message without ``method``.

HTTP also requires ``Authorization: Bearer <token>`` on every request (compared in constant
time; 401 otherwise), keeps the SDK's Host/Origin checks (DNS rebinding) and listens on
loopback only (docs/TRAE.md "HTTP transport").
"""

from __future__ import annotations

import hmac
import json
import logging
import re
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from typing import Any, BinaryIO, cast

import anyio
import mcp_types as types
from mcp.server.stdio import stdio_server
from mcp.shared.message import SessionMessage
from pydantic import ValidationError

from .server import BeamlineMcp

__all__ = [
    "MAX_DEPTH",
    "MAX_MESSAGE_BYTES",
    "UNAUTHORIZED",
    "HttpGuard",
    "MessageGuard",
    "Refused",
    "serve_http",
    "serve_stdio",
]

log = logging.getLogger("beamline_store.mcp")

MAX_MESSAGE_BYTES = 4 * 1024 * 1024
"""Largest incoming message (bytes of JSON text). A policy document is at most 1 MiB
(``beamline.max_document_bytes``); escaping and the envelope fit in the rest."""
UNAUTHORIZED = -32010
"""JSON-RPC code of the 401 body (the implementation-defined band -32000..-32019; the SDK
keeps -32000 and -32001 for itself)."""
MAX_DEPTH = 64
"""Deepest nesting of an incoming message (a document is at most 32 deep, plus the
envelope)."""

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# The request id, read from the head of a message that cannot be parsed (too large, too
# deep), so the client can match the error to its request: JSON-RPC clients (the TypeScript
# SDK included) write jsonrpc, id and method before params.
_HEAD_ID = re.compile(rb'"id"\s*:\s*(-?[0-9]{1,15}(?![0-9.eE])|"(?:[^"\\]|\\.){0,256}")')


class Refused(Exception):
    """An incoming message refused with JSON-RPC error *code* (and the request's id if known)."""

    def __init__(self, code: int, message: str, request_id: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.request_id = request_id

    def response(self) -> types.JSONRPCError:
        return types.JSONRPCError(
            jsonrpc="2.0",
            id=self.request_id,
            error=types.ErrorData(code=self.code, message=self.message),
        )

    def body(self) -> bytes:
        return self.response().model_dump_json(by_alias=True).encode()


def _head_id(raw: bytes) -> Any:
    head = raw[:4096]
    params = head.find(b'"params"')
    if params >= 0:
        head = head[:params]
    match = _HEAD_ID.search(head)
    if match is None:
        return None
    try:
        return json.loads(match[1])
    except ValueError:
        return None


def _deeper_than(value: Any, limit: int) -> bool:
    """Is parsed JSON *value* nested more than *limit* levels (``{}`` is 1)? Iterative."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        if depth > limit:
            return True
        stack.extend((c, depth + 1) for c in children if isinstance(c, dict | list))
    return False


class MessageGuard:
    """The checks every incoming message passes, on every transport (see the module doc)."""

    def __init__(self, *, max_bytes: int = MAX_MESSAGE_BYTES, max_depth: int = MAX_DEPTH):
        self.max_bytes = max_bytes
        self.max_depth = max_depth

    def too_large(self, head: bytes) -> Refused:
        return Refused(
            types.INVALID_REQUEST,
            f"message too large: more than {self.max_bytes} bytes (beamline mcp "
            "--max-message-bytes)",
            _head_id(head),
        )

    def too_deep(self, head: bytes) -> Refused:
        return Refused(
            types.INVALID_REQUEST,
            f"message nested too deeply: more than {self.max_depth} levels",
            _head_id(head),
        )

    def check(self, raw: bytes) -> None:
        """Return if *raw* is an acceptable message, else raise :class:`Refused`."""
        if len(raw) > self.max_bytes:
            raise self.too_large(raw)
        try:
            # The C decoder stops at the interpreter's recursion limit (RecursionError, no
            # crash); anything shallower is measured below.
            value = json.loads(raw.decode("utf-8"))  # UTF-8 only (json would guess UTF-16/32)
        except RecursionError:
            raise self.too_deep(raw) from None
        except ValueError as exc:  # UnicodeDecodeError included
            raise Refused(types.PARSE_ERROR, f"parse error: {exc}", _head_id(raw)) from None
        if isinstance(value, dict | list) and _deeper_than(value, self.max_depth):
            raise self.too_deep(raw)
        request_id = value.get("id") if isinstance(value, dict) else None
        valid_id = isinstance(request_id, int | str) and not isinstance(request_id, bool)
        if not valid_id:
            request_id = None
        if not isinstance(value, dict):
            kind = "a batch (array)" if isinstance(value, list) else type(value).__name__
            raise Refused(
                types.INVALID_REQUEST,
                f"invalid request: a JSON-RPC message is an object, not {kind}",
            )
        if "method" in value and "id" in value and not valid_id:
            # (the SDK would take it for a notification and never answer)
            raise Refused(
                types.INVALID_REQUEST, "invalid request: id must be a string or an integer"
            )
        if (  # the common case, a request or notification, without a second validation
            value.get("jsonrpc") == "2.0"
            and isinstance(value.get("method"), str)
            and isinstance(value.get("params", {}), dict)
            and (valid_id or "id" not in value)
        ):
            return
        try:
            types.jsonrpc_message_adapter.validate_python(value, by_name=False)
        except ValidationError:
            raise Refused(
                types.INVALID_REQUEST, f"invalid request: {_what_is_wrong(value)}", request_id
            ) from None


def _what_is_wrong(value: dict[str, Any]) -> str:
    """Why *value* (an object) is not a JSON-RPC 2.0 message, in one phrase."""
    if value.get("jsonrpc") != "2.0":
        return 'jsonrpc must be "2.0"'
    if "method" in value:
        if not isinstance(value["method"], str):
            return "method must be a string"
        if "params" in value and not isinstance(value["params"], dict | None):
            return "params must be an object"
        return "id must be a string or an integer"
    if "result" in value or "error" in value:
        return "a response needs an id, and a result object or an error object"
    return "no method (a request or notification needs one)"


# ---- stdio --------------------------------------------------------------------------------


class _GuardedLines:
    """stdin as the SDK's stdio transport reads it (text lines), screened by the guard.

    Lines are read as bytes, at most ``max_bytes + 1`` at a time (an oversized line is
    consumed to its end but never held). A refused line is answered here, through the
    transport's own writer (so responses never interleave), and not passed on.
    """

    def __init__(self, stream: BinaryIO, guard: MessageGuard) -> None:
        self.stream = stream
        self.guard = guard
        self.write: Any = None  # the transport's write stream, set once it exists
        self.ready = anyio.Event()

    async def _answer(self, refused: Refused) -> None:
        await self.ready.wait()
        log.info("refused an incoming message: %s", refused.message)
        await self.write.send(SessionMessage(refused.response()))

    async def _read_line(self) -> tuple[bytes, bool]:
        """The next line (without its end) and whether it was too large; b'' at EOF."""
        limit = self.guard.max_bytes + 1
        line = await anyio.to_thread.run_sync(self.stream.readline, limit)
        if len(line) < limit or line.endswith(b"\n"):
            return line, False
        head = line
        while line and not line.endswith(b"\n"):  # skip the rest of the oversized line
            line = await anyio.to_thread.run_sync(self.stream.readline, 1 << 20)
        return head, True

    async def __aiter__(self) -> AsyncIterator[str]:
        while True:
            line, too_large = await self._read_line()
            if not line:
                return
            if too_large:
                await self._answer(self.guard.too_large(line))
                continue
            line = line.rstrip(b"\r\n")
            if not line.strip():
                continue
            try:
                self.guard.check(line)
            except Refused as refused:
                await self._answer(refused)
                continue
            yield line.decode("utf-8")


async def _stdio(app: BeamlineMcp, guard: MessageGuard) -> None:
    server = app.build()
    lines = _GuardedLines(sys.stdin.buffer, guard)
    async with stdio_server(stdin=cast(Any, lines)) as (read_stream, write_stream):
        lines.write = write_stream
        lines.ready.set()
        await server.run(read_stream, write_stream, server.create_initialization_options())


def serve_stdio(app: BeamlineMcp, *, guard: MessageGuard | None = None) -> None:
    """Serve one client over stdin/stdout until it closes stdin."""
    try:
        anyio.run(_stdio, app, guard or MessageGuard())
    finally:
        app.close()


# ---- HTTP ---------------------------------------------------------------------------------


class HttpGuard:
    """ASGI middleware in front of the SDK's streamable HTTP app: bearer token on every
    request (401 without, constant-time compare), then the message checks on every POST body
    (413 / 400 with a JSON-RPC error). Lifespan events pass through."""

    def __init__(self, app: ASGIApp, *, token: str, guard: MessageGuard | None = None) -> None:
        self.app = app
        self.expected = f"Bearer {token}".encode()
        self.guard = guard or MessageGuard()

    def _authorized(self, scope: Scope) -> bool:
        given = b""
        for name, value in scope.get("headers", []):
            if name.lower() == b"authorization":
                given = value
        # compare_digest takes time independent of where the values differ.
        return hmac.compare_digest(given, self.expected)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if not self._authorized(scope):
            await _respond(
                send,
                401,
                Refused(UNAUTHORIZED, "unauthorized: send Authorization: Bearer <token>").body(),
                [(b"www-authenticate", b'Bearer realm="beamline-mcp"')],
            )
            return
        if scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.guard.max_bytes:
                await _respond(send, 413, self.guard.too_large(bytes(body)).body())
                return
        try:
            self.guard.check(bytes(body))
        except Refused as refused:
            log.info("refused an incoming message: %s", refused.message)
            await _respond(send, 400, refused.body())
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _respond(
    send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def serve_http(
    app: BeamlineMcp,
    *,
    token: str,
    host: str = "127.0.0.1",
    port: int = 8765,
    guard: MessageGuard | None = None,
) -> None:
    """Serve streamable HTTP at ``http://<host>:<port>/mcp`` (bearer *token*, DNS-rebinding
    protection on)."""
    import uvicorn

    guard = guard or MessageGuard()
    starlette_app = app.build().streamable_http_app(
        host=host, max_request_body_size=guard.max_bytes
    )
    asgi = HttpGuard(cast(ASGIApp, starlette_app), token=token, guard=guard)
    log.warning("beamline mcp: streamable HTTP on http://%s:%d/mcp", host, port)
    try:
        uvicorn.run(asgi, host=host, port=port, log_level="warning", log_config=None)
    finally:
        app.close()
