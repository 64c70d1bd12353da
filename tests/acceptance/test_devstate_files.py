"""DevState files end to end (issue 5): `beamline devstate export/import/verify` and the
Python API behind them. Deterministic bytes, import -> export byte-identical (also on a
100,000-entry history), offline verification without a database, tampered files refused with
the first bad position, nothing written by a refused import, no secret in files or output."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from beamline_store import errors
from beamline_store.devstate import db, files
from beamline_store.devstate.synthetic import generate_history
from beamline_store.devstate.verify import verify_files
from tests.conftest import clone_template, drop_database
from tests.support.devstate_support import register_key

SECRET = "file-secret-51d2e8-never-written"
KEYS = {"k1": SECRET.encode()}
PATCH = {"project": "demo", "current_checkpoint": "cp1",
         "checkpoints": {"cp1": {"title": "Ünïcode \"first\"", "status": "done"}}}  # fmt: skip


def _bootstrap(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as su:
        su.execute("select beamline_admin.bootstrap_admin('devstate', 'alice')")
    register_key(url, SECRET)


@pytest.fixture
def ds_url(db_url: str) -> str:
    _bootstrap(db_url)
    return db_url


@pytest.fixture
def empty_url(pg_cluster: Any, template_url: str) -> Iterator[str]:
    url = clone_template(pg_cluster)
    _bootstrap(url)
    yield url
    drop_database(pg_cluster, url)


@pytest.fixture
def conn(ds_url: str) -> Iterator[db.Connection]:
    with db.connect(ds_url, secret=SECRET) as c:
        yield c


def populate(conn: db.Connection, n: int = 10) -> None:
    db.update_state(conn, PATCH, "alice", history_entry={"action": "start", "cp_to": "cp1"})
    for i in range(1, n):
        meta = {"i": i, "text": 'line\nbreak "q" é', "n": 1.50, "nested": {"b": [], "a": None}}
        db.append_history(conn, {"action": "step", "metadata": meta}, "alice")


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).parent / "beamline"), *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_export_is_deterministic_and_documented(conn: db.Connection, tmp_path: Path) -> None:
    populate(conn)
    a = files.export_files(conn, tmp_path / "a", "alice")
    b = files.export_files(conn, tmp_path / "b", "alice")
    for name in (files.STATE_FILE, files.HISTORY_FILE):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    state_bytes = (tmp_path / "a" / files.STATE_FILE).read_bytes()
    assert hashlib.sha256(state_bytes[:-1]).hexdigest() == a.state_checksum
    doc = json.loads((tmp_path / "a" / files.HISTORY_FILE).read_text("utf-8"))  # valid JSON
    assert doc["count"] == a.count == 10 and doc["head"] == a.head == b.head
    assert [e["id"] for e in doc["entries"]] == list(range(1, 11))
    assert not list((tmp_path / "a").glob(".*tmp"))  # no temporary files left
    assert verify_files(tmp_path / "a", KEYS).ok


def test_import_then_export_is_byte_identical(
    conn: db.Connection, empty_url: str, tmp_path: Path
) -> None:
    populate(conn)
    files.export_files(conn, tmp_path / "out", "alice")
    with db.connect(empty_url, secret=SECRET) as target:
        result = files.import_files(target, tmp_path / "out", "alice")
        assert result.count == 10
        assert db.verify_hmac_chain(target)["ok"]
        files.export_files(target, tmp_path / "again", "alice")
        # the imported chain continues normally
        db.append_history(target, {"action": "after-import"}, "alice")
        assert db.verify_hmac_chain(target)["checked"] == 11
    for name in (files.STATE_FILE, files.HISTORY_FILE):
        assert (tmp_path / "out" / name).read_bytes() == (tmp_path / "again" / name).read_bytes()


def test_import_refuses_a_non_empty_devstate(conn: db.Connection, tmp_path: Path) -> None:
    populate(conn, 2)
    files.export_files(conn, tmp_path, "alice")
    with pytest.raises(errors.AlreadyExists):
        files.import_files(conn, tmp_path, "alice")


def _edit(path: Path, position: int, old: str, new: str) -> None:
    lines = path.read_text("utf-8").split("\n")
    assert old in lines[position]
    lines[position] = lines[position].replace(old, new, 1)
    path.write_text("\n".join(lines), "utf-8")


def _delete_lines(path: Path, *positions: int) -> None:
    lines = path.read_text("utf-8").split("\n")
    keep = [line for i, line in enumerate(lines) if i not in positions]
    # the entry before the footer carries no comma
    footer = keep.index("]}")
    keep[footer - 1] = keep[footer - 1].rstrip(",")
    path.write_text("\n".join(keep), "utf-8")


def _swap_lines(path: Path, a: int, b: int) -> None:
    lines = path.read_text("utf-8").split("\n")
    lines[a], lines[b] = lines[b], lines[a]
    path.write_text("\n".join(lines), "utf-8")


@pytest.mark.parametrize(
    ("tamper", "position", "entry_id", "reason"),
    [
        (lambda p: _edit(p, 5, '"i":4', '"i":5'), 5, 5, "bad hmac"),
        (lambda p: _edit(p, 3, '"actor":"alice"', '"actor":"alicf"'), 3, 3, "bad hmac"),
        (lambda p: _delete_lines(p, 5), 5, 6, "missing predecessor"),
        (lambda p: _swap_lines(p, 4, 5), 4, 5, "missing predecessor"),
        (lambda p: _delete_lines(p, 9, 10), 9, None, "truncated"),
        (lambda p: _edit(p, 4, '"metadata":{', '"metadata": {'), 4, 4, "bad hmac"),
        (lambda p: _edit(p, 4, '"actor":"alice"', '"actor": "alice"'), 4, None, "malformed"),
    ],
    ids=[
        "edit-metadata",
        "edit-actor",
        "delete-middle",
        "swap",
        "drop-tail",
        "metadata-spacing",
        "not-canonical",
    ],
)
def test_tampered_files_are_found_and_refused(
    conn: db.Connection,
    empty_url: str,
    tmp_path: Path,
    tamper: Any,
    position: int,
    entry_id: int | None,
    reason: str,
) -> None:
    populate(conn)
    files.export_files(conn, tmp_path, "alice")
    tamper(tmp_path / files.HISTORY_FILE)
    result = verify_files(tmp_path, KEYS)
    assert (result.ok, result.position, result.id, result.reason) == (
        False,
        position,
        entry_id,
        reason,
    )
    with db.connect(empty_url, secret=SECRET) as target:
        with pytest.raises((errors.ChainBroken, errors.BadInput)):
            files.import_files(target, tmp_path, "alice")
        # nothing was written
        assert db.verify_hmac_chain(target)["checked"] == 0
        assert db.get_state(target, "alice")["updated_by"] is None


def test_changed_key_and_edited_state_are_refused(
    conn: db.Connection, empty_url: str, tmp_path: Path
) -> None:
    populate(conn, 3)
    files.export_files(conn, tmp_path, "alice")
    result = verify_files(tmp_path, {"k1": b"wrong key"})
    assert (result.ok, result.position, result.reason) == (False, 1, "bad hmac")
    # the target's k1 is registered with SECRET: another key is refused before any entry is read
    with db.connect(empty_url, secret="wrong key") as target, pytest.raises(errors.KeyRejected):
        files.import_files(target, tmp_path, "alice")
    # an edited state.json no longer matches the checksum in history.json
    state = tmp_path / files.STATE_FILE
    state.write_bytes(state.read_bytes().replace(b'"demo"', b'"demo2"'))
    assert verify_files(tmp_path, KEYS).reason == "state checksum mismatch"
    with db.connect(empty_url, secret=SECRET) as target, pytest.raises(errors.ChainBroken):
        files.import_files(target, tmp_path, "alice")


def test_expected_head_catches_a_rewritten_header(conn: db.Connection, tmp_path: Path) -> None:
    populate(conn, 4)
    head = files.export_files(conn, tmp_path, "alice").head
    assert verify_files(tmp_path, KEYS, expect_head=head).ok
    db.append_history(conn, {"action": "later"}, "alice")
    files.export_files(conn, tmp_path, "alice")
    assert verify_files(tmp_path, KEYS, expect_head=head).reason == "unexpected head"


def test_cli_round_trip_offline_verify_and_no_secret_in_output(
    pg_cluster: Any, ds_url: str, empty_url: str, tmp_path: Path
) -> None:
    env = {"DATABASE_URL": ds_url, "BEAMLINE_ACTOR": "alice", "BEAMLINE_HMAC_SECRET": SECRET}
    outputs = []

    def ok(*args: str, **extra: str) -> str:
        proc = run_cli(*args, env={**env, **extra})
        outputs.append(proc.stdout + proc.stderr)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    ok("devstate", "update", json.dumps(PATCH), "--entry", '{"action": "start"}')
    ok("devstate", "append", "step", "--metadata", '{"x": 1}', "--on-write", str(tmp_path / "w"))
    assert json.loads(ok("devstate", "verify", "--json"))["ok"]
    assert json.loads(ok("devstate", "get", "--json"))["json"]["project"] == "demo"
    ok("devstate", "export", "--dir", str(tmp_path / "e"))
    assert (tmp_path / "w" / "history.json").read_bytes() == (
        tmp_path / "e" / "history.json"
    ).read_bytes()  # --on-write exported the same
    # offline: no database at all
    offline = ok("devstate", "verify", "--files", str(tmp_path / "e"), "--json",
                 DATABASE_URL="postgresql://nobody@127.0.0.1:1/none")  # fmt: skip
    assert json.loads(offline) == {"ok": True, "checked": 2, "head": json.loads(offline)["head"]}
    ok("devstate", "import", "--dir", str(tmp_path / "e"), DATABASE_URL=empty_url)
    ok("devstate", "export", "--dir", str(tmp_path / "r"), DATABASE_URL=empty_url)
    for name in ("state.json", "history.json"):
        assert (tmp_path / "e" / name).read_bytes() == (tmp_path / "r" / name).read_bytes()
    # failures: one line, documented exit codes, still no secret
    _edit(tmp_path / "e" / "history.json", 2, '"x":1', '"x":2')
    bad = run_cli("devstate", "verify", "--files", str(tmp_path / "e"), env=env)
    assert bad.returncode == 9 and '"position": 2' in bad.stderr and "bad hmac" in bad.stderr
    outputs.append(bad.stdout + bad.stderr)
    nokey = run_cli("devstate", "append", "x", env={**env, "BEAMLINE_HMAC_SECRET": ""})
    assert nokey.returncode == 11
    # issue 11: a secret of the caller's choosing under the registered k1 is refused (exit 26);
    # the owner registers a new key id with `register-key`, then appends under it work
    forged = run_cli("devstate", "append", "x", env={**env, "BEAMLINE_HMAC_SECRET": "mine"})
    assert forged.returncode == 26 and "does not match" in forged.stderr, forged.stderr
    outputs.append(forged.stdout + forged.stderr)
    # a new key id with a guessable (short) secret is refused: exit 2, one line, nothing shown
    weak = {"BEAMLINE_HMAC_KEY_ID": "k8", "BEAMLINE_HMAC_SECRET": "short-secret-x1y2"}
    short = run_cli("devstate", "register-key", env={**env, **weak})
    assert short.returncode == 2 and "at least 32 bytes" in short.stderr, short.stderr
    assert "short-secret-x1y2" not in short.stdout + short.stderr
    registered = ok("devstate", "register-key", "--json", BEAMLINE_HMAC_KEY_ID="k7")
    assert json.loads(registered) == {"key_id": "k7", "registered": True}
    ok("devstate", "append", "rotated", BEAMLINE_HMAC_KEY_ID="k7")
    for text in outputs:
        assert SECRET not in text
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes()
    assert SECRET not in Path(pg_cluster.log_file).read_text(errors="replace")


def test_round_trip_of_100k_entries_is_byte_identical(
    ds_url: str, empty_url: str, tmp_path: Path
) -> None:
    with db.connect(ds_url, secret=SECRET) as c:
        db.update_state(c, PATCH, "alice")
        generate_history(c, 100_000)
        assert db.verify_hmac_chain(c) | {"head": None} == {
            "ok": True, "checked": 100_000, "first_id": 1, "last_id": 100_000, "head": None
        }  # fmt: skip
        files.export_files(c, tmp_path / "a", "alice")
    assert verify_files(tmp_path / "a", KEYS).checked == 100_000
    with db.connect(empty_url, secret=SECRET) as target:
        assert files.import_files(target, tmp_path / "a", "alice").count == 100_000
        files.export_files(target, tmp_path / "b", "alice")
    for name in (files.STATE_FILE, files.HISTORY_FILE):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
