"""Random inputs against the API functions (issue 4, Bad input): >= 5,000 generated calls of
the policy, quota, change-log and RBAC/audit functions, with random ids (empty, long, quotes,
semicolons, unicode, NULL), random JSON of every type, and random integers. Every call either
succeeds or raises one of the documented BL SQLSTATEs (docs/ERRORS.md); anything else (a raw
22xxx, 23xxx, P0001, XX000 ...) fails the test.

NUL cannot be sent: PostgreSQL text cannot hold it (psycopg refuses client-side) and jsonb
rejects \\u0000 while parsing the argument, before any of our functions runs; so the
generated strings leave NUL out. One connection, autocommit, one statement per call."""

from __future__ import annotations

from typing import Any

import psycopg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg.types.json import Jsonb

from tests.integration.test_policy_api import DOC, prepare_tenant

DOCUMENTED = {f"BL{n:03d}" for n in range(1, 14)}
EXAMPLES = 5200

# (sql, argument kinds): t = text id, j = jsonb, i = integer, s = free text, w = watermark
CALLS: list[tuple[str, str]] = [
    ("select beamline.put_policy(%s, %s, %s, %s, %s::int)", "ttjti"),
    ("select beamline.get_policy(%s, %s, %s, %s::int)", "ttti"),
    ("select * from beamline.list_policies(%s, %s, %s, %s::int, %s)", "ttjis"),
    ("select beamline.delete_policy(%s, %s, %s)", "ttt"),
    ("select beamline.activate_policy(%s, %s, %s::int, %s)", "ttit"),
    ("select beamline.deactivate_policy(%s, %s, %s)", "ttt"),
    ("select count(*) from beamline.policy_history(%s, %s, %s)", "ttt"),
    ("select * from beamline.get_quota(%s, %s)", "tt"),
    ("select * from beamline.set_quota(%s, %s, %s::int, %s::int, %s::int)", "ttiii"),
    ("select * from beamline.get_usage(%s, %s)", "tt"),
    ("select * from beamline.changes_since(%s::bigint, %s::int)", "wi"),
    ("select beamline.check_permission(%s, %s, %s)", "tts"),
    ("select beamline.assign_role(%s, %s, %s, %s, %s)", "ttstj"),
    ("select beamline.revoke_role(%s, %s, %s)", "ttt"),
    ("select count(*) from beamline.get_user_roles(%s, %s, %s)", "ttt"),
    ("select beamline.log_action(%s, %s, %s, %s, %s)", "ttstj"),
    ("select beamline.log_action(%s, %s, %s)", "ttj"),
]

no_nul = st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",))
free_text = st.text(alphabet=no_nul, max_size=150)
ids = st.one_of(
    st.none(),
    st.sampled_from(["t1", "t2", "alice", "bob", "p1", "p2", "policy:read", "viewer", "admin"]),
    st.sampled_from(["", " ", "a'b", "a;b", 'a"b', "é", "名前", "x" * 65, "x" * 129, "-x", "a b"]),
    free_text,
)
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(alphabet=no_nul, max_size=20),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text(alphabet=no_nul, max_size=10), inner, max_size=4),
    ),
    max_leaves=10,
)
policy_like = st.fixed_dictionaries(
    {},
    optional={
        "providers": st.one_of(json_values, st.just(DOC["providers"])),
        "rules": st.one_of(json_values, st.just(DOC["rules"])),
        "fallback": st.one_of(json_values, st.just(DOC["fallback"])),
        "contains": json_values,
        "active": json_values,
        "updated_since": st.one_of(json_values, st.just("2020-01-01T00:00:00Z")),
    },
)
jsons = st.one_of(st.none(), json_values, policy_like, st.just(DOC))
ints = st.one_of(st.none(), st.integers(-3, 5), st.integers(-(2**31), 2**31 - 1))
watermarks = st.one_of(st.none(), st.integers(-5, 2**40))
KINDS = {
    "t": ids,
    "j": jsons,
    "i": ints,
    "s": st.one_of(st.none(), ids, free_text),
    "w": watermarks,
}


@st.composite
def api_calls(draw: st.DrawFn) -> tuple[str, list[Any]]:
    sql, kinds = draw(st.sampled_from(CALLS))
    args: list[Any] = []
    for kind in kinds:
        value = draw(KINDS[kind])
        args.append(Jsonb(value) if kind == "j" and value is not None else value)
    return sql, args


def test_random_api_calls_raise_only_documented_sqlstates(db_conn: psycopg.Connection[Any]) -> None:
    prepare_tenant(db_conn)
    db_conn.execute("select beamline.assign_role('t1', 'bob', 'viewer', 'alice')")
    db_conn.execute("select beamline.put_policy('t1', 'p1', %s, 'alice')", [Jsonb(DOC)])
    seen: dict[str, int] = {}

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(api_calls())
    def call(case: tuple[str, list[Any]]) -> None:
        sql, args = case
        try:
            db_conn.execute(sql, args)
            outcome = "ok"
        except psycopg.Error as exc:
            outcome = exc.sqlstate or "no sqlstate"
            assert outcome in DOCUMENTED, f"{sql} {args!r} raised {outcome}: {exc}"
        seen[outcome] = seen.get(outcome, 0) + 1

    call()
    assert sum(seen.values()) >= 5000
    assert {"ok", "BL001", "BL007"} <= set(seen), seen
