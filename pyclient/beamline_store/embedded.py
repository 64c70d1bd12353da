"""The embedded default database: a private PostgreSQL cluster under a state directory.

Layout of ``home`` (default ``./.beamline``)::

    home/                 mode 0700; owned by the server user when invoked as root
      data/               the cluster (initdb)
      server.log          the server's log
      cluster.json        port and names chosen at first start
      superuser.password  password for TCP logins (0600); the unix socket uses trust
      .s.PGSQL.<port>     the unix socket (only reachable through home's permissions)

PostgreSQL refuses to run as root, so when invoked as root every server program runs as an
unprivileged user (``BEAMLINE_SERVER_USER``, else ``postgres``, else ``nobody``). If that user
cannot reach ``home`` (a parent directory such as a 0700 ``/root`` or ``mktemp -d`` blocks it),
the server-owned files (``data/``, ``server.log``, the socket) live in a private run directory
``/var/tmp/beamline-<random>/`` instead (created by ``mkdtemp``: never a planted symlink, checked
again — real directory, server user's, 0700 — at every start), recorded in ``cluster.json``, and
``home`` keeps a symlink to the socket; no directory permissions are changed.

Run as a normal user, ``home`` is made private (0700) even when it already existed: the socket
inside it accepts local logins without a password. A ``home`` of another user is refused.
"""

from __future__ import annotations

import json
import os
import pwd
import secrets
import shlex
import shutil
import socket
import stat
import subprocess
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from .errors import ConfigurationError, DatabaseUnavailable

__all__ = ["Cluster", "ClusterStatus", "find_bindir"]

SUPERUSER = "postgres"
DATABASE = "beamline"
_SOCKET_PATH_MAX = 107  # sizeof(sockaddr_un.sun_path) - 1 on Linux
_MIN_MAJOR = 15


def find_bindir() -> Path:
    """Directory with ``initdb``, ``pg_ctl`` and ``postgres`` (PostgreSQL 15 or newer).

    ``BEAMLINE_PG_BINDIR`` wins; then Debian's ``/usr/lib/postgresql/<major>/bin`` (newest
    first); then ``PATH``. Raises :class:`ConfigurationError` naming the package to install.
    """
    candidates: list[Path] = []
    if os.environ.get("BEAMLINE_PG_BINDIR"):
        candidates.append(Path(os.environ["BEAMLINE_PG_BINDIR"]))
    debian = sorted(
        (p for p in Path("/usr/lib/postgresql").glob("*/bin") if p.parent.name.isdigit()),
        key=lambda p: int(p.parent.name),
        reverse=True,
    )
    candidates += [p for p in debian if int(p.parent.name) >= _MIN_MAJOR]
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    for bindir in candidates:
        if all((bindir / prog).is_file() for prog in ("initdb", "pg_ctl", "postgres")):
            return bindir
    raise ConfigurationError(
        "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found: install the Debian "
        "package postgresql-15 (apt-get install postgresql-15) or set BEAMLINE_PG_BINDIR"
    )


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class ClusterStatus:
    running: bool
    initialized: bool
    home: Path
    port: int | None
    pid: int | None
    url: str | None


