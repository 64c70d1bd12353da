"""``beamline serve``: the reference HTTP policy API (issue 17; docs/HTTP.md, docs/openapi.yaml).

A Starlette application on one :class:`~beamline_store.async_store.AsyncStore`. It adds no rule:
every decision (RBAC, validation, quotas, versions) is the database's; this module maps HTTP to
AsyncStore calls and errors to RFC 9457 problem documents carrying the SQLSTATE.

Authentication: ``Authorization: Bearer <token>``; the tokens file maps each actor to its
token (or to ``sha256:<hex>`` of it). The actor of every call is the token's actor, never a
header or a parameter. Tokens are compared in constant time (SHA-256 digests compared with
``hmac.compare_digest``, every configured token checked). ``/healthz``, ``/readyz`` and
``/metrics`` need no token (they reveal no tenant data).

Optional extra: ``pip install beamline-store[http]`` (starlette, uvicorn, prometheus-client).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import yaml
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .async_store import AsyncStore
from .errors import (
    AlreadyExists,
    BadInput,
    BeamlineError,
    ConfigurationError,
    DatabaseUnavailable,
    LimitExceeded,
    LockConflict,
    NotFound,
    PermissionDenied,
    QuotaExceeded,
    ValidationFailed,
    VersionConflict,
)
from .models import Policy

__all__ = ["create_app", "load_tokens", "problem"]

PROBLEM = "application/problem+json"
_STATUS: tuple[tuple[type[BeamlineError], int], ...] = (
    (NotFound, 404),
    (PermissionDenied, 403),
    (VersionConflict, 409),
    (AlreadyExists, 409),
    (LockConflict, 409),
    (QuotaExceeded, 409),
    (ValidationFailed, 422),
    (BadInput, 400),
    (LimitExceeded, 413),
    (DatabaseUnavailable, 503),  # WriteOutcomeUnknown and ReadOnlyDatabase included
)
_MIN_TOKEN = 32


# -- authentication ----------------------------------------------------------------------------


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


def load_tokens(path: str | Path) -> list[tuple[bytes, str]]:
    """The tokens file: a YAML/JSON mapping ``actor: token`` (a token of at least 32 printable
    ASCII characters, or ``sha256:<64 hex>`` of one). Returns (digest, actor) pairs."""
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigurationError(f"tokens file {path}: {exc}") from None
    if isinstance(raw, dict) and isinstance(raw.get("tokens"), dict):
        raw = raw["tokens"]
    if not isinstance(raw, dict) or not raw:
        raise ConfigurationError(f"tokens file {path}: expected a mapping actor: token")
    out: list[tuple[bytes, str]] = []
    for actor, token in raw.items():
        if not isinstance(actor, str) or not isinstance(token, str):
            raise ConfigurationError(f"tokens file {path}: actor and token must be strings")
        if token.startswith("sha256:"):
            try:
                digest = bytes.fromhex(token[7:])
            except ValueError:
                digest = b""
            if len(digest) != 32:
                raise ConfigurationError(f"tokens file {path}: bad sha256 digest for {actor}")
        elif len(token) < _MIN_TOKEN or not token.isascii() or not token.isprintable():
            raise ConfigurationError(
                f"tokens file {path}: the token of {actor} must be at least {_MIN_TOKEN} "
                "printable ASCII characters"
            )
        else:
            digest = _digest(token)
        out.append((digest, actor))
    return out


def _authenticate(tokens: list[tuple[bytes, str]], header: str | None) -> str | None:
    """The actor of a ``Bearer`` token, or None. Every configured token is compared (constant
    time per comparison, no early exit), so timing does not tell which one nearly matched."""
    if not header or header[:7].lower() != "bearer ":
        return None
    offered = _digest(header[7:].strip())
    found: str | None = None
    for digest, actor in tokens:
        if hmac.compare_digest(digest, offered):
            found = actor
    return found


# -- responses ---------------------------------------------------------------------------------


def problem(
    status: int,
    title: str,
    detail: str | None = None,
    *,
    error: BeamlineError | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """An RFC 9457 problem document; *error* adds its class, SQLSTATE, hint (and the list of
    validation errors of a ValidationFailed)."""
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if error is not None:
        name = type(error).__name__
        body["type"] = f"https://beamline-store.dev/problems/{name}"
        body["title"] = name
        body["detail"] = error.message
        body["sqlstate"] = error.sqlstate
        if error.hint:
            body["hint"] = error.hint
        details = error.detail_json
        if isinstance(error, ValidationFailed) and isinstance(details, list):
            body["errors"] = details
        elif details is not None:
            body["details"] = details
    return Response(
        json.dumps(body, default=str), status_code=status, media_type=PROBLEM, headers=headers
    )


def _error_response(exc: BeamlineError) -> Response:
    for cls, status in _STATUS:
        if isinstance(exc, cls):
            headers = {"Retry-After": "1"} if status == 503 else None
            return problem(status, cls.__name__, error=exc, headers=headers)
    return problem(500, "Internal Server Error", error=exc)


def _policy_body(policy: Policy) -> bytes:
    """:meth:`Policy.to_dict` as JSON, without re-parsing the document (the cached GET's hot
    path: the stored document text is spliced in as it is)."""
    meta = {
        "tenant_id": policy.tenant_id,
        "policy_id": policy.policy_id,
        "version": policy.version,
        "is_active": policy.is_active,
        "created_at": policy.created_at.isoformat() if policy.created_at else None,
        "updated_at": policy.updated_at.isoformat() if policy.updated_at else None,
        "created_by": policy.created_by,
        "updated_by": policy.updated_by,
    }
    return (json.dumps(meta)[:-1] + ', "data": ' + policy.data_json + "}").encode("utf-8")


def _policy_response(policy: Policy, status: int = 200) -> Response:
    return Response(
        _policy_body(policy),
        status_code=status,
        media_type="application/json",
        headers={"ETag": f'"{policy.version}"'},
    )


def _json(value: Any, status: int = 200) -> Response:
    return Response(
        json.dumps(value, default=str), status_code=status, media_type="application/json"
    )


class _BadRequest(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _int(request: Request, name: str, default: int | None = None) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise _BadRequest(f"query parameter {name} must be an integer") from None


def _version_tag(value: str | None) -> int | None:
    """``If-Match: "3"`` (or ``W/"3"``, or a bare 3) → 3; ``*`` → None (any version)."""
    if value is None or value.strip() == "*":
        return None
    tag = value.strip().removeprefix("W/").strip('"')
    try:
        return int(tag)
    except ValueError:
        raise _BadRequest("If-Match must be the policy's ETag (its version)") from None


# -- metrics -----------------------------------------------------------------------------------


class _StoreCollector:
    """The AsyncStore's own statistics (caches, degraded, pool) as Prometheus metrics."""

    def __init__(self, store: AsyncStore) -> None:
        self.store = store

    def collect(self) -> Iterator[Metric]:
        stats = self.store.stats()
        degraded = GaugeMetricFamily(
            "beamline_degraded", "1 while PostgreSQL is unreachable (cached reads answer)"
        )
        degraded.add_metric([], 1.0 if stats["degraded"] else 0.0)
        yield degraded
        hits = CounterMetricFamily("beamline_cache_hits", "cache hits", labels=["cache"])
        misses = CounterMetricFamily("beamline_cache_misses", "cache misses", labels=["cache"])
        stale = CounterMetricFamily(
            "beamline_cache_stale_hits", "stale entries served while degraded", labels=["cache"]
        )
        entries = GaugeMetricFamily("beamline_cache_entries", "cached entries", labels=["cache"])
        for name, c in stats["caches"].items():
            hits.add_metric([name], c.get("hits", 0))
            misses.add_metric([name], c.get("misses", 0))
            stale.add_metric([name], c.get("stale_hits", 0))
            entries.add_metric([name], c.get("entries", 0))
        yield from (hits, misses, stale, entries)
        pool = GaugeMetricFamily("beamline_pool", "database pool", labels=["what"])
        for key, value in stats["pool"].items():
            pool.add_metric([key], value)
        yield pool


