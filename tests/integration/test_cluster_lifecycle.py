"""The embedded cluster (SPEC §2): start, idempotent start, status, stop, restart keeps data."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import psycopg
import pytest

from beamline_store.embedded import Cluster
from tests.conftest import make_tmp_home


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    home = make_tmp_home("beamline-life-")
    cluster = Cluster(home, settings={"fsync": "off"})
    try:
        yield cluster
    finally:
        cluster.destroy()
        shutil.rmtree(home, ignore_errors=True)


def test_lifecycle_start_idempotent_status_stop_restart_keeps_data(cluster: Cluster) -> None:
    before = cluster.status()
    assert not before.initialized and not before.running

    first = cluster.start()
    assert first.running and first.port is not None and first.pid is not None
    assert (cluster.home / f".s.PGSQL.{first.port}").exists(), "unix socket lives in the home"

    again = cluster.start()
    assert again.pid == first.pid, "a second start is a no-op"
    assert again.port == first.port

    with psycopg.connect(cluster.url(), autocommit=True) as conn:
        conn.execute("create table keep_me (v text)")
        conn.execute("insert into keep_me values ('still here')")
    with psycopg.connect(cluster.url(tcp=True), autocommit=True) as conn:
        assert conn.execute("select inet_server_addr()::text").fetchone() == ("127.0.0.1/32",)

    stopped = cluster.stop()
    assert not stopped.running and stopped.initialized
    assert cluster.stop().running is False, "a second stop is a no-op"

    restarted = cluster.start()
    assert restarted.running and restarted.port == first.port, "the chosen port is kept"
    with psycopg.connect(cluster.url()) as conn:
        assert conn.execute("select v from keep_me").fetchone() == ("still here",)


def test_home_is_private(cluster: Cluster) -> None:
    cluster.start()
    assert cluster.home.stat().st_mode & 0o777 == 0o700
    assert cluster.password_file.stat().st_mode & 0o777 == 0o600


@pytest.mark.skipif(os.geteuid() != 0, reason="relocation only happens when invoked as root")
def test_root_with_unreachable_parent_relocates_without_changing_permissions() -> None:
    parent = make_tmp_home("beamline-private-")  # 0700, root-owned: the server user is blocked
    os.chmod(parent, 0o700)
    cluster = Cluster(parent / "project" / ".beamline", settings={"fsync": "off"})
    try:
        status = cluster.start()
        assert status.running
        assert cluster.run_dir != cluster.home, "server files moved to a reachable run directory"
        assert parent.stat().st_mode & 0o777 == 0o700, "no directory permission was changed"
        assert (cluster.home / f".s.PGSQL.{status.port}").is_symlink()
        with psycopg.connect(cluster.url()) as conn:
            assert conn.execute("select 1").fetchone() == (1,)
        run_dir = cluster.run_dir
    finally:
        cluster.destroy()
        shutil.rmtree(parent, ignore_errors=True)
    assert not run_dir.exists(), "destroy removes the run directory too"
