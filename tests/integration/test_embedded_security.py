"""The toolkit's own connections and the embedded cluster (issue 11): each case performs the
attack against real processes and proves it fails and changed nothing.

Cases
    login role          application connections of the embedded default log in as the
                        dedicated role beamline_client: SET ROLE to the superuser or the owner
                        is refused (it was the superuser with `-c role=beamline_app` before)
    private home        a normal user's pre-existing state directory (0755) is made 0700 at
                        start, so another local user cannot reach the trust socket
    foreign home        a state directory of another user is refused with one line
    planted symlink     a symlink planted at the old predictable /var/tmp/beamline-<hash>
                        path is never followed (root used to chown/chmod its target)
    swapped run dir     a recorded run directory replaced by a symlink is refused at start
"""

from __future__ import annotations

import hashlib
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest

from beamline_store.config import Settings
from beamline_store.embedded import Cluster
from beamline_store.errors import ConfigurationError
from beamline_store.migrate import migrate
from beamline_store.store import Store
from tests.conftest import make_tmp_home

ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="acts out other local users as root")


def as_user(user: str, args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    """Run *args* as local user *user* (a real other account, not a simulation)."""
    account = pwd.getpwnam(user)
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        args,
        user=account.pw_uid,
        group=account.pw_gid,
        extra_groups=[],
        capture_output=True,
        text=True,
        timeout=120,
        cwd="/",
        **kwargs,
    )


def cluster_as(user: str, home: Path, action: str) -> subprocess.CompletedProcess[str]:
    """``Cluster(home).<action>`` run by local user *user* in a forked child of this process
    (setgid/setuid; the package is already imported, so the checkout may sit in a directory
    that user cannot read, as in CI's 0700 clone). stdout: the port; stderr: the error."""
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    account = pwd.getpwnam(user)
    pid = os.fork()
    if pid == 0:  # the child: become *user*, act, report through the pipes, never return
        code = 1
        try:
            os.setgroups([])
            os.setgid(account.pw_gid)
            os.setuid(account.pw_uid)
            os.chdir("/")
            os.environ["HOME"] = "/tmp"
            cluster = Cluster(home, settings={"fsync": "off"})
            result = eval(f"cluster.{action}", {"cluster": cluster})
            os.write(out_w, f"{getattr(result, 'port', '')}\n".encode())
            code = 0
        except BaseException as exc:
            os.write(err_w, f"{type(exc).__name__}: {exc}\n".encode())
        finally:
            os._exit(code)
    os.close(out_w)
    os.close(err_w)
    with os.fdopen(out_r) as out, os.fdopen(err_r) as err:
        stdout, stderr = out.read(), err.read()
    _, status = os.waitpid(pid, 0)
    return subprocess.CompletedProcess(
        [user, action], os.waitstatus_to_exitcode(status), stdout, stderr
    )


def test_application_connections_cannot_become_anything_more(own_cluster: Cluster) -> None:
    settings = replace(Settings(), home=own_cluster.home)
    migrate(own_cluster.url(), settings, login_role=True)
    with Store(settings, actor="alice", listen=False, sweeper=False) as store:
        with store._connector.borrow() as conn:
            row = conn.execute("select session_user, current_user").fetchone()
            assert row == ("beamline_client", "beamline_client")
            for target in ("postgres", "beamline_owner"):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    conn.execute(f"set role {target}")
        with store._connector.borrow() as conn:  # the connection is still usable and plain
            assert conn.execute("select current_user").fetchone() == ("beamline_client",)
    with psycopg.connect(own_cluster.url()) as admin:
        granted = admin.execute(
            "select g.rolname from pg_auth_members m join pg_roles g on g.oid = m.roleid"
            " join pg_roles u on u.oid = m.member where u.rolname = 'beamline_client'"
        ).fetchall()
        attributes = admin.execute(
            "select rolsuper, rolcreaterole, rolcreatedb, rolbypassrls from pg_roles"
            " where rolname = 'beamline_client'"
        ).fetchone()
    assert granted == [("beamline_app",)]
    assert attributes == (False, False, False, False)


