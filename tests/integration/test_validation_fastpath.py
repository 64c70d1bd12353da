"""The compiled fast path of beamline.validate (docs/VALIDATION.md, "Performance") against the
PL/pgSQL engine: the shipped schemas compile (stored at registration, keyed by checksum), and on
many generated near-misses of the policy document the fast path answers "valid" only when the
engine finds no error (and, for these schemas, whenever it finds none, so valid documents do not
fall back to the engine).
"""

from __future__ import annotations

import copy
import json
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg.types.json import Jsonb


@pytest.fixture(scope="module")
def conn(template_url: str) -> Any:
    with psycopg.connect(template_url, autocommit=True) as c:
        yield c


def schema(conn: psycopg.Connection[tuple[object, ...]], name: str) -> Any:
    row = conn.execute("select beamline_internal.schema_for(%s)", [name]).fetchone()
    assert row is not None
    return row[0]


def registered(conn: psycopg.Connection[tuple[object, ...]], sch: Any) -> str:
    """The checksum under which *sch* is registered (its stored fast path and prepared form)."""
    row = conn.execute(
        "select f.checksum from beamline.json_schema_fast f where f.checksum ="
        " pg_catalog.encode(pg_catalog.sha256("
        " pg_catalog.convert_to((%s::jsonb)::text, 'UTF8')), 'hex')"
        " and f.root is not null",
        [Jsonb(sch)],
    ).fetchone()
    assert row is not None, "the schema is not registered"
    return str(row[0])


def verdicts(
    conn: psycopg.Connection[tuple[object, ...]], sch: Any, docs: list[Any]
) -> list[tuple[bool | None, bool]]:
    """(fast path verdict, engine verdict) per document, for a registered schema."""
    rows = conn.execute(
        """select beamline_internal.jsonschema_fast_registered(f.checksum, null, t.d),
                  beamline_internal.jsonschema_run(f.root, f.ctx, t.d) = '[]'::jsonb
             from beamline.json_schema_fast f,
                  unnest(%(d)s::jsonb[]) with ordinality as t(d, n)
            where f.checksum = %(c)s
            order by t.n""",
        {"c": registered(conn, sch), "d": [Jsonb(d) for d in docs]},
    ).fetchall()
    return [(r[0], r[1]) for r in rows]  # type: ignore[misc]


@pytest.mark.parametrize("name", ["policy/default", "state/default"])
def test_shipped_schemas_compile(conn: psycopg.Connection[tuple[object, ...]], name: str) -> None:
    checksum = registered(conn, schema(conn, name))
    row = conn.execute(
        "select f.predicate::text, f.ctx from beamline.json_schema_fast f where f.checksum = %s",
        [checksum],
    ).fetchone()
    assert row is not None and row[0] is not None
    assert str(row[0]).startswith("strict ")
    assert row[1] == {"f": True}  # the shipped schemas opt in to format assertion


def policy(n_providers: int = 5, n_rules: int = 20) -> dict[str, Any]:
    return {
        "providers": [{"id": f"provider-{i}", "weight": 20} for i in range(n_providers)],
        "rules": [
            {"id": f"r{i}", "match": {"model": f"gpt-{i}*"}, "route": [f"provider-{i % 5}"]}
            for i in range(n_rules)
        ],
        "fallback": {"provider": "provider-0"},
    }


ID64 = "a" * 64
# (JSON pointer-ish location as a list of keys, replacement value); None deletes the member
MUTATIONS: list[tuple[list[Any], Any]] = [
    (["providers", 0, "weight"], 1.0),
    (["providers", 0, "weight"], 1.5),
    (["providers", 0, "weight"], 100),
    (["providers", 0, "weight"], 101),
    (["providers", 0, "weight"], -1),
    (["providers", 0, "weight"], "20"),
    (["providers", 0, "weight"], [20]),
    (["providers", 0, "weight"], None),
    (["providers", 0, "id"], ID64),
    (["providers", 0, "id"], ID64 + "a"),
    (["providers", 0, "id"], "é"),
    (["providers", 0, "id"], "a\nb"),
    (["providers", 0, "id"], "a" + "é" * 63),
    (["providers", 0, "id"], "a" + "é" * 64),
    (["providers", 0, "id"], ["provider-0"]),
    (["providers", 0, "extra"], 1),
    (["providers", 0, "enabled"], "true"),
    (["providers", 0, "endpoint"], ""),
    (["providers", 0, "endpoint"], "x" * 2048),
    (["providers", 0, "endpoint"], "x" * 2049),
    (["providers", 0, "endpoint"], "😀" * 2048),
    (["providers", 0, "timeout_ms"], 600000.0),
    (["providers", 0, "timeout_ms"], 600001),
    (["providers", 0, "metadata"], []),
    (["providers"], []),
    (["providers"], [[{"id": "p", "weight": 1}]]),
    (["providers"], {"id": "p", "weight": 1}),
    (["rules", 0, "route"], []),
    (["rules", 0, "route"], "provider-0"),
    (["rules", 0, "route"], [["provider-0"]]),
    (["rules", 0, "match"], {"model": ["a", "b"]}),
    (["rules", 0, "match"], {"model": []}),
    (["rules", 0, "match"], {"model": [["a"]]}),
    (["rules", 0, "match"], {"model": "x" * 256}),
    (["rules", 0, "match"], {"model": "x" * 257}),
    (["rules", 0, "match"], {"model": ["é" * 256]}),
    (["rules", 0, "match"], {"model": ["é" * 257]}),
    (["rules", 0, "match"], {"9model": "a"}),
    (["rules", 0, "match"], {"_m.x-y": "a"}),
    (["rules", 0, "match"], {"model": 1}),
    (["rules", 0, "match"], {}),
    (["rules", 0, "match"], []),
    (["rules", 0, "priority"], 1000000),
    (["rules", 0, "priority"], 1000000.5),
    (["rules", 0, "description"], "d" * 1024),
    (["rules", 0, "description"], "d" * 1025),
    (["rules", 0, "id"], None),
    (["rules"], {}),
    (["fallback", "status"], 599),
    (["fallback", "status"], 600),
    (["fallback"], None),
    (["fallback", "provider"], None),
    (["metadata"], {"anything": [1, {"a": None}]}),
    (["metadata"], "x"),
    (["extra"], None),
    (["extra"], 1),
]


