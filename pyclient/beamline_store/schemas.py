"""The shipped JSON Schemas: ``docs/POLICY.schema.json`` and ``docs/STATE.schema.json``.

``beamline migrate`` registers them as the global versions of ``policy/default`` and
``state/default`` (``beamline_admin.register_default_schema``) after the SQL files, in the same
transaction, as the owner role. The database checks each schema (unsupported keyword or
malformed: BL010) and writes a new version only when the file changed, so a second migrate
changes nothing. Validation itself happens in PostgreSQL (``beamline.validate``); this module
only ships files.
"""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
from psycopg.types.json import Jsonb

from .config import Settings, sql_root

__all__ = ["DEFAULT_SCHEMAS", "default_schema_path", "load_default_schemas", "read_default_schema"]

# registry name -> file under docs/
DEFAULT_SCHEMAS: dict[str, str] = {
    "policy/default": "POLICY.schema.json",
    "state/default": "STATE.schema.json",
}


def default_schema_path(name: str, root: Path | None = None) -> Path:
    """The file shipping the default schema *name* (KeyError for an unknown name)."""
    return (root or sql_root()) / "docs" / DEFAULT_SCHEMAS[name]


def read_default_schema(name: str, root: Path | None = None) -> object:
    """The parsed JSON of the default schema *name*."""
    return json.loads(default_schema_path(name, root).read_text(encoding="utf-8"))


def load_default_schemas(conn: psycopg.Connection[tuple[object, ...]], settings: Settings) -> None:
    """Register every shipped schema as its global version (a migrate post-step)."""
    del settings  # the step signature is shared; the owner role is already set on *conn*
    for name in DEFAULT_SCHEMAS:
        conn.execute(
            "select beamline_admin.register_default_schema(%s, %s)",
            [name, Jsonb(read_default_schema(name))],
        )
    # prepared forms of registered schemas that have none (e.g. tenant overrides after an upgrade)
    conn.execute("select beamline_admin.rebuild_schema_cache()")