@ROOT_ONLY
def test_an_existing_home_of_a_normal_user_is_made_private() -> None:
    home = make_tmp_home("beamline-user-")
    shutil.chown(home, "postgres", "postgres")
    os.chmod(home, 0o755)  # created earlier, open to every local user
    try:
        started = cluster_as("postgres", home, "start()")
        assert started.returncode == 0, started.stderr
        port = started.stdout.strip().splitlines()[-1]
        assert home.stat().st_mode & 0o777 == 0o700
        # Another local user tries the trust socket as the superuser.
        attack = as_user(
            "nobody",
            ["psql", f"host={home} port={port} user=postgres dbname=postgres", "-Atc",
             "select rolsuper from pg_roles where rolname = current_user"],
        )  # fmt: skip
        assert attack.returncode != 0
        assert "t" not in attack.stdout.split()
    finally:
        cluster_as("postgres", home, "stop(mode='immediate')")
        shutil.rmtree(home, ignore_errors=True)


@ROOT_ONLY
def test_a_home_of_another_user_is_refused() -> None:
    home = make_tmp_home("beamline-foreign-")
    os.chmod(home, 0o777)  # root's, writable by all: not the postgres user's to use
    try:
        refused = cluster_as("postgres", home, "start()")
        assert refused.returncode != 0
        assert "belongs to another user" in refused.stderr
        assert not (home / "data").exists()
    finally:
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def victim() -> Iterator[Path]:
    """A root-owned directory an attacker would like root to hand to the server user."""
    path = Path(tempfile.mkdtemp(prefix="beamline-victim-", dir="/tmp"))
    os.chmod(path, 0o755)
    (path / "secret").write_text("root's\n")
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def unchanged(path: Path) -> bool:
    info = path.stat()
    return info.st_uid == 0 and info.st_mode & 0o777 == 0o755


@ROOT_ONLY
def test_a_planted_symlink_at_the_predictable_fallback_is_not_followed(victim: Path) -> None:
    parent = make_tmp_home("beamline-private-")  # 0700 root: the server user cannot traverse
    home = parent / "project" / ".beamline"
    digest = hashlib.sha256(str(home.absolute()).encode()).hexdigest()[:16]
    planted = Path("/var/tmp") / f"beamline-{digest}"
    planted.symlink_to(victim)
    cluster = Cluster(home, settings={"fsync": "off"})
    try:
        assert cluster.start().running
        assert unchanged(victim), "root changed the symlink's target"
        assert cluster.run_dir != planted and not cluster.run_dir.is_symlink()
        info = cluster.run_dir.stat()
        assert info.st_mode & 0o777 == 0o700 and info.st_uid != 0
    finally:
        cluster.destroy()
        planted.unlink()
        shutil.rmtree(parent, ignore_errors=True)
    assert unchanged(victim) and (victim / "secret").read_text() == "root's\n"


@ROOT_ONLY
def test_a_recorded_run_dir_swapped_for_a_symlink_is_refused(victim: Path) -> None:
    parent = make_tmp_home("beamline-private-")
    cluster = Cluster(parent / "p" / ".beamline", settings={"fsync": "off"})
    moved: Path | None = None
    try:
        cluster.start()
        cluster.stop()
        run_dir = cluster.run_dir
        moved = run_dir.with_name(run_dir.name + "-moved")
        run_dir.rename(moved)
        run_dir.symlink_to(victim)
        with pytest.raises(ConfigurationError, match="not the private directory"):
            cluster.start()
        assert unchanged(victim)
        run_dir.unlink()
        moved.rename(run_dir)
        moved = None
    finally:
        if moved is not None:
            shutil.rmtree(moved, ignore_errors=True)
        cluster.destroy()
        shutil.rmtree(parent, ignore_errors=True)
