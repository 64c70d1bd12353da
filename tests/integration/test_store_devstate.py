"""DevState through the clients (issue 17): every DevState method of Store and of AsyncStore
(driven synchronously) with the same names, results and errors, on a real database. The SQL
API's own rules are tested on raw connections in test_devstate.py; here the clients' path:
DevState's pool with the HMAC settings in the startup options, the calls of
``beamline_store.calls``, error classes, call statistics.

Cases (each over Store and AsyncStore)
    state             initial document, merge patch with compare-and-set, VersionConflict
                      with the database's detail, ValidationFailed / BadInput and nothing written
    history           update with a history entry in one transaction, appends, keyset
                      pagination of search_history, verify_hmac_chain whole and by range
    leases            lock / renew / LockConflict for another owner / the lease guards updates /
                      NotFound for an unknown lease
    RBAC              a viewer reads and is refused writes; an unknown actor is refused reads
    files             export_files writes both files; import_files into a non-empty DevState
                      is refused (BL013), the same class from both clients
    statistics        each call is counted as devstate.<name>
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from beamline_store import errors
from beamline_store.config import Settings
from tests.support.async_support import make_any_store
from tests.support.devstate_support import register_key

SECRET = "store-devstate-secret-5b1d9e-0123456789"
PATCH = {"project": "demo", "current_checkpoint": "cp1",
         "checkpoints": {"cp1": {"title": "first", "status": "in_progress"}}}  # fmt: skip


@pytest.fixture(params=["sync", "async"])
def store(request: pytest.FixtureRequest, db_url: str, settings: Settings) -> Iterator[Any]:
    """A Store or an AsyncStore acting as alice (admin of tenant devstate; bob is a viewer,
    carol an operator), with the registered HMAC key."""
    s = make_any_store(
        request.param, db_url, replace(settings, hmac_secret=SECRET), listen=False, actor="alice"
    )
    try:
        s.bootstrap_admin("devstate", "alice")
        s.assign_role("devstate", "bob", "viewer")
        s.assign_role("devstate", "carol", "operator")
        register_key(db_url, SECRET)
        yield s
    finally:
        s.close()


def test_state_compare_and_set_and_refusals(store: Any) -> None:
    state = store.get_state()
    assert state["json"] == {"version": 1, "current_checkpoint": None, "checkpoints": {}}
    before = state["checksum"]
    checksum = store.update_state(PATCH, expected_checksum=before)
    state = store.get_state()
    assert state["checksum"] == checksum != before
    assert state["updated_by"] == "alice"
    assert state["json"]["checkpoints"]["cp1"]["status"] == "in_progress"
    with pytest.raises(errors.VersionConflict) as conflict:
        store.update_state({"project": "x"}, expected_checksum=before)
    assert conflict.value.detail_json == {"expected": before, "actual": checksum}
    with pytest.raises(errors.ValidationFailed) as invalid:
        store.update_state({"version": 2, "surprise": True})
    assert {e["keyword"] for e in invalid.value.detail_json} >= {"const", "additionalProperties"}
    with pytest.raises(errors.BadInput):
        store.update_state([1])
    assert store.get_state()["checksum"] == checksum  # nothing written by the refusals


def test_history_append_search_and_verify(store: Any) -> None:
    checksum = store.update_state(PATCH, history_entry={"action": "checkpoint", "cp_to": "cp1"})
    first = store.search_history(limit=1)["entries"][0]
    assert first["state_checksum"] == checksum and first["cp_to"] == "cp1"
    hmacs = [
        store.append_history({"action": "even" if i % 2 == 0 else "odd", "metadata": {"i": i}})
        for i in range(5)
    ]
    assert len(set(hmacs)) == 5
    got, cursor = [], None
    while True:
        page = store.search_history({"action": "even"}, limit=2, cursor=cursor)
        got += [e["metadata"]["i"] for e in page["entries"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert got == [4, 2, 0]
    whole = store.verify_hmac_chain()
    assert whole["ok"] is True
    assert store.verify_hmac_chain(from_id=2, to_id=4)["ok"] is True
    with pytest.raises(errors.BadInput):
        store.search_history({"nope": 1})


def test_leases_conflict_renew_and_guard_updates(store: Any) -> None:
    lock = store.lock_state("state", 60)
    assert store.lock_state("state", 120) == lock  # renewal keeps the id
    with pytest.raises(errors.LockConflict) as exc:
        store.lock_state("state", 60, owner="carol")
    assert exc.value.detail_json["owner"] == "alice"
    with pytest.raises(errors.LockConflict):
        store.update_state(PATCH, actor="carol")  # the 'state' lease guards updates
    with pytest.raises(errors.LockConflict):
        store.unlock_state(lock, owner="carol")
    store.unlock_state(lock)
    with pytest.raises(errors.NotFound):
        store.unlock_state(lock)
    store.update_state(PATCH, actor="carol")  # free again


def test_rbac_viewer_reads_and_is_refused_writes(store: Any) -> None:
    assert store.get_state(actor="bob")["json"]["version"] == 1
    for call in (
        lambda: store.update_state({"project": "x"}, actor="bob"),
        lambda: store.append_history({"action": "x"}, actor="bob"),
        lambda: store.lock_state("state", 60, owner="bob"),
        lambda: store.get_state(actor="mallory"),
        lambda: store.search_history(actor="mallory"),
    ):
        with pytest.raises(errors.PermissionDenied):
            call()


def test_export_files_and_import_into_a_non_empty_devstate(store: Any, tmp_path: Path) -> None:
    store.update_state(PATCH)
    store.append_history({"action": "note"})
    exported = store.export_files(tmp_path)
    assert exported.count == 1 and exported.state_checksum == store.get_state()["checksum"]
    assert {p.name for p in tmp_path.iterdir()} >= {"state.json", "history.json"}
    with pytest.raises(errors.AlreadyExists):  # BL013: DevState is not empty
        store.import_files(tmp_path)


def test_each_call_is_counted(store: Any) -> None:
    counted = store.calls.calls
    before = counted["devstate.get_state"], counted["devstate.append_history"]
    store.get_state()
    store.append_history({"action": "note"})
    assert (counted["devstate.get_state"], counted["devstate.append_history"]) == (
        before[0] + 1,
        before[1] + 1,
    )
