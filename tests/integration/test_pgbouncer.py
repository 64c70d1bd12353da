"""The client through a real PgBouncer (Debian's package) with its default startup-parameter
settings, in session and transaction mode (issue 12).

Cases, each in both modes
    calls work           many misses and writes (past psycopg's prepare threshold) run without
                         an error: no `options` startup parameter, no server-side prepared
                         statements behind the proxy; the login acts as the application role
    cross-process        a write by another process (the `beamline` CLI through the same
                         PgBouncer) evicts this process's cached entry
    listener mode        session mode: the listener LISTENs through PgBouncer; transaction
                         mode: it finds out that LISTEN cannot work there and polls, and with a
                         direct BEAMLINE_LISTEN_URL it listens again (instant invalidation)
    powerful login       a superuser login behind the pooler is refused (a SET ROLE cannot
                         hold), with the reason, instead of running as the superuser
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest

from beamline_store.config import Settings
from beamline_store.embedded import Cluster
from beamline_store.errors import ConfigurationError
from beamline_store.store import Store
from tests.support.store_support import TENANT, bootstrap, make_store, policy

PGBOUNCER = Path("/usr/sbin/pgbouncer")
pytestmark = pytest.mark.skipif(
    not PGBOUNCER.exists(), reason="needs the Debian package pgbouncer (make testdeps)"
)
LOGIN = "beamline_client"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Bouncer:
    """A PgBouncer process in front of the test cluster, run as the server's OS user."""

    def __init__(self, cluster: Cluster, mode: str) -> None:
        self.mode = mode
        self.port = _free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="beamline-bouncer-", dir="/tmp"))
        account = pwd.getpwnam("postgres") if os.geteuid() == 0 else None
        (self.dir / "users.txt").write_text(f'"{LOGIN}" ""\n"postgres" ""\n')
        # Only what a test needs; every startup-parameter setting keeps its default.
        (self.dir / "pgbouncer.ini").write_text(
            "[databases]\n"
            f"* = host={cluster.run_dir} port={cluster.port()}\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {self.port}\nunix_socket_dir =\n"
            f"auth_type = trust\nauth_file = {self.dir / 'users.txt'}\n"
            f"pool_mode = {mode}\ndefault_pool_size = 20\nmax_client_conn = 200\n"
            f"logfile = {self.dir / 'pgbouncer.log'}\n"
        )
        if account is not None:
            shutil.chown(self.dir, account.pw_uid, account.pw_gid)
            for child in self.dir.iterdir():
                shutil.chown(child, account.pw_uid, account.pw_gid)
        self.proc = subprocess.Popen(
            [str(PGBOUNCER), str(self.dir / "pgbouncer.ini")],
            user=None if account is None else account.pw_uid,
            group=None if account is None else account.pw_gid,
            extra_groups=None if account is None else [],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                break
            except OSError:
                assert self.proc.poll() is None, (self.dir / "pgbouncer.log").read_text()
                assert time.monotonic() < deadline, "PgBouncer did not start"
                time.sleep(0.05)

    def url(self, dbname: str, user: str = LOGIN) -> str:
        return f"postgresql://{user}@127.0.0.1:{self.port}/{dbname}"

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(params=["session", "transaction"])
def bouncer(request: pytest.FixtureRequest, pg_cluster: Cluster) -> Iterator[Bouncer]:
    b = Bouncer(pg_cluster, request.param)
    try:
        yield b
    finally:
        b.close()


def dbname(url: str) -> str:
    return str(psycopg.conninfo.conninfo_to_dict(url)["dbname"])


def direct_login_url(db_url: str) -> str:
    return psycopg.conninfo.make_conninfo(db_url, user=LOGIN)


def cached(store: Store, key: tuple[str, str] = (TENANT, "p")) -> bool:
    return key in store._policies


def eventually(predicate: object, what: str, timeout: float = 10.0) -> float:
    start = time.monotonic()
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() - start < timeout, f"timed out waiting for {what}"
        time.sleep(0.01)
    return time.monotonic() - start


def cli_put(url: str, weight: int) -> None:
    """A write by another process: the `beamline` CLI through the same URL."""
    env = {**os.environ, "DATABASE_URL": url, "BEAMLINE_ACTOR": "alice"}
    done = subprocess.run(
        [str(Path(sys.executable).parent / "beamline"), "policy", "put", TENANT, "p",
         json.dumps(policy(weight))],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def test_calls_through_pgbouncer_with_default_settings(
    bouncer: Bouncer, db_url: str, settings: Settings
) -> None:
    url = bouncer.url(dbname(db_url))
    store = make_store(url, settings, admin_conninfo=db_url, listen=False)
    try:
        bootstrap(store)
        for n in range(12):  # beyond psycopg's prepare threshold (5) for each statement
            store.put_policy(TENANT, f"p{n % 3}", policy(10 + n))
            store.flush()
            assert store.get_policy(TENANT, f"p{n % 3}").data["providers"][0]["weight"] == 10 + n
            assert store.check_permission(TENANT, "alice", "policy:write")
        assert store.stats()["db"]["errors"] == {}
        with store._connector.borrow() as conn:
            assert conn.prepare_threshold is None  # a proxy was detected
            assert conn.execute("select current_user").fetchone() == (LOGIN,)
    finally:
        store.close()


def test_cross_process_invalidation_through_pgbouncer(
    bouncer: Bouncer, db_url: str, settings: Settings
) -> None:
    url = bouncer.url(dbname(db_url))
    quick = replace(settings, poll_interval=0.5)
    listen_url = None if bouncer.mode == "session" else direct_login_url(db_url)
    store = make_store(url, quick, admin_conninfo=db_url, listen_conninfo=listen_url)
    try:
        assert store.listener is not None
        assert store.listener.state()["state"] == "listening"
        bootstrap(store)
        store.put_policy(TENANT, "p", policy(70))
        assert store.get_policy(TENANT, "p").version == 1 and cached(store)
        cli_put(url, 20)
        took = eventually(lambda: not cached(store), "the other process's write to evict p")
        assert took < 2.0  # a signal, not the 30-s poll
        assert store.get_policy(TENANT, "p").data["providers"][0]["weight"] == 20
    finally:
        store.close()


def test_listener_detects_transaction_pooling_by_trying_it(
    bouncer: Bouncer, db_url: str, settings: Settings
) -> None:
    url = bouncer.url(dbname(db_url))
    quick = replace(settings, poll_interval=0.3)
    store = make_store(url, quick, admin_conninfo=db_url)
    try:
        listener = store.listener
        assert listener is not None
        state = listener.state()
        if bouncer.mode == "session":
            assert state["state"] == "listening", state
        else:
            assert state["state"] == "polling", state
            assert "BEAMLINE_LISTEN_URL" in (state["reason"] or "")
            bootstrap(store)
            store.put_policy(TENANT, "p", policy(70))
            store.get_policy(TENANT, "p")
            cli_put(url, 20)
            eventually(lambda: not cached(store), "a poll to evict p")  # correct, if slower
    finally:
        store.close()


def test_a_superuser_login_behind_the_pooler_is_refused(
    bouncer: Bouncer, db_url: str, settings: Settings
) -> None:
    url = bouncer.url(dbname(db_url), user="postgres")
    store = Store(settings, conninfo=url, actor="alice", listen=False, sweeper=False)
    with store, pytest.raises(ConfigurationError, match="SET ROLE cannot hold"):
        store.get_quota(TENANT)
