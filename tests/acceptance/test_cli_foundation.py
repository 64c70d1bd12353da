"""CLI bad input (issue 2): one line naming the problem, non-zero exit, no traceback,
passwords masked. Runs the real `beamline` executable."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from beamline_store.embedded import Cluster
from tests.conftest import make_tmp_home

BEAMLINE = str(Path(sys.executable).with_name("beamline"))


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "BEAMLINE_HOME"}}
    full_env.update(env or {})
    return subprocess.run(
        [BEAMLINE, *args], capture_output=True, text=True, env=full_env, timeout=120
    )


def assert_one_line_error(proc: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert proc.returncode not in (0, None), proc
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("beamline: error: "), lines[0]
    assert "Traceback" not in proc.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_unreachable_database_url_is_one_masked_line() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"postgresql://alice:s3cretpw@127.0.0.1:{port}/nope"
    for args in (("migrate",), ("db", "status")):
        proc = run(*args, env={"DATABASE_URL": url, "BEAMLINE_CONNECT_TIMEOUT": "2"})
        assert_one_line_error(proc, "cannot connect", "[MASKED]")
        assert "s3cretpw" not in proc.stderr + proc.stdout
        assert proc.returncode == 21


def test_wrong_password_is_masked(pg_cluster: Cluster) -> None:
    port = pg_cluster.port()
    url = f"postgresql://postgres:wrongpassword@127.0.0.1:{port}/beamline"
    proc = run("migrate", env={"DATABASE_URL": url})
    assert_one_line_error(proc, "password authentication failed", "[MASKED]")
    assert "wrongpassword" not in proc.stderr


def test_db_start_refuses_when_database_url_is_set() -> None:
    proc = run("db", "start", env={"DATABASE_URL": "postgresql://x@127.0.0.1:1/y"})
    assert_one_line_error(proc, "DATABASE_URL is set")
    assert proc.returncode == 20


@pytest.mark.skipif(
    os.geteuid() == 0, reason="root can write anywhere; covered by the read-only fs case"
)
def test_non_writable_home_as_user(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    proc = run("db", "start", env={"BEAMLINE_HOME": str(locked / "home")})
    assert_one_line_error(proc, "not writable")


def test_non_writable_home() -> None:
    # /proc is not writable even for root: a state directory there cannot be created.
    proc = run("db", "start", env={"BEAMLINE_HOME": "/proc/beamline-home"})
    assert_one_line_error(proc, "/proc/beamline-home", "not writable")
    assert proc.returncode == 20


def test_port_in_use() -> None:
    home = make_tmp_home("beamline-port-")
    try:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            sock.listen()
            port = sock.getsockname()[1]
            proc = run("db", "start", env={"BEAMLINE_HOME": str(home), "BEAMLINE_PORT": str(port)})
        assert_one_line_error(proc, f"port {port}", "in use")
        assert proc.returncode == 20
    finally:
        Cluster(home).destroy()
        shutil.rmtree(home, ignore_errors=True)


def test_migrate_without_running_embedded_database() -> None:
    home = make_tmp_home("beamline-none-")
    try:
        proc = run("migrate", env={"BEAMLINE_HOME": str(home)})
        assert_one_line_error(proc, "not running", "beamline db start")
    finally:
        shutil.rmtree(home, ignore_errors=True)


def test_cli_lifecycle_and_url_for_psql() -> None:
    home = make_tmp_home("beamline-cli-")
    env = {"BEAMLINE_HOME": str(home)}
    try:
        assert run("db", "start", env=env).returncode == 0
        assert run("db", "start", env=env).returncode == 0
        assert run("db", "status", env=env).returncode == 0
        assert run("migrate", env=env).returncode == 0
        url = run("db", "url", env=env).stdout.strip()
        out = subprocess.run(
            ["psql", "-X", "-At", url, "-c", "select count(*) from beamline.policies"],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        assert out.stdout.strip() == "0"
        assert run("db", "stop", env=env).returncode == 0
        status = run("db", "status", env=env)
        assert status.returncode == 1 and "stopped" in status.stdout
    finally:
        Cluster(home).destroy()
        shutil.rmtree(home, ignore_errors=True)


def test_malformed_database_url_is_one_line_without_the_password() -> None:
    for url in (
        "postgresq://bob:S3cretPW@127.0.0.1:1/x",
        "postgresql://bob:S3cret PW@127.0.0.1:1/x",
    ):
        proc = run("policy", "get", "t1", "p1", "--actor", "alice", env={"DATABASE_URL": url})
        assert_one_line_error(proc, "DATABASE_URL is not a valid")
        assert "S3cret" not in proc.stderr + proc.stdout
        assert proc.returncode == 20


def test_bad_json_option_and_missing_directory_are_one_line_errors(pg_cluster: Cluster) -> None:
    env = {"DATABASE_URL": pg_cluster.url(), "BEAMLINE_ACTOR": "alice"}
    proc = run("policy", "list", "t1", "--filter", "{not json", env=env)
    assert_one_line_error(proc, "--filter is not JSON")
    assert proc.returncode == 2
    proc = run("devstate", "verify", "--files", "/nonexistent/beamline-dir", env=env)
    assert_one_line_error(proc, "/nonexistent/beamline-dir")
    assert proc.returncode == 2
