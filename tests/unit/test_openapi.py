"""docs/openapi.yaml is true to the HTTP API that ships (issue 17): the same paths and methods
as the Starlette routes of beamline_store.httpapi, and a valid OpenAPI 3.1 document."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from starlette.routing import Route

from beamline_store.httpapi import create_app

SPEC = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"
METHODS = {"get", "put", "post", "delete", "patch"}


def test_openapi_paths_and_methods_match_the_routes() -> None:
    spec: dict[str, Any] = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    assert spec["openapi"].startswith("3.1")
    documented = {
        (path, method.upper())
        for path, item in spec["paths"].items()
        for method in item
        if method in METHODS
    }
    app = create_app(lambda: None, [])  # type: ignore[arg-type,return-value]
    shipped = {
        (route.path, method)
        for route in app.routes
        if isinstance(route, Route)
        for method in (route.methods or ())
        if method != "HEAD"
    }
    assert documented == shipped
