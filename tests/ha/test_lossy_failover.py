"""Drill (c) of issue 13: a lossy failover, forced on a hand-made asynchronous pair (no
Patroni: Patroni with synchronous_mode_strict refuses exactly this).

A primary (the embedded Cluster) and a standby cloned with pg_basebackup, streaming
asynchronously. The writer (a Store on the multi-host URL) writes all the time; two reader
processes cache every key. The primary's WAL sender is frozen (SIGSTOP), so the standby lags
while the primary keeps acknowledging writes; then the primary is killed (SIGKILL, postmaster
and backends) and the standby promoted. What it shows:

    acked writes lost    > 0: asynchronous replication loses acknowledged writes on failover
                         (the reason docs/HA.md asks for synchronous_mode_strict)
    recovery             the same writer Store writes on the promoted standby
    stale keys           after the readers' listeners reconnect to the promoted standby, no
                         cached key may differ from the database. The promoted standby's
                         transaction ids restart below the listener's watermark (issue 13,
                         race 2); detecting the new server history is helper "coherence"'s
                         part of issue 13 (listener.py). Until that is merged the test ends
                         in pytest.xfail with the figure when the listeners did not flush
                         (every other assertion still fails the test); the drill's report
                         prints the figure either way.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest

from beamline_store.config import Settings
from beamline_store.embedded import Cluster, _free_port, find_bindir
from beamline_store.errors import DatabaseUnavailable
from beamline_store.migrate import migrate
from beamline_store.store import Store
from tests.conftest import make_tmp_home
from tests.ha.patroni_cluster import process_tree
from tests.ha.test_patroni import (
    ADMIN,
    CLIENT,
    KEYS,
    READERS,
    TENANT,
    Reader,
    Writer,
    document,
    report,
)

pytestmark = pytest.mark.slow


def as_server_user(args: list[str]) -> subprocess.CompletedProcess[str]:
    kwargs: dict[str, object] = {}
    if os.geteuid() == 0:
        account = pwd.getpwnam("postgres")
        kwargs = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
    done = subprocess.run(args, capture_output=True, text=True, cwd="/", **kwargs)  # type: ignore[call-overload]
    assert done.returncode == 0, f"{args[0]} failed: {done.stderr}"
    return done  # type: ignore[no-any-return]


@pytest.fixture
def async_pair() -> Iterator[tuple[Cluster, Path, int]]:
    """A started primary and an asynchronous streaming standby (data dir, port)."""
    home = make_tmp_home("beamline-lossy-")
    primary = Cluster(home, settings={"fsync": "off", "wal_level": "replica"})
    primary.start()
    standby_dir = make_tmp_home("beamline-lossy-standby-")
    if os.geteuid() == 0:
        account = pwd.getpwnam("postgres")
        os.chown(standby_dir, account.pw_uid, account.pw_gid)
    data, port = standby_dir / "data", _free_port()
    bindir = find_bindir()
    try:
        as_server_user(
            [str(bindir / "pg_basebackup"), "-D", str(data), "-R", "-X", "stream", "-c", "fast",
             "-h", str(primary.run_dir), "-p", str(primary.port()), "-U", "postgres"]
        )  # fmt: skip
        options = f"-p {port} -c unix_socket_directories={standby_dir} -c fsync=off"
        as_server_user(
            [str(bindir / "pg_ctl"), "start", "-w", "-D", str(data), "-o", options,
             "-l", str(standby_dir / "server.log")]
        )  # fmt: skip
        yield primary, data, port
    finally:
        with contextlib.suppress(AssertionError):
            as_server_user([str(bindir / "pg_ctl"), "stop", "-m", "immediate", "-D", str(data)])
        # The drill SIGKILLed the primary: a stale postmaster.pid (its pid possibly reused on a
        # busy machine) can make pg_ctl report "server does not shut down". Teardown only.
        with contextlib.suppress(DatabaseUnavailable):
            primary.destroy()
        shutil.rmtree(home, ignore_errors=True)
        shutil.rmtree(standby_dir, ignore_errors=True)


def test_lossy_failover_on_an_asynchronous_pair(async_pair: tuple[Cluster, Path, int]) -> None:
    primary, standby_data, standby_port = async_pair
    password = primary.password_file.read_text().strip()
    primary_port = primary.port()
    url = (
        f"postgresql://postgres:{password}@127.0.0.1:{primary_port},127.0.0.1:{standby_port}"
        "/beamline?target_session_attrs=read-write"
    )
    migrate(primary.url(), Settings(), login_role=True)
    settings = replace(Settings(), **CLIENT)  # type: ignore[arg-type]
    store = Store(
        settings, conninfo=url, actor=ADMIN, listen=False, probe_interval=0.1,
        application_name="bl-lossy-writer",
    )  # fmt: skip
    readers: list[Reader] = []
    try:
        store.bootstrap_admin(TENANT, ADMIN)
        writer = Writer(store)
        for key in KEYS:
            writer.seq += 1
            store.put_policy(TENANT, key, document(writer.seq))
        readers = [Reader(url) for _ in range(READERS)]
        with psycopg.connect(primary.url(dbname="postgres"), autocommit=True) as conn:
            row = conn.execute("select pid from pg_stat_replication").fetchone()
        assert row is not None, "the standby is not streaming"
        walsender = int(row[0])
        writer.start()
        try:
            deadline = time.monotonic() + 30
            while len(writer.acked) < 20 and time.monotonic() < deadline:
                time.sleep(0.02)
            os.kill(walsender, signal.SIGSTOP)  # the standby stops receiving WAL
            frozen_at = len(writer.acked)
            while len(writer.acked) < frozen_at + 30 and time.monotonic() < deadline:
                time.sleep(0.02)
            started = time.monotonic()
            postmaster = primary.status().pid
            assert postmaster is not None
            for pid in process_tree(postmaster):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            as_server_user(
                [str(find_bindir() / "pg_ctl"), "promote", "-w", "-D", str(standby_data)]
            )
            promoted = time.monotonic()
            deadline = promoted + 30
            # A couple of writes only: keys not written since the failover keep whatever the
            # readers cached from the old primary unless the listener notices the new history.
            while writer.acks_after(promoted) < 2 and time.monotonic() < deadline:
                time.sleep(0.005)
        finally:
            writer.stop()
        assert writer.acks_after(promoted) >= 2, "no writes on the promoted standby"
        result = report(
            "lossy failover (async pair, frozen WAL sender, SIGKILL + promote)",
            url, writer, readers, started=started, promoted=promoted, acked_from=0,
        )  # fmt: skip
        # The drill is real only if it lost acknowledged writes (asynchronous replication).
        assert result["acked_writes_lost"] > 0
        assert result["refused_but_written"] == 0
        assert writer.other == [], writer.other
        if result["stale_keys_first_check"] and not result["listener_flushes"][0]:
            # Only this assertion is expected to fail until the listener detects the new server
            # history (helper coherence, issue 13): reported as xfail with the figure.
            pytest.xfail(
                f"{result['stale_keys_first_check']} stale keys after the listeners reconnected "
                "to the promoted standby (no flush: server-history detection is not on this "
                "branch)"
            )
        assert result["stale_keys_first_check"] == 0, result
    finally:
        for reader in readers:
            reader.close()
        store.close()
