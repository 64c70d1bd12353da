"""``beamline mcp``: the MCP server (official ``mcp`` SDK, low-level ``Server``).

Tools are the catalog of :mod:`.tools`, run through :class:`.backend.Backend` on ONE
:class:`beamline_store.store.Store` per server process acting as ``BEAMLINE_ACTOR``: however
many sessions and clients connect, the server holds at most the Store's pools plus its
listener connection. The MCP client's name (the ``clientInfo`` of its initialize request) is
given to each call (:data:`CALL_CLIENT`), and the Store names the connection serving that call
``beamline-mcp:<client>`` (``application_name``), which the audit triggers record in every
audit row's metadata.

Read-only mode offers only the tools with ``readOnlyHint`` and refuses the others. Policies and
the DevState document are also resources: ``beamline://policy/{tenant}/{policy_id}``
(``.../{version}``) and ``beamline://devstate/state``.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable
from contextvars import ContextVar
from datetime import datetime
from typing import Any, TypeVar

import anyio
import jsonschema
import mcp_types as types
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel.server import Server
from mcp.shared.exceptions import MCPError
from psycopg.conninfo import make_conninfo

from .. import __version__
from ..config import Settings
from ..database import resolve_dsn
from ..errors import ConfigurationError
from ..secrets import mask_text
from .backend import DEFAULT_ROOT, Backend, FileRoot, ToolStore
from .results import error_payload, error_result, jsonable, ok_result
from .tools import TOOLS, ToolSpec

__all__ = ["APP_NAME_PREFIX", "CALL_CLIENT", "BeamlineMcp", "StoreFactory", "application_name"]

log = logging.getLogger("beamline_store.mcp")

APP_NAME_PREFIX = "beamline-mcp"
# PostgreSQL truncates application_name to NAMEDATALEN-1 bytes and keeps printable ASCII only.
_APP_NAME_MAX = 63
_UNSAFE = re.compile(r"[^A-Za-z0-9._:@+/ -]")

T = TypeVar("T")

StoreFactory = Callable[[Settings, str, Callable[[], str | None]], ToolStore]
"""``(settings, conninfo, call_application_name) -> Store`` (called once per server)."""

CALL_CLIENT: ContextVar[str | None] = ContextVar("beamline_mcp_call_client", default=None)
"""The ``application_name`` (``beamline-mcp:<client>``) of the tool call running in this
context; set in the worker thread of each call, read by the Store at each connection use."""

INSTRUCTIONS = (
    "beamline-store: routing policies per tenant and the DevState document, stored in "
    "PostgreSQL. Every change goes through the database's stored logic: it is validated, "
    "checked against your actor's roles and the tenant's quotas, and audited. Read before you "
    "write (get_policy / get_state) and pass expected_version / expected_checksum so you never "
    "overwrite someone else's change. Errors name their class (ValidationFailed, "
    "PermissionDenied, QuotaExceeded, VersionConflict, NotFound, LockConflict, ...) and carry "
    "the database's detail."
)

STATE_URI = "beamline://devstate/state"
_POLICY_URI = re.compile(
    r"^beamline://policy/(?P<tenant>[^/]+)/(?P<policy_id>[^/]+)(?:/(?P<version>[0-9]+))?$"
)


FORMATS = jsonschema.FormatChecker(["uuid"])
"""The formats the input schemas use, checked (jsonschema checks none by default)."""


@FORMATS.checks("date-time", raises=ValueError)
def _is_date_time(value: object) -> bool:
    # An absolute ISO 8601 time with a zone. PostgreSQL would also take 'yesterday' or 'now'
    # (relative to the server's clock and zone), which an assistant should not send by accident.
    if not isinstance(value, str):
        return True
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError("no time zone (add Z or +hh:mm)")
    return True


def application_name(client_name: str | None) -> str:
    """``beamline-mcp:<client>`` made safe for PostgreSQL's ``application_name``."""
    name = APP_NAME_PREFIX
    if client_name:
        name += ":" + _UNSAFE.sub("_", client_name)
    return name[:_APP_NAME_MAX]


def _default_store_factory(
    settings: Settings, conninfo: str, call_application_name: Callable[[], str | None]
) -> ToolStore:
    from ..store import Store  # imported late: the MCP layer sits on top of the client

    return Store(
        settings,
        conninfo=conninfo,
        actor=settings.actor,
        application_name=APP_NAME_PREFIX,
        call_application_name=call_application_name,
    )


