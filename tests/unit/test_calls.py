"""The calls of beamline_store.calls, fed by hand (no database, no client): what each call asks
for, how it shapes rows and what it does to the coherence core. Both clients only carry these
requests, so these rules hold for Store and AsyncStore alike.

Cases: put_policy asks PUT_POLICY with the document as JSON, remembers its xid with the server
history and writes the new version through; an error thrown into it (WriteOutcomeUnknown)
evicts the key and comes out unchanged; a get_policy miss with a cached permission goes
straight to the policy cache, without one it asks the rbac cache first; check_permission for
another user is one uncached statement; list_policies gives a cursor only for a full page;
the DevState calls ask their query with canonical JSON and return the first column; the module
does not do I/O (no psycopg connection, no client import).
"""

from __future__ import annotations

import ast
import inspect
from dataclasses import replace
from typing import Any

import pytest

from beamline_store import calls
from beamline_store.coherence import Coherence
from beamline_store.config import Settings
from beamline_store.devstate import calls as devstate_calls
from beamline_store.errors import WriteOutcomeUnknown
from beamline_store.models import Change, Policy


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def co() -> Coherence:
    return Coherence(replace(Settings()), timer=Clock(), sweeper=False)


def row(version: int, **extra: Any) -> dict[str, Any]:
    return {"tenant_id": "t", "policy_id": "p", "version": version, "is_active": True,
            "data": '{"a": 1}', **extra}  # fmt: skip


def finish(call: calls.Call[Any], answer: Any) -> Any:
    with pytest.raises(StopIteration) as stop:
        call.send(answer)
    return stop.value.value


def test_put_policy_writes_through_and_remembers_its_xid(co: Coherence) -> None:
    call = calls.put_policy(co, "t", "p", {"a": 1}, "alice", 3)
    request = next(call)
    assert isinstance(request, calls.Statement) and request.write
    assert request.name == "PUT_POLICY"
    assert request.params["expected_version"] == 3 and request.params["actor"] == "alice"
    assert request.params["data"].obj == {"a": 1}
    policy = finish(call, [row(4, write_xid=77)])
    assert isinstance(policy, Policy) and policy.version == 4 and "write_xid" not in policy.extra
    assert co.policies.get(("t", "p")) == policy  # written through
    co.apply_changes([Change(kind="policy", tenant_id="t", object_id="p", xid=77)])
    assert co.policies.get(("t", "p")) == policy  # its own signal is skipped


def test_a_write_whose_outcome_is_unknown_evicts_its_key(co: Coherence) -> None:
    first = calls.put_policy(co, "t", "p", {"a": 1}, "alice", None)
    next(first)
    finish(first, [row(1, write_xid=5)])
    assert isinstance(co.policies.get(("t", "p")), Policy)  # written through
    call = calls.put_policy(co, "t", "p", {"a": 2}, "alice", 1)
    next(call)
    with pytest.raises(WriteOutcomeUnknown):
        call.throw(WriteOutcomeUnknown("committed past its deadline"))
    assert not isinstance(co.policies.get(("t", "p")), Policy)


def test_a_get_policy_miss_asks_the_permission_first_unless_cached(co: Coherence) -> None:
    call = calls.read_policy(co, "t", "p", "alice")
    request = next(call)
    assert isinstance(request, calls.Cached) and request.cache is co.rbac
    assert request.key == ("t", "alice", calls.POLICY_READ)
    loader = request.load()
    decision = next(loader)
    assert decision.name == "PERMISSION_DECISION"
    assert finish(loader, [{"allowed": True, "valid_for": 30.0}]) == (True, 30.0)
    co.rbac.fill(request.key, True, co.rbac.generation())
    again = calls.read_policy(co, "t", "p", "alice")
    cached = next(again)  # the cached decision: straight to the policy cache
    assert isinstance(cached, calls.Cached) and cached.cache is co.policies


def test_a_permission_asked_for_another_user_is_one_uncached_statement(co: Coherence) -> None:
    call = calls.check_permission(co, "t", "bob", "policy:write", actor="alice")
    request = next(call)
    assert isinstance(request, calls.Statement) and request.name == "CHECK_PERMISSION"
    assert not request.write
    assert finish(call, [{"allowed": False}]) is False


@pytest.mark.parametrize(("rows", "cursor"), [(3, "c3"), (2, None), (0, None)])
def test_list_policies_gives_a_cursor_only_for_a_full_page(rows: int, cursor: str | None) -> None:
    call = calls.list_policies("t", "alice", None, 3, None)
    assert next(call).params["filters"].obj == {}
    page = finish(call, [row(i, next_cursor=f"c{i}") for i in range(1, rows + 1)])
    assert len(page.items) == rows and page.next_cursor == cursor


def test_devstate_calls_send_canonical_json_and_return_the_first_column() -> None:
    call = devstate_calls.update_state({"b": 1, "a": 2}, "alice", expected_checksum="x")
    request = next(call)
    assert isinstance(request, calls.DevState) and request.write
    assert request.params["patch"].dumps(request.params["patch"].obj) == '{"a":2,"b":1}'
    assert request.params["entry"] is None
    assert finish(call, [("checksum-1",)]) == "checksum-1"
    read = devstate_calls.get_state("alice")
    assert not next(read).write


def test_the_calls_do_no_io() -> None:
    for module in (calls, devstate_calls):
        tree = ast.parse(inspect.getsource(module))
        imported = {
            alias.name if isinstance(node, ast.Import) else f"{node.module}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom)
            for alias in node.names
        }
        assert not any(
            name.startswith(("psycopg_pool", "socket")) or name in {"psycopg", "connection"}
            for name in imported
        ), imported
        assert not {"store", "async_store", "connection", "listener"} & imported, imported
