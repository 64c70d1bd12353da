"""Run the official JSON-Schema-Test-Suite (draft 2020-12, required tests) against
``beamline.validate`` and print pass / fail / unsupported per file.

    .venv/bin/python bench/jsonschema_suite.py --suite /path/to/JSON-Schema-Test-Suite [-v]

The suite is not part of this repository: point ``--suite`` at a checkout of
https://github.com/json-schema-org/JSON-Schema-Test-Suite. Everything runs in ONE transaction
that is rolled back, on the embedded database (``beamline db start``; migrated first) unless
DATABASE_URL is set; the connection must be able to call owner functions (the embedded
default's superuser can).

Remote references are never fetched: the suite's ``remotes/`` files (draft 2020-12 and the
top-level ones) are registered as global schemas first, and so are the draft 2020-12
meta-schemas shipped with the ``jsonschema`` package (``jsonschema_specifications``). Remote
references resolve only against registered schemas, by ``$id`` (docs/VALIDATION.md,
"References"). The registry has no separate retrieval URI, so the harness maps the suite's
(``http://localhost:1234/<path>``): a remote without ``$id`` gets it as ``$id``; a remote whose
``$id`` differs is registered as it is plus an alias ``{"$id": <retrieval URI>, "$ref": <its
$id>}``.

Outcomes per test case: ``pass`` (same verdict as the suite), ``fail`` (the opposite verdict:
a wrong answer), ``unsupported`` (the schema was refused with BL010), ``rejected`` (the
document cannot be stored in jsonb, e.g. ``\\u0000``: a PostgreSQL limit), ``error`` (any
other error, e.g. BL040).
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import psycopg
from psycopg.types.json import Jsonb

from beamline_store.config import load_settings
from beamline_store.database import resolve_dsn
from beamline_store.migrate import migrate

REMOTE_BASE = "http://localhost:1234/"
# remotes/ subdirectories written for other drafts (their schemas use other vocabularies)
OTHER_DRAFTS = {"draft3", "draft4", "draft6", "draft7", "draft2019-09", "draft-next", "v1"}


def remote_schemas(suite: Path) -> list[tuple[str, Any]]:
    """(retrieval URI, schema) of every remote the draft 2020-12 tests may reference, with the
    retrieval URI as "$id" (see the module docstring for remotes that have their own)."""
    found: list[tuple[str, Any]] = []
    root = suite / "remotes"
    for path in sorted(root.rglob("*.json")):
        rel = path.relative_to(root)
        if rel.parts[0] in OTHER_DRAFTS:
            continue
        uri = REMOTE_BASE + rel.as_posix()
        schema = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(schema, dict) or "$id" not in schema:
            found.append((uri, {"$id": uri, **schema} if isinstance(schema, dict) else schema))
            continue
        own = urljoin(uri, schema["$id"])
        found.append((own, schema))
        if own.rstrip("#") != uri:
            found.append((uri, {"$id": uri, "$ref": own}))
    return found


def meta_schemas() -> list[tuple[str, Any]]:
    """The draft 2020-12 meta-schema and its vocabularies, as shipped with `jsonschema`."""
    import jsonschema_specifications

    root = Path(jsonschema_specifications.__file__).parent / "schemas" / "draft202012"
    found = []
    for path in sorted(root.rglob("*")):
        if path.is_file():
            schema = json.loads(path.read_text(encoding="utf-8"))
            found.append((schema["$id"], schema))
    return found


def register(conn: psycopg.Connection[Any], schemas: list[tuple[str, Any]]) -> list[str]:
    """Register every schema that the engine accepts (several passes: a schema referencing
    another one registers once that one is in). Returns the URIs left unregistered."""
    pending = list(schemas)
    while pending:
        left = []
        for uri, schema in pending:
            name = "suite/" + re.sub(r"[^a-z0-9._-]+", "-", uri.lower()).strip("-.")[:100]
            try:
                with conn.transaction():
                    conn.execute(
                        "select beamline_admin.register_default_schema(%s, %s)",
                        [name, Jsonb(schema)],
                    )
            except psycopg.Error:
                left.append((uri, schema))
        if len(left) == len(pending):
            break
        pending = left
    return [uri for uri, _ in pending]


def run_case(conn: psycopg.Connection[Any], schema: Any, data: Any) -> tuple[str, object]:
    """('valid' | 'invalid' | 'unsupported' | 'rejected' | 'error', detail)."""
    try:
        with conn.transaction():
            row = conn.execute(
                "select beamline.validate(%s, %s)", [Jsonb(schema), Jsonb(data)]
            ).fetchone()
    except psycopg.errors.UntranslatableCharacter as exc:
        return "rejected", str(exc).splitlines()[0]
    except psycopg.Error as exc:
        code = exc.diag.sqlstate
        kind = "unsupported" if code == "BL010" else "error"
        return kind, f"{code}: {str(exc).splitlines()[0]}"
    assert row is not None
    return ("valid" if row[0] == [] else "invalid"), row[0]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--suite", required=True, type=Path, help="a JSON-Schema-Test-Suite checkout"
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="list every case that did not pass"
    )
    args = parser.parse_args()
    tests_dir = args.suite / "tests" / "draft2020-12"
    if not tests_dir.is_dir():
        parser.error(f"{tests_dir} is not a directory")

    settings = load_settings()
    dsn = resolve_dsn(settings)
    migrate(dsn, settings)
    totals: Counter[str] = Counter()
    with psycopg.connect(dsn) as conn, conn.transaction(force_rollback=True):
        unregistered = register(conn, meta_schemas() + remote_schemas(args.suite))
        print(
            f"{'file':<32} {'cases':>6} {'pass':>6} {'fail':>6}"
            f" {'unsup':>6} {'reject':>6} {'error':>6}"
        )
        for path in sorted(tests_dir.glob("*.json")):
            counts: Counter[str] = Counter()
            for group in json.loads(path.read_text(encoding="utf-8")):
                for case in group["tests"]:
                    verdict, detail = run_case(conn, group["schema"], case["data"])
                    if verdict in ("valid", "invalid"):
                        outcome = "pass" if (verdict == "valid") == case["valid"] else "fail"
                    else:
                        outcome = verdict
                    counts[outcome] += 1
                    if outcome != "pass" and args.verbose:
                        print(
                            f"  {outcome:<11} {path.name}: {group['description']}"
                            f" / {case['description']}: {detail}"
                        )
            totals.update(counts)
            print(
                f"{path.name:<32} {sum(counts.values()):>6} {counts['pass']:>6} {counts['fail']:>6}"
                f" {counts['unsupported']:>6} {counts['rejected']:>6} {counts['error']:>6}"
            )
    print(
        f"{'TOTAL':<32} {sum(totals.values()):>6} {totals['pass']:>6} {totals['fail']:>6}"
        f" {totals['unsupported']:>6} {totals['rejected']:>6} {totals['error']:>6}"
    )
    if unregistered:
        print(
            f"remotes the engine refused to register ({len(unregistered)}):"
            f" {', '.join(unregistered)}"
        )


if __name__ == "__main__":
    main()
