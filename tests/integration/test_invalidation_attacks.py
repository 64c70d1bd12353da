"""The commit-time invalidation signal cannot be silenced by the application role (issue 11).

Cases, each with real connections (a LISTENing reader, an application-role writer, an
application-role attacker):
- the writer's own session presets ``beamline.notify_done = on`` (it used to skip the NOTIFY);
- another application-role session holds the advisory lock the trigger used to elect the one
  notifying transaction (every writer then lost the race, forever);
- another application-role session makes the commit-time trigger fire early with
  ``SET CONSTRAINTS ... IMMEDIATE`` (before or after its own write), so that it would hold the
  notifier row -- the one lock whose holder the other writers rely on to signal for them -- while
  its transaction stays open, then roll back (helper review, 2026-12-03).
In each the reader is woken by the write within a deadline."""

from __future__ import annotations

import json
from typing import Any

import psycopg
import pytest
from psycopg.types.json import Jsonb

from tests.integration.test_policy_api import DOC, prepare_tenant

CHANNEL = "beamline_changes"
APP = "-c role=beamline_app"


def _woken_by_write(db_url: str, preset: str | None = None) -> list[str]:
    """Payloads the reader receives within 5 s of one committed put_policy by the app role."""
    with (
        psycopg.connect(db_url, autocommit=True) as listener,
        psycopg.connect(db_url, options=APP) as writer,
    ):
        listener.execute(f"listen {CHANNEL}")
        if preset:
            writer.execute(preset)
        writer.execute("select beamline.put_policy('t1', 'p1', %s, 'alice')", [Jsonb(DOC)])
        writer.commit()
        return [n.payload for n in listener.notifies(timeout=5.0, stop_after=1)]


def test_preset_notify_done_does_not_silence_the_signal(
    db_url: str, db_conn: psycopg.Connection[Any]
) -> None:
    prepare_tenant(db_conn)
    assert _woken_by_write(db_url, "set beamline.notify_done = on") != []


def test_a_held_advisory_lock_does_not_silence_the_signal(
    db_url: str, db_conn: psycopg.Connection[Any]
) -> None:
    prepare_tenant(db_conn)
    with psycopg.connect(db_url, autocommit=True, options=APP) as attacker:
        # the key of the previous design (hashtextextended('beamline.notify', 0)), held for good
        attacker.execute("select pg_advisory_lock(hashtextextended('beamline.notify', 0))")
        assert _woken_by_write(db_url) != []


ATTACKER_WRITE = "select beamline.put_policy('t2', 'att', %(doc)s, 'mallory')"
EARLY_FIRE = {
    "after the write": [ATTACKER_WRITE, "set constraints all immediate"],
    "before the write": ["set constraints all immediate", ATTACKER_WRITE],
    "by name": [ATTACKER_WRITE, "set constraints beamline.change_log__notify immediate"],
}


@pytest.mark.parametrize("how", sorted(EARLY_FIRE))
def test_an_early_fired_trigger_in_an_open_transaction_does_not_silence_other_writers(
    db_url: str, db_conn: psycopg.Connection[Any], how: str
) -> None:
    prepare_tenant(db_conn)
    prepare_tenant(db_conn, "t2", "mallory")  # the attacker's own tenant: no lock in common
    with (
        psycopg.connect(db_url, options=APP) as attacker,
        psycopg.connect(db_url, autocommit=True) as listener,
    ):
        for statement in EARLY_FIRE[how]:
            attacker.execute(statement, {"doc": Jsonb(DOC)})
        # the attacker's transaction stays open (it would roll back later: no signal of its own)
        assert _woken_by_write(db_url) != [], f"early fire {how}: another writer was silenced"
        # and the attacker's own change, committed, is signalled too
        listener.execute(f"listen {CHANNEL}")
        attacker.commit()
        payloads = [n.payload for n in listener.notifies(timeout=5.0, stop_after=1)]
        assert [json.loads(p)["key"] for p in payloads] == ["att"]