# -- the application ---------------------------------------------------------------------------

Handler = Callable[[Request, str], Awaitable[Response]]


def create_app(
    store_factory: Callable[[], AsyncStore], tokens: list[tuple[bytes, str]]
) -> Starlette:
    """The HTTP API. *store_factory* makes the AsyncStore at startup (inside the server's
    event loop); it is closed at shutdown. *tokens*: :func:`load_tokens`."""
    registry = CollectorRegistry()
    latency = Histogram(
        "beamline_http_request_seconds",
        "HTTP request latency by route and status",
        ["route", "method", "status"],
        registry=registry,
        buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
    )
    holder: dict[str, AsyncStore] = {}

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> Any:
        store = store_factory()
        holder["store"] = store
        registry.register(_StoreCollector(store))
        try:
            yield
        finally:
            await store.aclose()

    def endpoint(route: str, *, auth: bool = True) -> Callable[[Handler], Any]:
        def wrap(handler: Handler) -> Any:
            async def run(request: Request) -> Response:
                start = time.perf_counter()
                try:
                    if auth:
                        actor = _authenticate(tokens, request.headers.get("authorization"))
                        if actor is None:
                            response = problem(
                                401,
                                "Unauthorized",
                                "a valid bearer token is required",
                                headers={"WWW-Authenticate": 'Bearer realm="beamline"'},
                            )
                        else:
                            response = await handler(request, actor)
                    else:
                        response = await handler(request, "")
                except BeamlineError as exc:
                    response = _error_response(exc)
                except _BadRequest as exc:
                    response = problem(400, "Bad Request", exc.message)
                latency.labels(route, request.method, str(response.status_code)).observe(
                    time.perf_counter() - start
                )
                return response

            return run

        return wrap

    def store() -> AsyncStore:
        return holder["store"]

    @endpoint("/healthz", auth=False)
    async def healthz(_request: Request, _actor: str) -> Response:
        return Response(b'{"status":"ok"}', media_type="application/json")

    @endpoint("/readyz", auth=False)
    async def readyz(_request: Request, _actor: str) -> Response:
        if store().degraded:
            return problem(
                503,
                "Service Unavailable",
                "PostgreSQL is unreachable: cached reads answer, misses and writes fail",
                headers={"Retry-After": "1"},
            )
        return _json({"status": "ready"})

    @endpoint("/metrics", auth=False)
    async def metrics(_request: Request, _actor: str) -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    @endpoint("/v1/tenants/{tenant}/policies")
    async def list_policies(request: Request, actor: str) -> Response:
        tenant = request.path_params["tenant"]
        raw_filter = request.query_params.get("filter")
        try:
            filters = json.loads(raw_filter) if raw_filter else None
        except ValueError:
            raise _BadRequest("filter must be a JSON object") from None
        page = await store().list_policies(
            tenant,
            actor=actor,
            filters=filters,
            limit=_int(request, "limit", 100) or 100,
            cursor=request.query_params.get("cursor"),
        )
        return _json({"items": [p.to_dict() for p in page.items], "next_cursor": page.next_cursor})

    @endpoint("/v1/tenants/{tenant}/policies/{policy_id}")
    async def policy(request: Request, actor: str) -> Response:
        tenant = request.path_params["tenant"]
        policy_id = request.path_params["policy_id"]
        s = store()
        if request.method == "GET":
            version = _int(request, "version")
            if version is None:
                hit = s.cached_policy(tenant, policy_id, actor)  # no await on the hit path
                if hit is not None:
                    return _policy_response(hit)
            got = await s.get_policy(tenant, policy_id, actor=actor, version=version)
            return _policy_response(got)
        if request.method == "PUT":
            body = await request.body()
            try:
                document = json.loads(body)
            except ValueError:
                raise _BadRequest("the body must be the policy document as JSON") from None
            if request.headers.get("if-none-match", "").strip() == "*":
                expected: int | None = 0  # create only
            else:
                expected = _version_tag(request.headers.get("if-match"))
            written = await s.put_policy(
                tenant, policy_id, document, actor=actor, expected_version=expected
            )
            return _policy_response(written, 201 if written.version == 1 else 200)
        # DELETE
        deleted = await s.delete_policy(tenant, policy_id, actor=actor)
        return _json(deleted.to_dict())

    @endpoint("/v1/tenants/{tenant}/policies/{policy_id}/activate")
    async def activate(request: Request, actor: str) -> Response:
        try:
            version = int((await request.json())["version"])
        except (ValueError, KeyError, TypeError):
            raise _BadRequest('the body must be {"version": <integer>}') from None
        p = request.path_params
        done = await store().activate_policy(p["tenant"], p["policy_id"], version, actor=actor)
        return _policy_response(done)

    @endpoint("/v1/tenants/{tenant}/policies/{policy_id}/deactivate")
    async def deactivate(request: Request, actor: str) -> Response:
        p = request.path_params
        done = await store().deactivate_policy(p["tenant"], p["policy_id"], actor=actor)
        return _json(done.to_dict())

    @endpoint("/v1/tenants/{tenant}/policies/{policy_id}/history")
    async def history(request: Request, actor: str) -> Response:
        p = request.path_params
        versions = await store().policy_history(p["tenant"], p["policy_id"], actor=actor)
        return _json({"items": [v.to_dict() for v in versions]})

    @endpoint("/v1/tenants/{tenant}/permissions/check")
    async def check(request: Request, actor: str) -> Response:
        user = request.query_params.get("user") or actor
        action = request.query_params.get("action")
        if not action:
            raise _BadRequest("query parameter action is required")
        tenant = request.path_params["tenant"]
        allowed = await store().check_permission(
            tenant, user, action, actor=None if user == actor else actor
        )
        return _json({"tenant": tenant, "user": user, "action": action, "allowed": allowed})

    @endpoint("/v1/tenants/{tenant}/audit")
    async def audit(request: Request, actor: str) -> Response:
        page = await store().get_audit_log(
            request.path_params["tenant"],
            actor=actor,
            policy_id=request.query_params.get("policy_id"),
            limit=_int(request, "limit", 100) or 100,
            cursor=request.query_params.get("cursor"),
        )
        return _json(
            {"items": [e.to_dict() for e in page.entries], "next_cursor": page.next_cursor}
        )

    routes = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
        Route("/v1/tenants/{tenant}/policies", list_policies, methods=["GET"]),
        Route(
            "/v1/tenants/{tenant}/policies/{policy_id}", policy, methods=["GET", "PUT", "DELETE"]
        ),
        Route("/v1/tenants/{tenant}/policies/{policy_id}/activate", activate, methods=["POST"]),
        Route("/v1/tenants/{tenant}/policies/{policy_id}/deactivate", deactivate, methods=["POST"]),
        Route("/v1/tenants/{tenant}/policies/{policy_id}/history", history, methods=["GET"]),
        Route("/v1/tenants/{tenant}/permissions/check", check, methods=["GET"]),
        Route("/v1/tenants/{tenant}/audit", audit, methods=["GET"]),
    ]
    return Starlette(routes=routes, lifespan=lifespan)