class Cluster:
    """A private PostgreSQL cluster. Every method is idempotent; errors are one-line
    :class:`ConfigurationError` / :class:`DatabaseUnavailable` exceptions."""

    def __init__(
        self,
        home: Path | str,
        *,
        port: int | None = None,
        server_user: str | None = None,
        settings: Mapping[str, str] | None = None,
    ) -> None:
        self.home = Path(home).expanduser().absolute()
        self.state_file = self.home / "cluster.json"
        self.password_file = self.home / "superuser.password"
        self.requested_port = port
        self.settings = dict(settings or {})
        self._server_user = server_user

    # -- paths ----------------------------------------------------------------------------------

    @property
    def run_dir(self) -> Path:
        """Where the server's own files live: ``home``, or the relocated run directory."""
        relocated = self._state().get("run_dir")
        return Path(str(relocated)) if relocated else self.home

    @property
    def data_dir(self) -> Path:
        return self.run_dir / "data"

    @property
    def log_file(self) -> Path:
        return self.run_dir / "server.log"

    # -- identity -------------------------------------------------------------------------------

    @property
    def as_root(self) -> bool:
        return os.geteuid() == 0

    def _server_account(self) -> pwd.struct_passwd | None:
        """The unprivileged account the server runs as when invoked as root (else None)."""
        if not self.as_root:
            return None
        names = [self._server_user] if self._server_user else ["postgres", "nobody"]
        for name in names:
            try:
                account = pwd.getpwnam(name)
            except KeyError:
                continue
            if account.pw_uid != 0:
                return account
        raise ConfigurationError(
            f"running as root needs an unprivileged account for the server; none of "
            f"{', '.join(n for n in names if n)} exists (set BEAMLINE_SERVER_USER)"
        )

    def _run(self, args: list[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
        account = self._server_account()
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["LC_ALL"] = env.get("LC_ALL", "C.UTF-8")
        kwargs: dict[str, object] = {}
        if account is not None:
            kwargs = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
            env["HOME"] = str(self.home)
        proc = subprocess.run(
            args,
            capture_output=True,
            text=True,
            env=env,
            cwd="/",
            **kwargs,  # type: ignore[call-overload]
        )
        if check and proc.returncode != 0:
            lines = (proc.stderr or proc.stdout).strip().splitlines()
            reason = lines[-1] if lines else f"exit {proc.returncode}"
            raise DatabaseUnavailable(
                f"{Path(args[0]).name} failed: {reason} (see {self.log_file})"
            )
        return proc  # type: ignore[no-any-return]

    # -- state ----------------------------------------------------------------------------------

    def _state(self) -> dict[str, object]:
        try:
            loaded = json.loads(self.state_file.read_text())
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise ConfigurationError(f"cannot read {self.state_file}: {exc}") from exc
        return loaded if isinstance(loaded, dict) else {}

    def _save_state(self, state: dict[str, object]) -> None:
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, indent=2, sort_keys=True) + "\n")
        tmp.replace(self.state_file)

    @property
    def initialized(self) -> bool:
        return (self.data_dir / "PG_VERSION").is_file()

    def _pid(self) -> int | None:
        try:
            first = (self.data_dir / "postmaster.pid").read_text().splitlines()[0]
            pid = int(first)
        except (OSError, ValueError, IndexError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
        return pid

    def port(self) -> int | None:
        port = self._state().get("port")
        return int(port) if isinstance(port, int | str) else None

    def url(self, *, tcp: bool = False, dbname: str = DATABASE, user: str = SUPERUSER) -> str:
        """libpq URL for *dbname*: the unix socket (trust) by default; 127.0.0.1 with the
        superuser's password if *tcp*. *user* logs in as another role (socket only)."""
        port = self.port()
        if port is None:
            raise ConfigurationError(
                f"the embedded database in {self.home} has never been started: "
                "run `beamline db start`"
            )
        if tcp:
            password = quote(self.password_file.read_text().strip(), safe="")
            return f"postgresql://{SUPERUSER}:{password}@127.0.0.1:{port}/{dbname}"
        return (
            f"postgresql://{quote(user, safe='')}@/{dbname}"
            f"?host={quote(str(self.home), safe='')}&port={port}"
        )

    def status(self) -> ClusterStatus:
        pid = self._pid() if self.initialized else None
        port = self.port() if self.initialized else None
        return ClusterStatus(
            running=pid is not None,
            initialized=self.initialized,
            home=self.home,
            port=port,
            pid=pid,
            url=self.url() if pid is not None else None,
        )

    # -- lifecycle ------------------------------------------------------------------------------

    def _prepare_home(self) -> None:
        try:
            self.home.mkdir(parents=True, exist_ok=True, mode=0o700)
            probe = self.home / ".write-test"
            probe.write_text("")
            probe.unlink()
        except OSError as exc:
            raise ConfigurationError(
                f"state directory {self.home} is not writable ({exc.strerror}): "
                "fix its permissions or set BEAMLINE_HOME"
            ) from exc
        account = self._server_account()
        if account is None:
            self._make_private(self.home)
            return
        if self.run_dir != self.home:
            self._check_run_dir(self.run_dir, account)
            return
        os.chown(self.home, account.pw_uid, account.pw_gid)
        os.chmod(self.home, 0o700)
        if self._run(["test", "-w", str(self.home)], check=False).returncode == 0:
            return
        # A parent directory blocks the server user: relocate the server's files (see module doc)
        # to a new directory of an unpredictable name, created by mkdir (which never follows a
        # planted symlink and fails on anything existing) in the sticky /var/tmp, where no other
        # user can rename or replace it; its name is recorded in cluster.json.
        run_dir = Path(tempfile.mkdtemp(prefix="beamline-", dir="/var/tmp"))
        os.chown(run_dir, account.pw_uid, account.pw_gid)
        os.chown(self.home, 0, 0)
        state = self._state()
        state["run_dir"] = str(run_dir)
        self._save_state(state)

    def _make_private(self, home: Path) -> None:
        """A normal user's state directory holds a trust-authenticated socket: only its owner
        may enter it. Enforce mode 0700 (the directory may predate this run), or refuse."""
        info = home.stat()
        if info.st_uid != os.geteuid():
            raise ConfigurationError(
                f"state directory {home} belongs to another user (uid {info.st_uid}): use a "
                "directory of your own (BEAMLINE_HOME)"
            )
        if info.st_mode & 0o077:
            os.chmod(home, 0o700)
            if home.stat().st_mode & 0o077:  # pragma: no cover - a filesystem ignoring chmod
                raise ConfigurationError(
                    f"state directory {home} cannot be made private (mode 0700): its socket "
                    "would let every local user in; use another BEAMLINE_HOME"
                )

    @staticmethod
    def _check_run_dir(run_dir: Path, account: pwd.struct_passwd) -> None:
        """The recorded run directory must still be the one created: a real directory (not a
        symlink) owned by the server user, mode 0700."""
        try:
            info = run_dir.lstat()
        except FileNotFoundError:
            raise ConfigurationError(
                f"the run directory {run_dir} recorded in cluster.json is gone: restore it or "
                "start afresh with a new BEAMLINE_HOME"
            ) from None
        if (
            not stat.S_ISDIR(info.st_mode)
            or info.st_uid != account.pw_uid
            or info.st_mode & 0o777 != 0o700
        ):
            raise ConfigurationError(
                f"the run directory {run_dir} is not the private directory beamline created "
                "(a symlink, another owner or another mode): refusing to use it"
            )

    def _initdb(self, bindir: Path) -> None:
        password = secrets.token_urlsafe(24)
        self.password_file.write_text(password + "\n")
        os.chmod(self.password_file, 0o600)
        pwfile = self.run_dir / ".initdb-password"
        pwfile.write_text(password + "\n")
        os.chmod(pwfile, 0o600)
        account = self._server_account()
        if account is not None:
            os.chown(pwfile, account.pw_uid, account.pw_gid)
            if self.run_dir == self.home:
                os.chown(self.password_file, account.pw_uid, account.pw_gid)
        try:
            self._run(
            [
                str(bindir / "initdb"),
                "-D", str(self.data_dir),
                "-U", SUPERUSER,
                "--pwfile", str(pwfile),
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--no-instructions",
            ]
            )  # fmt: skip
        finally:
            pwfile.unlink(missing_ok=True)
        socket_dir = str(self.run_dir).replace("'", "''")
        with (self.data_dir / "postgresql.conf").open("a") as conf:
            conf.write(
                "\n# --- managed by beamline (embedded database) ---\n"
                f"unix_socket_directories = '{socket_dir}'\n"
                "listen_addresses = '127.0.0.1'\n"
                "max_connections = 200\n"
                "logging_collector = off\n"
            )

    def _choose_port(self) -> int:
        state = self._state()
        if self.requested_port is not None:
            if not _port_is_free(self.requested_port):
                raise ConfigurationError(
                    f"port {self.requested_port} on 127.0.0.1 is already in use: stop that "
                    "process or set BEAMLINE_PORT to a free port"
                )
            return self.requested_port
        saved = state.get("port")
        if isinstance(saved, int) and _port_is_free(saved):
            return saved
        return _free_port()

    def start(self, *, timeout: float = 60.0) -> ClusterStatus:
        """Initialise (first time) and start the cluster; a no-op when it is already running."""
        bindir = find_bindir()
        self._prepare_home()
        if not self.initialized:
            self._initdb(bindir)
        current = self.status()
        if current.running:
            if self.requested_port is not None and current.port != self.requested_port:
                raise ConfigurationError(
                    f"the embedded database is already running on port {current.port}; "
                    f"stop it first to move it to port {self.requested_port}"
                )
            return current
        port = self._choose_port()
        socket_path = self.home / f".s.PGSQL.{port}"
        if len(str(socket_path)) > _SOCKET_PATH_MAX:
            raise ConfigurationError(
                f"state directory path is too long for a unix socket ({socket_path}): "
                "set BEAMLINE_HOME to a shorter path"
            )
        state = self._state()
        state.update({"port": port, "superuser": SUPERUSER, "database": DATABASE})
        self._save_state(state)
        options = [f"-p {port}"] + [
            f"-c {shlex.quote(f'{key}={value}')}" for key, value in sorted(self.settings.items())
        ]
        self._run(
            [
                str(bindir / "pg_ctl"), "start", "-w", "-t", str(int(timeout)),
                "-D", str(self.data_dir), "-l", str(self.log_file), "-o", " ".join(options),
            ]
        )  # fmt: skip
        self._link_socket(port)
        self._ensure_database()
        return self.status()

    def _link_socket(self, port: int) -> None:
        """With a relocated run directory, keep the socket reachable as ``home/.s.PGSQL.<port>``."""
        if self.run_dir == self.home:
            return
        for stale in self.home.glob(".s.PGSQL.*"):
            stale.unlink()
        (self.home / f".s.PGSQL.{port}").symlink_to(self.run_dir / f".s.PGSQL.{port}")

    def _ensure_database(self) -> None:
        from .connection import connect_admin

        deadline = time.monotonic() + 10
        while True:
            try:
                with connect_admin(self.url(dbname="postgres")) as conn:
                    exists = conn.execute(
                        "select 1 from pg_catalog.pg_database where datname = %s", [DATABASE]
                    ).fetchone()
                    if not exists:
                        conn.execute(f'create database "{DATABASE}"')
                    # PUBLIC's default TEMP privilege lets any role plant objects in pg_temp
                    # (issue 11); no role of ours needs temporary objects. Also applied to a
                    # database an earlier version created.
                    conn.execute(f'revoke temporary on database "{DATABASE}" from public')
                    return
            except DatabaseUnavailable as exc:
                if time.monotonic() > deadline:
                    raise DatabaseUnavailable(
                        f"embedded database did not accept connections: {exc.message}"
                    ) from None
                time.sleep(0.1)

    def stop(self, *, mode: str = "fast") -> ClusterStatus:
        """Stop the cluster (``fast``: roll back open transactions); a no-op when stopped."""
        if self.initialized and self._pid() is not None:
            bindir = find_bindir()
            self._run([str(bindir / "pg_ctl"), "stop", "-w", "-m", mode, "-D", str(self.data_dir)])
        return self.status()

    def destroy(self) -> None:
        """Stop the cluster and delete the state directory (used by throwaway test clusters)."""
        self.stop(mode="immediate")
        if self.run_dir != self.home:
            shutil.rmtree(self.run_dir, ignore_errors=True)
        shutil.rmtree(self.home, ignore_errors=True)