def _is_integer_schema(schema: Any) -> bool:
    return isinstance(schema, dict) and schema.get("type") == "integer"


class BeamlineMcp:
    """The server's state: settings, mode, file root, and the one Store of the process."""

    def __init__(
        self,
        settings: Settings,
        *,
        read_only: bool = False,
        store_factory: StoreFactory | None = None,
        root: str | None = None,
    ) -> None:
        if not settings.actor:
            raise ConfigurationError(
                "BEAMLINE_ACTOR is not set: the MCP server acts as (and audits under) that user; "
                "set it in the mcpServers env of your editor (docs/TRAE.md)"
            )
        self.settings = settings
        self.actor: str = settings.actor
        self.read_only = read_only
        self.tools: tuple[ToolSpec, ...] = tuple(t for t in TOOLS if t.read_only or not read_only)
        self._tools_by_name = {t.name: t for t in self.tools}
        self._validators = {
            t.name: jsonschema.Draft202012Validator(t.input_schema, format_checker=FORMATS)
            for t in self.tools
        }
        # Integer arguments: JSON has one number type, and 5.0 passes "type": "integer".
        self._integers = {
            t.name: {
                key
                for key, schema in t.input_schema.get("properties", {}).items()
                if _is_integer_schema(schema)
            }
            for t in self.tools
        }
        self.root = FileRoot(root or DEFAULT_ROOT)
        self._store_factory = store_factory or _default_store_factory
        self._backend: Backend | None = None
        self._lock = threading.Lock()
        self.secrets: list[str | None] = [settings.hmac_secret, _password(settings.database_url)]

    # ---- the store ------------------------------------------------------------------------
    @property
    def backend(self) -> Backend:
        """The backend on the process's one Store (opened on first use)."""
        with self._lock:
            if self._backend is None:
                dsn = make_conninfo(resolve_dsn(self.settings), application_name=APP_NAME_PREFIX)
                self.secrets.append(_password(dsn))
                store = self._store_factory(self.settings, dsn, CALL_CLIENT.get)
                self._backend = Backend(store, self.actor, root=self.root)
            return self._backend

    def run_as(self, client_name: str | None, call: Callable[[Backend], T]) -> T:
        """``call(backend)`` with *client_name*'s application_name for its connections (in a
        worker thread: the Store is synchronous)."""
        token = CALL_CLIENT.set(application_name(client_name))
        try:
            return call(self.backend)
        finally:
            CALL_CLIENT.reset(token)

    def close(self) -> None:
        with self._lock:
            backend, self._backend = self._backend, None
        if backend is not None:
            backend.store.close()

    # ---- MCP handlers ---------------------------------------------------------------------
    async def list_tools(
        self, ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(tools=[t.to_tool() for t in self.tools])

    async def call_tool(
        self, ctx: ServerRequestContext[Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        spec = self._tools_by_name.get(params.name)
        if spec is None:
            reason = (
                "is not available in read-only mode (beamline mcp --read-only)"
                if self.read_only and any(t.name == params.name for t in TOOLS)
                else "does not exist"
            )
            return error_result(
                {
                    "error": "UnknownTool",
                    "sqlstate": None,
                    "message": f"tool {params.name!r} {reason}",
                    "detail": None,
                    "hint": "list the tools with tools/list",
                },
                self.secrets,
            )
        arguments = dict(params.arguments or {})
        problems = [
            {"path": "/" + "/".join(str(p) for p in e.absolute_path), "message": e.message}
            for e in self._validators[spec.name].iter_errors(arguments)
        ]
        if problems:
            return error_result(
                {
                    "error": "InvalidArguments",
                    "sqlstate": None,
                    "message": f"the arguments of {spec.name} do not match its input schema",
                    "detail": problems,
                    "hint": None,
                },
                self.secrets,
            )
        for key in self._integers[spec.name] & arguments.keys():
            arguments[key] = int(arguments[key])  # bounded by the schema: never 1e300
        client = _client_name(ctx)
        try:
            # One worker-thread hop per call: the Store is synchronous (psycopg pool).
            result = await anyio.to_thread.run_sync(
                lambda: self.run_as(client, lambda b: b.call(spec.name, arguments))
            )
        except Exception as exc:  # every failure becomes a tool error, never a traceback
            payload = error_payload(exc)
            log.info("tool %s failed: %s: %s", spec.name, payload["error"], payload["message"])
            if payload["sqlstate"] is None and not _is_expected(exc):
                log.warning("tool %s: unexpected %s: %s", spec.name, type(exc).__name__, exc)
                log.debug("tool %s: traceback", spec.name, exc_info=exc)
            return error_result(payload, self.secrets)
        return ok_result(result, self.secrets)

    async def list_resources(
        self, ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListResourcesResult:
        return types.ListResourcesResult(
            resources=[
                types.Resource(
                    uri=STATE_URI,
                    name="devstate-state",
                    title="DevState document",
                    description="The DevState document (.trae/state.json) and its checksum.",
                    mime_type="application/json",
                )
            ]
        )

    async def list_resource_templates(
        self, ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListResourceTemplatesResult:
        return types.ListResourceTemplatesResult(
            resource_templates=[
                types.ResourceTemplate(
                    uri_template="beamline://policy/{tenant}/{policy_id}",
                    name="policy",
                    title="Active policy",
                    mime_type="application/json",
                    description="The active version of a tenant's policy (needs policy:read).",
                ),
                types.ResourceTemplate(
                    uri_template="beamline://policy/{tenant}/{policy_id}/{version}",
                    name="policy-version",
                    title="Policy version",
                    mime_type="application/json",
                    description="One version of a tenant's policy (needs policy:read).",
                ),
            ]
        )

    async def read_resource(
        self, ctx: ServerRequestContext[Any], params: types.ReadResourceRequestParams
    ) -> types.ReadResourceResult:
        uri = str(params.uri)
        client = _client_name(ctx)
        call: Callable[[Backend], dict[str, Any]]
        if uri == STATE_URI:
            call = Backend.get_state
        elif (m := _POLICY_URI.match(uri)) is not None and (
            not m["version"] or (len(m["version"]) <= 10 and int(m["version"]) <= 2**31 - 1)
        ):
            version = int(m["version"]) if m["version"] else None
            tenant, policy_id = m["tenant"], m["policy_id"]
            call = lambda b: b.get_policy(tenant, policy_id, version)  # noqa: E731
        else:
            raise MCPError(types.INVALID_PARAMS, f"unknown resource {uri!r}", {"uri": uri})
        try:
            value = await anyio.to_thread.run_sync(lambda: self.run_as(client, call))
        except Exception as exc:
            payload = error_payload(exc)
            text = mask_text(f"{payload['error']}: {payload['message']}", self.secrets)
            raise MCPError(
                types.INVALID_PARAMS, text, jsonable(_masked(payload, self.secrets))
            ) from None
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, indent=2)
        return types.ReadResourceResult(
            contents=[
                types.TextResourceContents(
                    uri=uri, mime_type="application/json", text=mask_text(text, self.secrets)
                )
            ]
        )

    def build(self) -> Server[Any]:
        """The SDK server with this object's handlers."""
        return Server(
            "beamline-store",
            version=__version__,
            title="beamline-store" + (" (read-only)" if self.read_only else ""),
            instructions=INSTRUCTIONS,
            on_list_tools=self.list_tools,
            on_call_tool=self.call_tool,
            on_list_resources=self.list_resources,
            on_list_resource_templates=self.list_resource_templates,
            on_read_resource=self.read_resource,
        )


def _client_name(ctx: ServerRequestContext[Any]) -> str | None:
    params = getattr(ctx.session, "client_params", None)
    info = getattr(params, "client_info", None)
    name = getattr(info, "name", None)
    return name if isinstance(name, str) and name else None


def _password(dsn: str | None) -> str | None:
    if not dsn:
        return None
    try:
        from psycopg.conninfo import conninfo_to_dict

        value = conninfo_to_dict(dsn).get("password")
    except Exception:
        return None
    return value if isinstance(value, str) else None


def _masked(payload: dict[str, Any], secrets: list[str | None]) -> dict[str, Any]:
    from .results import mask_value

    value: dict[str, Any] = mask_value(payload, secrets)
    return value


def _is_expected(exc: BaseException) -> bool:
    from ..errors import BeamlineError

    return isinstance(exc, BeamlineError)
