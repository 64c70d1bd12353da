"""Coherence core (beamline_store.coherence) with a fake clock: no database, no sleeping.

Cases: own writes are written through and their own signal skipped; another writer's signal
evicts; a signal arriving while the key's write is in flight waits for the write; grant and
quota changes evict their groups; an unknown kind flushes; a new server history forgets own
xids and flushes, and a write that started in the old history is neither remembered nor
written through; a flush refuses fills of loads that
started before it; the sweeper drops long-expired entries on the fake clock; the module does
not import psycopg.
"""

from __future__ import annotations

import ast
import inspect
from dataclasses import replace

from beamline_store import coherence as coherence_module
from beamline_store.coherence import Coherence
from beamline_store.config import Settings
from beamline_store.models import Change, Policy, Quota


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make(clock: Clock, **settings: object) -> Coherence:
    return Coherence(replace(Settings(), **settings), timer=clock, sweeper=False)  # type: ignore[arg-type]


def a_policy(version: int, *, active: bool = True) -> Policy:
    return Policy(
        tenant_id="t",
        policy_id="p",
        version=version,
        data_json='{"rules": []}',
        is_active=active,
        created_at=None,
        created_by="alice",
    )


def change(kind: str, key: str, xid: int | None = None) -> Change:
    return Change(kind=kind, tenant_id="t", object_id=key, xid=xid)


def test_own_write_is_written_through_and_its_own_signal_skipped() -> None:
    c = make(Clock())
    with c.writing(("t", "p")):
        generation = c.policies.generation()
        c.own_write(42)
        c.policy_written(a_policy(1), generation)
    assert c.policies.get(("t", "p")) == a_policy(1)
    assert c.apply_changes([change("policy", "p", xid=42)]) == 1
    assert ("t", "p") in c.policies  # its own signal left it in place
    c.apply_changes([change("policy", "p", xid=43)])  # another writer
    assert ("t", "p") not in c.policies


def test_a_signal_during_the_write_waits_for_the_write() -> None:
    c = make(Clock())
    with c.writing(("t", "p")):
        generation = c.policies.generation()
        c.apply_changes([change("policy", "p", xid=7)])  # another writer, deferred
        c.own_write(8)
        c.policy_written(a_policy(2), generation)
        assert ("t", "p") in c.policies
    assert ("t", "p") not in c.policies  # applied when the write returned


def test_a_new_server_history_forgets_own_xids_and_writes_that_straddle_it() -> None:
    c = make(Clock())
    c.own_write(42, c.history)
    assert c.policies.fill(("t", "q"), a_policy(1), c.policies.generation())
    c.new_history()
    assert ("t", "q") not in c.policies  # flushed
    assert c.policies.fill(("t", "p"), a_policy(1), c.policies.generation())
    c.apply_changes([change("policy", "p", xid=42)])  # xid 42 of the new history: not ours
    assert ("t", "p") not in c.policies
    with c.writing(("t", "p")):  # a write sent in one history, answered after the next began
        generation, history = c.policies.generation(), c.history
        c.new_history()
        c.own_write(43, history)
        c.policy_written(a_policy(5), generation)
    assert ("t", "p") not in c.policies  # the answer of a lost history is not written through
    assert c.policies.fill(("t", "p"), a_policy(1), c.policies.generation())
    c.apply_changes([change("policy", "p", xid=43)])
    assert ("t", "p") not in c.policies  # and its xid is not remembered


def test_grant_and_quota_changes_evict_their_groups_unknown_kinds_flush() -> None:
    c = make(Clock())
    g = c.rbac.generation()
    c.rbac.fill(("t", "bob", "policy:read"), True, g)
    c.rbac.fill(("t", "carol", "policy:read"), True, g)
    c.quotas.fill(
        ("t", "bob"),
        Quota(tenant_id="t", max_policies=1, max_rules_per_policy=1, max_providers_per_policy=1),
        c.quotas.generation(),
    )
    c.apply_changes([change("role", "bob")])
    assert ("t", "bob", "policy:read") not in c.rbac
    assert ("t", "carol", "policy:read") in c.rbac
    assert ("t", "bob") not in c.quotas
    c.apply_changes([change("something-new", "x")])
    assert len(c.rbac) == 0


def test_a_flush_refuses_fills_of_loads_that_started_before_it() -> None:
    c = make(Clock())
    generation = c.policies.generation()
    c.flush()
    assert c.policies.fill(("t", "p"), a_policy(1), generation) is False
    assert ("t", "p") not in c.policies


def test_sweep_on_the_fake_clock() -> None:
    clock = Clock()
    c = make(clock, ttl_policies=10.0, serve_stale_for=5.0)
    assert c.policies.fill(("t", "p"), a_policy(1), c.policies.generation())
    clock.now += 12  # expired, still inside serve-stale
    assert c.sweep() == 0
    clock.now += 4  # beyond ttl + serve_stale_for
    assert c.sweep() == 1
    assert c.counters()["policies"]["entries"] == 0


def test_the_coherence_core_does_not_import_psycopg() -> None:
    tree = ast.parse(inspect.getsource(coherence_module))
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not any(name.startswith("psycopg") for name in imported), imported
