"""Cross-check of the PL/pgSQL JSON Schema engine (beamline.validate) against the `jsonschema`
package on generated schema/document pairs built from the draft 2020-12 keywords, including
dependentSchemas, unevaluatedProperties/unevaluatedItems (with the in-place applicators whose
annotations they read), $anchor, $dynamicRef/$dynamicAnchor, embedded resources ($id) and the
annotation-only content and format keywords (the package, like the engine by default, treats
format as an annotation).

The two must agree on valid/invalid for every pair. Generated numbers avoid the cases where
Python's binary floating point is wrong (multipleOf with a divisor such as 0.1 that has no exact
binary form): there the engine follows the specification's exact decimal semantics, and
`test_multipleof_exact_decimal_semantics` names those cases (docs/VALIDATION.md lists them too).

Speed: each Hypothesis example is a batch of pairs checked in ONE SQL round trip.
"""

from __future__ import annotations

import json
import os
from typing import Any

import jsonschema
import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg.types.json import Jsonb

# Hypothesis examples (each 1-4 pairs): >= 2,000 in the default run
EXAMPLES = int(os.environ.get("BEAMLINE_CROSSCHECK_EXAMPLES", "2000"))

# -- documents: small value domains so that generated constraints are hit both ways --------
KEYS = ["a", "b", "c", "ab"]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-3, max_value=12),
    st.sampled_from([0.5, 1.0, 1.5, 2.5, 0.25, 0.75, -1.5, 3.0]),
    st.text(alphabet="abé😀", max_size=4),
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.sampled_from(KEYS), inner, max_size=3),
    ),
    max_leaves=8,
)

# -- schemas ---------------------------------------------------------------------------------
TYPES = ["null", "boolean", "object", "array", "number", "string", "integer"]
PATTERNS = ["^a", "b$", "^[ab]*$", "a+", "^$", "ab|ba", "^(a|é)+$", "[0-9]"]
small = st.integers(min_value=0, max_value=3)
numbers = st.sampled_from([-1, 0, 1, 2, 3, 0.5, 1.5, 2.5])
divisors = st.sampled_from([1, 2, 3, 0.5, 0.25, 1.5])


