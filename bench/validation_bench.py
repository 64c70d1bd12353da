"""Validation throughput: beamline.validate on the default policy document (5 providers,
20 rules) against the registered policy/default schema, on one connection.

Prints validations/s beside a bare ``select doc`` of the same document measured in the same run
(the machine is noisy, so only the ratio is comparable between runs). Goal (issue 3):
>= 5,000 validations/s. Uses the embedded database (``beamline db start``; migrates it) unless
DATABASE_URL is set.

    .venv/bin/python bench/validation_bench.py [--seconds 5]
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from beamline_store.config import load_settings
from beamline_store.database import resolve_dsn
from beamline_store.migrate import migrate


def policy_document() -> dict[str, Any]:
    providers = [{"id": f"provider-{i}", "weight": 20} for i in range(5)]
    rules = [
        {
            "id": f"r{i}",
            "match": {"model": f"gpt-{i}*"},
            "route": [f"provider-{i % 5}"],
            "priority": i,
        }
        for i in range(20)
    ]
    return {"providers": providers, "rules": rules, "fallback": {"provider": "provider-0"}}


def rate(
    conn: psycopg.Connection[tuple[object, ...]], query: str, params: list[object], seconds: float
) -> float:
    """Calls per second of *query* (prepared, one round trip each) over about *seconds*."""
    for _ in range(20):  # warm up: plan caches, the schema-check cache
        conn.execute(query, params, prepare=True).fetchone()
    count = 0
    start = time.perf_counter()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        for _ in range(50):
            conn.execute(query, params, prepare=True).fetchone()
        count += 50
    return count / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of each measurement")
    args = parser.parse_args()

    settings = load_settings()
    dsn = resolve_dsn(settings)
    migrate(dsn, settings)
    doc = Jsonb(policy_document())
    with psycopg.connect(dsn, autocommit=True) as conn:
        schema = conn.execute("select beamline_internal.schema_for('policy/default')").fetchone()
        assert schema is not None
        errors = conn.execute(
            "select beamline.validate(%s, %s)", [Jsonb(schema[0]), doc]
        ).fetchone()
        assert errors is not None and errors[0] == [], (
            f"the benchmark document must be valid: {errors}"
        )
        baseline = rate(conn, "select %s::jsonb", [doc], args.seconds)
        validate = rate(
            conn, "select beamline.validate(%s, %s)", [Jsonb(schema[0]), doc], args.seconds
        )
        # the server-side cost alone: N validations in one statement, no round trips
        n = 500
        start = time.perf_counter()
        conn.execute(
            "select pg_catalog.count(beamline.validate(%s,"
            " %s::jsonb || pg_catalog.jsonb_build_object('i', g) - 'i'))"
            " from pg_catalog.generate_series(1, %s) as g",
            [Jsonb(schema[0]), doc, n],
        ).fetchone()
        server = n / (time.perf_counter() - start)
        # the same schema plus a "$comment" is not registered: since migration 0070 nothing is
        # cached in session settings (a caller could forge them), so it is checked and prepared
        # on every call and validated by the engine alone (no fast path)
        adhoc = Jsonb({**schema[0], "$comment": "unregistered copy"})
        start = time.perf_counter()
        conn.execute(
            "select pg_catalog.count(beamline.validate(%s,"
            " %s::jsonb || pg_catalog.jsonb_build_object('i', g) - 'i'))"
            " from pg_catalog.generate_series(1, %s) as g",
            [adhoc, doc, n],
        ).fetchone()
        server_adhoc = n / (time.perf_counter() - start)
    print(f"bare select doc (baseline):   {baseline:10.0f} /s")
    print(
        f"beamline.validate round trip: {validate:10.0f} /s  ({validate / baseline:.3f} x baseline)"
    )
    print(f"beamline.validate in-server:  {server:10.0f} /s  (goal >= 5,000)")
    print(
        f"  unregistered schema copy:   {server_adhoc:10.0f} /s"
        "  (checked and prepared per call, engine only)"
    )


if __name__ == "__main__":
    main()
