"""The JSON Schema engine's work budget through a real client connection (issue 15): a
put_policy whose validation needs more than the per-call budget raises BL040, which the client
maps to ``errors.ValidationBudgetExceeded`` with its JSON detail, and writes nothing; the
exponential schema of the issue validates quickly."""

from __future__ import annotations

import json
import time
from typing import Any

import psycopg
import pytest
from psycopg.types.json import Jsonb

from beamline_store import errors

from .test_policy_api import prepare_tenant


def counts(conn: psycopg.Connection[Any]) -> tuple[int, int]:
    row = conn.execute(
        "select (select count(*) from beamline.policies),"
        " (select count(*) from beamline.policy_audit_log)"
    ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def test_put_policy_over_the_budget_raises_bl040_and_writes_nothing(
    db_conn: psycopg.Connection[Any],
) -> None:
    prepare_tenant(db_conn)
    # 100 subschemas per item: registrable (the static cost per node is small) ...
    schema = {
        "type": "object",
        "properties": {"xs": {"items": {"allOf": [{"type": "integer"}] * 100}}},
    }
    db_conn.execute(
        "select beamline.register_schema('t1', 'policy/default', %s, 'alice')", [Jsonb(schema)]
    )
    before = counts(db_conn)
    # ... but 1,000 items of an invalid document need ~101,000 applications
    doc = {"xs": [0] * 999 + ["x"]}
    with pytest.raises(psycopg.Error) as caught:
        db_conn.execute("select beamline.put_policy('t1', 'p1', %s, 'alice')", [Jsonb(doc)])
    mapped = errors.from_database_error(caught.value)
    assert isinstance(mapped, errors.ValidationBudgetExceeded)
    assert json.loads(mapped.detail or "")["limit"] == "validation_steps"
    assert counts(db_conn) == before
    # the same document within the budget (fewer items) is a plain validation failure
    with pytest.raises(psycopg.Error) as caught:
        db_conn.execute(
            "select beamline.put_policy('t1', 'p1', %s, 'alice')", [Jsonb({"xs": [0, "x"]})]
        )
    assert isinstance(errors.from_database_error(caught.value), errors.ValidationFailed)


def test_exponential_ref_chain_is_polynomial(db_conn: psycopg.Connection[Any]) -> None:
    n = 40
    defs: dict[str, Any] = {
        f"a{i}": {"anyOf": [{"$ref": f"#/$defs/a{i + 1}"}, {"$ref": f"#/$defs/a{i + 1}"}]}
        for i in range(n)
    }
    defs[f"a{n}"] = {"type": "string"}
    schema = {"$defs": defs, "$ref": "#/$defs/a0"}
    start = time.perf_counter()
    row = db_conn.execute("select beamline.validate(%s, '1')", [Jsonb(schema)]).fetchone()
    elapsed = time.perf_counter() - start
    assert row is not None and [e["keyword"] for e in row[0]] == ["anyOf"]
    assert elapsed < 2.0  # generous: ~0.03-0.1 s; before the memo it ran for hours