def keywords(sub: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """One supported keyword (with a valid value), subschemas drawn from *sub*."""
    return st.one_of(
        st.builds(lambda t: {"type": t}, st.sampled_from(TYPES)),
        st.builds(
            lambda ts: {"type": ts},
            st.lists(st.sampled_from(TYPES), min_size=1, max_size=3, unique=True),
        ),
        st.builds(lambda v: {"enum": v}, st.lists(scalars, min_size=1, max_size=3)),
        st.builds(lambda v: {"const": v}, documents),
        st.builds(
            lambda k, n: {k: n},
            st.sampled_from(["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"]),
            numbers,
        ),
        st.builds(lambda n: {"multipleOf": n}, divisors),
        st.builds(lambda k, n: {k: n}, st.sampled_from(["minLength", "maxLength"]), small),
        st.builds(lambda p: {"pattern": p}, st.sampled_from(PATTERNS)),
        st.builds(
            lambda r: {"required": r}, st.lists(st.sampled_from(KEYS), max_size=2, unique=True)
        ),
        st.builds(
            lambda p: {"properties": p}, st.dictionaries(st.sampled_from(KEYS), sub, max_size=2)
        ),
        st.builds(lambda p: {"additionalProperties": p}, sub),
        st.builds(lambda p, s: {"patternProperties": {p: s}}, st.sampled_from(PATTERNS), sub),
        st.builds(
            lambda p, s: {"properties": p, "additionalProperties": s},
            st.dictionaries(st.sampled_from(KEYS), sub, max_size=2),
            st.booleans(),
        ),
        st.builds(
            lambda p: {"propertyNames": p},
            st.sampled_from([{"maxLength": 1}, {"pattern": "^a"}, {"enum": ["a", "b"]}]),
        ),
        st.builds(
            lambda k, n: {k: n},
            st.sampled_from(["minProperties", "maxProperties", "minItems", "maxItems"]),
            small,
        ),
        st.builds(lambda s: {"items": s}, sub),
        st.builds(
            lambda p, s: {"prefixItems": p, "items": s},
            st.lists(sub, min_size=1, max_size=2),
            st.one_of(st.just(True), st.just(False), sub),
        ),
        st.builds(lambda u: {"uniqueItems": u}, st.booleans()),
        st.builds(lambda s: {"contains": s}, sub),
        st.builds(
            lambda s, lo, hi: {"contains": s, "minContains": lo, "maxContains": lo + hi},
            sub,
            small,
            small,
        ),
        st.builds(
            lambda k, s: {k: s},
            st.sampled_from(["allOf", "anyOf", "oneOf"]),
            st.lists(sub, min_size=1, max_size=3),
        ),
        st.builds(lambda s: {"not": s}, sub),
        st.builds(lambda i, t, e: {"if": i, "then": t, "else": e}, sub, sub, sub),
        st.builds(lambda i, t: {"if": i, "then": t}, sub, sub),
        st.builds(lambda d: {"dependentRequired": {d: ["a"]}}, st.sampled_from(KEYS)),
        st.just({"$ref": "#/$defs/pos"}),
        st.just({"$ref": "#/$defs/tree"}),
        # draft 2020-12 additions (issue 15)
        st.builds(lambda d, s: {"dependentSchemas": {d: s}}, st.sampled_from(KEYS), sub),
        st.builds(lambda s: {"unevaluatedProperties": s}, sub),
        st.builds(lambda s: {"unevaluatedItems": s}, sub),
        st.builds(
            lambda p, s: {"properties": p, "unevaluatedProperties": s},
            st.dictionaries(st.sampled_from(KEYS), sub, max_size=2),
            sub,
        ),
        st.builds(
            lambda k, subs, u: {k: subs, "unevaluatedProperties": u},
            st.sampled_from(["allOf", "anyOf", "oneOf"]),
            st.lists(
                st.dictionaries(st.sampled_from(KEYS), sub, min_size=1, max_size=2).map(
                    lambda p: {"properties": p}
                ),
                min_size=1,
                max_size=2,
            ),
            st.booleans(),
        ),
        st.builds(
            lambda p, c, u: {"prefixItems": p, "contains": c, "unevaluatedItems": u},
            st.lists(sub, max_size=2).map(lambda xs: xs or [True]),
            sub,
            st.booleans(),
        ),
        st.builds(
            lambda i, t, u: {"if": i, "then": t, "unevaluatedProperties": u},
            st.dictionaries(st.sampled_from(KEYS), sub, min_size=1, max_size=1).map(
                lambda p: {"properties": p}
            ),
            st.dictionaries(st.sampled_from(KEYS), sub, min_size=1, max_size=1).map(
                lambda p: {"properties": p}
            ),
            st.booleans(),
        ),
        st.just({"$ref": "#anc"}),
        st.just({"$dynamicRef": "#/$defs/pos"}),
        st.just({"$dynamicRef": "#dyn"}),
        st.just({"$ref": "https://ex.test/emb#/$defs/i"}),
        st.just({"$ref": "https://ex.test/emb#small"}),
        st.builds(lambda s: {"contentMediaType": "application/json", "contentSchema": s}, sub),
        st.builds(lambda f: {"format": f}, st.sampled_from(["date", "email", "uuid"])),
    )


def merged(parts: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for part in parts:
        out.update(part)
    return out


schemas = st.recursive(
    st.one_of(st.booleans(), st.just({})),
    lambda sub: st.lists(keywords(sub), min_size=1, max_size=3).map(merged),
    max_leaves=6,
)

DEFS = {
    "pos": {"type": "number", "exclusiveMinimum": 0},
    # recursive: a tree of objects whose "c" members are trees and whose leaves are strings
    "tree": {
        "anyOf": [
            {"type": "string"},
            {
                "type": "object",
                "properties": {"c": {"$ref": "#/$defs/tree"}},
                "additionalProperties": False,
            },
        ]
    },
    "anc": {"$anchor": "anc", "type": ["integer", "string"], "maxLength": 2},
    "dyn": {"$dynamicAnchor": "dyn", "minProperties": 1, "maxItems": 2},
    # an embedded resource with its own base URI, reached by absolute URI and anchor
    "emb": {
        "$id": "https://ex.test/emb",
        "$defs": {"i": {"type": "integer"}, "s": {"$anchor": "small", "maximum": 2}},
    },
}


def with_defs(schema: Any) -> Any:
    if isinstance(schema, dict) and "$defs" not in schema:
        return {**schema, "$defs": DEFS}
    return {"allOf": [schema], "$defs": DEFS}


pairs = st.tuples(schemas.map(with_defs), documents)


def engine_verdicts(
    conn: psycopg.Connection[tuple[object, ...]], batch: list[tuple[Any, Any]]
) -> list[bool]:
    row = conn.execute(
        """select pg_catalog.jsonb_agg(beamline.validate(t.s, t.d) = '[]'::jsonb order by t.n)
             from unnest(%s::jsonb[], %s::jsonb[]) with ordinality as t(s, d, n)""",
        [[Jsonb(s) for s, _ in batch], [Jsonb(d) for _, d in batch]],
    ).fetchone()
    assert row is not None
    verdicts = row[0]
    assert isinstance(verdicts, list)
    return [bool(v) for v in verdicts]


def python_verdict(schema: Any, doc: Any) -> bool:
    jsonschema.Draft202012Validator.check_schema(schema)
    return bool(jsonschema.Draft202012Validator(schema).is_valid(doc))


@pytest.fixture(scope="module")
def conn(template_url: str) -> Any:
    # beamline.validate writes nothing, so the migrated template can be read directly.
    with psycopg.connect(template_url, autocommit=True) as c:
        yield c


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
@given(batch=st.lists(pairs, min_size=1, max_size=4))
def test_engine_agrees_with_jsonschema(
    conn: psycopg.Connection[tuple[object, ...]], batch: list[tuple[Any, Any]]
) -> None:
    got = engine_verdicts(conn, batch)
    for (schema, doc), verdict in zip(batch, got, strict=True):
        expected = python_verdict(schema, doc)
        assert verdict == expected, (
            f"schema={json.dumps(schema)} doc={json.dumps(doc)} python={expected}"
        )


# Where the jsonschema package's binary floating point is wrong, the engine follows the
# specification (exact decimal arithmetic): e.g. 0.3 IS a multiple of 0.1.
FLOAT_CASES = [
    ({"multipleOf": 0.1}, 0.3),
    ({"multipleOf": 0.1}, 0.7),
    ({"multipleOf": 0.01}, 4.35),
    ({"multipleOf": 0.2}, 0.6),
]


@pytest.mark.parametrize(("schema", "doc"), FLOAT_CASES)
def test_multipleof_exact_decimal_semantics(
    conn: psycopg.Connection[tuple[object, ...]], schema: dict[str, Any], doc: float
) -> None:
    assert engine_verdicts(conn, [(schema, doc)]) == [True]
    # the Python package disagrees because e.g. 0.3 / 0.1 == 2.9999999999999996
    assert python_verdict(schema, doc) is False


def test_engine_rejects_true_non_multiples(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    batch: list[tuple[Any, Any]] = [({"multipleOf": 0.1}, 0.35), ({"multipleOf": 0.01}, 4.355)]
    assert engine_verdicts(conn, batch) == [False, False]
