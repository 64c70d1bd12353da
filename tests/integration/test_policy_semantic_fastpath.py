"""The fast path of put_policy's semantic checks (beamline_internal.policy_is_sound) against the
lister it stands in front of (beamline_internal.policy_semantic_errors): on hand-picked and
generated documents, "sound" is answered exactly when the lister finds no error. A TRUE for a
document with errors would store an unsound policy; a FALSE for a sound one would only be slow,
but the generated sound documents must take the fast path too, or the fast path is useless.
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

Conn = psycopg.Connection[tuple[object, ...]]


@pytest.fixture(scope="module")
def conn(template_url: str) -> Any:
    with psycopg.connect(template_url, autocommit=True) as c:
        yield c


def verdicts(conn: Conn, docs: list[Any]) -> list[tuple[bool, bool]]:
    """(fast path says sound, lister finds no error) per document."""
    rows = conn.execute(
        """select beamline_internal.policy_is_sound(t.d),
                  beamline_internal.policy_semantic_errors(t.d) = '[]'::jsonb
             from unnest(%s::jsonb[]) with ordinality as t(d, n)
            order by t.n""",
        [[Jsonb(d) for d in docs]],
    ).fetchall()
    return [(bool(r[0]), bool(r[1])) for r in rows]


def policy(n_providers: int = 3, n_rules: int = 3) -> dict[str, Any]:
    return {
        "providers": [{"id": f"p{i}", "weight": 10 * i} for i in range(n_providers)],
        "rules": [
            {"id": f"r{i}", "match": {"model": "m"}, "route": [f"p{(i + 1) % n_providers}"]}
            for i in range(n_rules)
        ],
        "fallback": {"provider": f"p{n_providers - 1}"},
    }


# (path as a list of keys, replacement value); None deletes the member
MUTATIONS: list[tuple[list[Any], Any]] = [
    (["providers"], None),
    (["providers"], []),
    (["providers"], {"id": "p0"}),
    (["providers"], [[{"id": "p0"}]]),
    (["providers"], "p0"),
    (["providers", 0], "p0"),
    (["providers", 0], [{"id": "p0"}]),
    (["providers", 0, "id"], None),
    (["providers", 0, "id"], ""),
    (["providers", 0, "id"], 7),
    (["providers", 0, "id"], ["p0"]),
    (["providers", 0, "id"], "p1"),
    (["providers", 0, "id"], "p0 "),
    (["providers", 0, "id"], 'é"\\\n'),
    (["providers", 0, "weight"], None),
    (["providers", 0, "weight"], 0),
    (["providers", 0, "weight"], 100),
    (["providers", 0, "weight"], 100.0001),
    (["providers", 0, "weight"], -0.5),
    (["providers", 0, "weight"], "5"),
    (["providers", 0, "weight"], [5]),
    (["providers", 0, "weight"], {"v": 5}),
    (["providers", 0, "weight"], True),
    (["providers", 1, "weight"], 0),
    (["providers", 2, "weight"], 0),
    (["rules"], None),
    (["rules"], []),
    (["rules"], {"id": "r0"}),
    (["rules"], [[{"id": "r0"}]]),
    (["rules", 0], "r0"),
    (["rules", 0, "id"], None),
    (["rules", 0, "id"], ""),
    (["rules", 0, "id"], "r1"),
    (["rules", 0, "id"], 1),
    (["rules", 0, "route"], None),
    (["rules", 0, "route"], []),
    (["rules", 0, "route"], "p0"),
    (["rules", 0, "route"], [["p0"]]),
    (["rules", 0, "route"], ["p0", "p0"]),
    (["rules", 0, "route"], ["p9"]),
    (["rules", 0, "route"], [1]),
    (["rules", 0, "route"], [None]),
    (["rules", 0, "route"], {"0": "p0"}),
    (["fallback"], None),
    (["fallback"], "p0"),
    (["fallback"], []),
    (["fallback"], [{"provider": "p0"}]),
    (["fallback", "provider"], None),
    (["fallback", "provider"], "p9"),
    (["fallback", "provider"], ["p0"]),
    (["fallback", "provider"], 0),
    (["fallback", "provider"], ""),
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


def test_hand_picked(conn: Conn) -> None:
    docs: list[Any] = [policy(), policy(1, 0), policy(3, 0), {}, [], "x", 1, None]
    docs += [mutate(policy(), w, v) for w, v in MUTATIONS]
    # JSON null inside the document, where SQL NULL and JSON null differ
    docs += [{"providers": None}, {"rules": None}, {"fallback": None}]
    docs += [{"fallback": {"provider": None}}, {"providers": [{"id": "a", "weight": None}]}]
    # routes and fallback with no providers at all
    docs += [{"rules": [{"id": "r", "route": ["a"]}]}, {"rules": [{"id": "r", "route": []}]}]
    docs += [{"fallback": {"provider": "a"}}, {"fallback": {}}]
    # a provider id and a rule id may be equal; duplicates later in long lists
    docs += [{"providers": [{"id": "x"}], "rules": [{"id": "x", "route": ["x"]}]}]
    docs += [policy(40, 60), mutate(policy(40, 60), ["rules", 59, "id"], "r3")]
    docs += [mutate(policy(40, 60), ["providers", 39, "id"], "p0")]
    # past the fast path's 100 ids: the lister decides, and still finds the documents sound
    big = policy(5, 150)
    results = verdicts(conn, [*docs, big])
    for doc, (fast, lister) in zip(docs, results[:-1], strict=True):
        assert fast == lister, json.dumps(doc)[:300]
    assert results[-1] == (False, True)
    # both outcomes are exercised
    assert {lister for _, lister in results} == {True, False}


keys = st.sampled_from(["id", "weight", "route", "provider", "providers", "rules", "x"])
values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-2, 102),
        st.sampled_from([0.5, 100.0, 100.5, -0.0]),
        st.sampled_from(["p0", "p1", "p2", "r0", "", "p9", "é"]),
    ),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(keys, inner, max_size=3)),
    max_leaves=6,
)
paths = st.sampled_from([w for w, _ in MUTATIONS])


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(changes=st.lists(st.tuples(paths, values), min_size=1, max_size=3))
def test_generated_mutations(conn: Conn, changes: list[tuple[list[Any], Any]]) -> None:
    doc: Any = policy()
    for where, value in changes:
        try:
            doc = mutate(doc, where, value)
        except (KeyError, IndexError, TypeError):
            continue  # the path no longer exists after an earlier change
    ((fast, lister),) = verdicts(conn, [doc])
    assert fast == lister, json.dumps(doc)[:300]


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    providers=st.lists(
        st.fixed_dictionaries(
            {"id": st.sampled_from(["a", "b", "c", "d"])},
            optional={"weight": st.sampled_from([0, 1, 50, 100])},
        ),
        max_size=4,
    ),
    rules=st.lists(
        st.fixed_dictionaries(
            {"id": st.sampled_from(["r", "s", "t"])},
            optional={"route": st.lists(st.sampled_from(["a", "b", "c", "d"]), max_size=3)},
        ),
        max_size=3,
    ),
    fallback=st.one_of(st.none(), st.sampled_from(["a", "b", "c", "d"])),
)
def test_generated_well_formed(
    conn: Conn, providers: list[Any], rules: list[Any], fallback: str | None
) -> None:
    """Documents of the right shape, where only ids, references and weights vary: the cases
    where a fast path is most tempted to cut corners (duplicates, dangling routes, no weight)."""
    doc: dict[str, Any] = {"providers": providers, "rules": rules}
    if fallback is not None:
        doc["fallback"] = {"provider": fallback}
    ((fast, lister),) = verdicts(conn, [doc])
    assert fast == lister, json.dumps(doc)