def mutate(doc: Any, where: list[Any], value: Any) -> Any:
    out = copy.deepcopy(doc)
    node = out
    for step in where[:-1]:
        node = node[step]
    if value is None and isinstance(node, dict):
        node.pop(where[-1], None)
    else:
        node[where[-1]] = value
    return out


def test_policy_near_misses(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    sch = schema(conn, "policy/default")
    docs = [policy(), policy(1, 0), [policy()], "x", None, {}]
    docs += [mutate(policy(), w, v) for w, v in MUTATIONS]
    for doc, (fast, engine) in zip(docs, verdicts(conn, sch, docs), strict=True):
        # exact: the fast path says valid exactly when the engine does
        assert fast == engine, json.dumps(doc)[:300]


values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-2, 700000),
        st.sampled_from([1.0, 1.5, 100.0, 0.5]),
        st.text(alphabet="aZ9._:-é😀\n ", max_size=70),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(
            st.sampled_from(["id", "weight", "model", "route", "match", "x", "provider"]),
            inner,
            max_size=3,
        ),
    ),
    max_leaves=6,
)
paths = st.sampled_from([w for w, _ in MUTATIONS])


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(changes=st.lists(st.tuples(paths, values), min_size=1, max_size=3))
def test_policy_generated_mutations(
    conn: psycopg.Connection[tuple[object, ...]], changes: list[tuple[list[Any], Any]]
) -> None:
    sch = schema(conn, "policy/default")
    doc: Any = policy(3, 3)
    for where, value in changes:
        try:
            doc = mutate(doc, where, value)
        except (KeyError, IndexError, TypeError):
            continue
    [(fast, engine)] = verdicts(conn, sch, [doc])
    assert fast == engine, json.dumps(doc)[:300]


def test_state_documents(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    sch = schema(conn, "state/default")
    cp = {"title": "t", "status": "done", "files": ["a", "b"], "created_at": "2024-02-29T10:00:00Z"}
    base = {"version": 1, "current_checkpoint": None, "checkpoints": {"c1": cp}}
    docs = [
        base,
        {**base, "version": 1.0},
        {**base, "version": 2},
        {**base, "current_checkpoint": "c1"},
        {**base, "current_checkpoint": ""},
        {**base, "checkpoints": {"c1": {**cp, "files": ["a", "a"]}}},
        {**base, "checkpoints": {"c1": {**cp, "created_at": "2023-02-29T10:00:00Z"}}},
        {**base, "checkpoints": {"c1": {**cp, "status": "nope"}}},
        {**base, "checkpoints": {"c1": {**cp, "notes": "n" * 65537}}},
        {**base, "checkpoints": {"c1": {**cp, "extra": 1}}},
        {**base, "checkpoints": {"-bad": cp}},
        {**base, "extra": 1},
    ]
    got = verdicts(conn, sch, docs)
    for doc, (fast, engine) in zip(docs, got, strict=True):
        assert fast == engine, json.dumps(doc)[:300]
    assert got[0] == (True, True)


def test_validate_uses_the_fast_path(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    """A valid policy is proved valid by the stored fast path alone (validate then returns [])."""
    sch = schema(conn, "policy/default")
    row = conn.execute(
        "select beamline.validate(%s, %s),"
        " beamline_internal.jsonschema_fast_registered(%s, null, %s)",
        [Jsonb(sch), Jsonb(policy()), registered(conn, sch), Jsonb(policy())],
    ).fetchone()
    assert row is not None and row[0] == []
    assert row[1] is True
