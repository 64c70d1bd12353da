"""A throwaway 2-node Patroni cluster with its etcd, all on 127.0.0.1 (issue 13).

Debian's packages provide the programs (``patroni``, ``etcd`` from etcd-server; installed by
``scripts/install_system_deps.sh --test``). Everything lives in a temporary directory under
/tmp owned by the unprivileged server user (PostgreSQL refuses to run as root, see
embedded.py); every port is a free one. Patroni runs with synchronous_mode and
synchronous_mode_strict: a commit is acknowledged only once the synchronous standby has flushed
it, so no failover Patroni performs can lose an acknowledged write.

    with PatroniCluster.started() as ha:
        ha.url("beamline")          # postgresql://...@h1:p1,h2:p2/beamline?target_session_attrs=read-write
        ha.leader()                 # "n1" or "n2", from the REST API
        ha.switchover()             # Patroni's REST API
        ha.kill_node("n1")          # SIGKILL Patroni, the postmaster and its backends
        ha.freeze_node("n1")        # SIGSTOP them (a hung host); thaw_node resumes
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from beamline_store.embedded import _free_port, find_bindir

NODES = ("n1", "n2")
SCOPE = "beamline-ha"
# The DCS timings: a dead leader's key expires after TTL seconds; Patroni's loop runs every
# LOOP_WAIT seconds (Patroni requires loop_wait + 2 * retry_timeout <= ttl).
TTL, LOOP_WAIT, RETRY_TIMEOUT = 8, 1, 3


class HAError(RuntimeError):
    """The cluster did not reach the expected state (with the last log lines)."""


@dataclass
class Node:
    name: str
    pg_port: int
    api_port: int
    dir: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def data_dir(self) -> Path:
        return self.dir / "data"

    @property
    def log_file(self) -> Path:
        return self.dir / "patroni.log"

    def postmaster_pid(self) -> int | None:
        try:
            return int((self.data_dir / "postmaster.pid").read_text().splitlines()[0])
        except (OSError, ValueError, IndexError):
            return None


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def process_tree(root: int) -> list[int]:
    """*root* and all its descendants (from /proc)."""
    tree, out, todo = _children(), [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(tree.get(pid, []))
    return out


class PatroniCluster:
    def __init__(self, base: Path) -> None:
        self.base = base
        self.account = pwd.getpwnam("postgres") if os.geteuid() == 0 else None
        self.password = secrets.token_urlsafe(16)
        self.etcd_port, self.etcd_peer = _free_port(), _free_port()
        self.nodes = {name: Node(name, _free_port(), _free_port(), base / name) for name in NODES}
        self.etcd: subprocess.Popen[bytes] | None = None
        self.frozen: set[str] = set()  # nodes whose REST API cannot answer (SIGSTOP)

    # -- lifecycle -------------------------------------------------------------------------------

    @classmethod
    @contextlib.contextmanager
    def started(cls, timeout: float = 90.0) -> Iterator[PatroniCluster]:
        for program in ("patroni", "etcd"):
            if shutil.which(program) is None:
                raise HAError(
                    f"{program} not found: install Debian's patroni and etcd-server packages "
                    "(scripts/install_system_deps.sh --test)"
                )
        base = Path(tempfile.mkdtemp(prefix="beamline-ha-", dir="/tmp"))
        cluster = cls(base)
        try:
            cluster.start(timeout)
            yield cluster
        finally:
            cluster.destroy()

    def _spawn(self, args: list[str], log: Path) -> subprocess.Popen[bytes]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "PATRONI"))}
        env.update({"HOME": str(self.base), "LC_ALL": "C.UTF-8"})
        kwargs: dict[str, Any] = {}
        if self.account is not None:
            kwargs = {"user": self.account.pw_uid, "group": self.account.pw_gid, "extra_groups": []}
        with log.open("ab") as out:
            if self.account is not None:
                os.chown(log, self.account.pw_uid, self.account.pw_gid)
            return subprocess.Popen(
                args, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=self.base,
                start_new_session=True, **kwargs,
            )  # fmt: skip

    def _own(self, path: Path) -> None:
        if self.account is not None:
            os.chown(path, self.account.pw_uid, self.account.pw_gid)

    def start(self, timeout: float) -> None:
        self._own(self.base)
        os.chmod(self.base, 0o700)
        etcd_dir = self.base / "etcd"
        etcd_dir.mkdir(mode=0o700)
        self._own(etcd_dir)
        client, peer = f"http://127.0.0.1:{self.etcd_port}", f"http://127.0.0.1:{self.etcd_peer}"
        self.etcd = self._spawn(
            [
                "etcd", "--name", "e1", "--data-dir", str(etcd_dir / "data"),
                "--listen-client-urls", client, "--advertise-client-urls", client,
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                "--initial-cluster", f"e1={peer}", "--initial-cluster-state", "new",
                "--enable-v2=true",
            ],
            self.base / "etcd.log",
        )  # fmt: skip
        for node in self.nodes.values():
            node.dir.mkdir(mode=0o700)
            self._own(node.dir)
            config = node.dir / "patroni.yml"
            config.write_text(json.dumps(self._config(node), indent=2))  # YAML is a JSON superset
            self._own(config)
        deadline = time.monotonic() + timeout
        # The first node bootstraps the cluster; the second clones it once there is a leader.
        self.start_node("n1")
        self.wait_for(lambda: self.leader() == "n1", "n1 to bootstrap and lead", deadline)
        self.start_node("n2")
        self.wait_for(self.has_sync_standby, "n2 to become the synchronous standby", deadline)

    def _config(self, node: Node) -> dict[str, Any]:
        socket_dir = str(node.dir)
        return {
            "scope": SCOPE,
            "name": node.name,
            "log": {"level": "INFO"},
            "restapi": {
                "listen": f"127.0.0.1:{node.api_port}",
                "connect_address": f"127.0.0.1:{node.api_port}",
            },
            # etcd's v2 API, not etcd3: Debian 12's Patroni 3.0.2 renews an expired etcd3 leader
            # key with an unconditional put, so a leader that hung past the TTL takes the key
            # back from the standby that has just been promoted (fixed in Patroni 3.0.3,
            # patroni/patroni#2689; seen here in the hung-primary drill: both nodes ended up
            # on diverged timelines and the cluster never regained a synchronous standby).
            # The v2 renewal is a compare-and-swap on the key's value.
            "etcd": {"host": f"127.0.0.1:{self.etcd_port}"},
            "bootstrap": {
                "dcs": {
                    "ttl": TTL,
                    "loop_wait": LOOP_WAIT,
                    "retry_timeout": RETRY_TIMEOUT,
                    "maximum_lag_on_failover": 1024 * 1024,
                    # The two settings that make a failover lose no acknowledged write.
                    "synchronous_mode": True,
                    "synchronous_mode_strict": True,
                    "postgresql": {
                        "use_pg_rewind": True,
                        "use_slots": True,
                        "parameters": {
                            "max_connections": 100,
                            "wal_level": "replica",
                            "hot_standby": "on",
                            "max_wal_senders": 10,
                            "max_replication_slots": 10,
                            "wal_keep_size": "128MB",
                            # Process kills only (the OS page cache survives): no fsync needed
                            # for the drills; production keeps fsync on.
                            "fsync": "off",
                            # The application name in every server log line: the drills count
                            # cancelled synchronous-replication waits per client.
                            "log_line_prefix": "%m [%p] %a: ",
                        },
                    },
                },
                "initdb": [{"encoding": "UTF8"}, {"locale": "C.UTF-8"}, "data-checksums"],
            },
            "postgresql": {
                "listen": f"127.0.0.1:{node.pg_port}",
                "connect_address": f"127.0.0.1:{node.pg_port}",
                "data_dir": str(node.data_dir),
                "bin_dir": str(find_bindir()),
                "pgpass": str(node.dir / "pgpass"),
                "authentication": {
                    "superuser": {"username": "postgres", "password": self.password},
                    "replication": {"username": "replicator", "password": self.password},
                    "rewind": {"username": "postgres", "password": self.password},
                },
                "parameters": {"unix_socket_directories": socket_dir},
                "pg_hba": [
                    "local all all trust",
                    "host replication replicator 127.0.0.1/32 scram-sha-256",
                    "host all all 127.0.0.1/32 scram-sha-256",
                ],
            },
        }

    def start_node(self, name: str) -> None:
        node = self.nodes[name]
        node.process = self._spawn(["patroni", str(node.dir / "patroni.yml")], node.log_file)

    def node_pids(self, name: str) -> list[int]:
        """Patroni's process tree and the postmaster's (Patroni may detach the postmaster)."""
        node = self.nodes[name]
        pids: list[int] = []
        if node.process is not None and node.process.poll() is None:
            pids += process_tree(node.process.pid)
        postmaster = node.postmaster_pid()
        if postmaster is not None and postmaster not in pids:
            with contextlib.suppress(OSError):
                os.kill(postmaster, 0)
                pids += process_tree(postmaster)
        return pids

    def kill_node(self, name: str) -> list[int]:
        """SIGKILL Patroni and PostgreSQL of *name* (a crashed host)."""
        pids = self.node_pids(name)
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        node = self.nodes[name]
        if node.process is not None:
            node.process.wait(10)
        return pids

    def freeze_node(self, name: str) -> list[int]:
        """SIGSTOP Patroni and PostgreSQL of *name* (a hung host); thaw_node resumes them."""
        pids = self.node_pids(name)
        self.frozen.add(name)
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGSTOP)
        return pids

    def thaw(self, pids: list[int]) -> None:
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
        self.frozen.clear()

    def destroy(self) -> None:
        for node in self.nodes.values():
            pids = self.node_pids(node.name)
            self.thaw(pids)
            if node.process is not None and node.process.poll() is None:
                node.process.terminate()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    node.process.wait(15)
            for pid in self.node_pids(node.name):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        if self.etcd is not None:
            self.etcd.kill()
            self.etcd.wait(10)
        shutil.rmtree(self.base, ignore_errors=True)

    # -- state -----------------------------------------------------------------------------------

    def api(
        self, name: str, path: str, body: dict[str, Any] | None = None, timeout: float = 2.0
    ) -> tuple[int, Any]:
        node = self.nodes[name]
        request = urllib.request.Request(
            f"http://127.0.0.1:{node.api_port}{path}",
            data=None if body is None else json.dumps(body).encode(),
            method="GET" if body is None else "POST",
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read()
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, raw.decode(errors="replace")

    def members(self) -> list[dict[str, Any]]:
        for name in NODES:
            if name in self.frozen:
                continue
            with contextlib.suppress(OSError, ValueError):
                status, body = self.api(name, "/cluster")
                if status == 200 and isinstance(body, dict):
                    return list(body.get("members", []))
        return []

    def leader(self) -> str | None:
        for member in self.members():
            if member.get("role") == "leader" and member.get("state") == "running":
                return str(member["name"])
        return None

    def has_sync_standby(self) -> bool:
        return any(
            m.get("role") == "sync_standby" and m.get("state") in ("running", "streaming")
            for m in self.members()
        )

    def replica_of(self, leader: str) -> str:
        return next(name for name in NODES if name != leader)

    def switchover(self) -> tuple[str, str]:
        leader = self.leader()
        if leader is None:
            raise HAError("no leader to switch over from")
        candidate = self.replica_of(leader)
        status, body = self.api(
            leader, "/switchover", {"leader": leader, "candidate": candidate}, timeout=60
        )
        if status != 200:
            raise HAError(f"switchover refused ({status}): {body}")
        return leader, candidate

    def wait_for(self, predicate: Any, what: str, deadline: float) -> None:
        while not predicate():
            if time.monotonic() > deadline:
                raise HAError(f"timed out waiting for {what}\n{self.tail_logs()}")
            time.sleep(0.2)

    def count_in_logs(self, text: str) -> int:
        """How many lines of the nodes' logs (Patroni's and PostgreSQL's) contain *text*."""
        count = 0
        for node in self.nodes.values():
            with contextlib.suppress(OSError), node.log_file.open(errors="replace") as log:
                count += sum(1 for line in log if text in line)
        return count

    def tail_logs(self, lines: int = 25) -> str:
        lines = int(os.environ.get("BEAMLINE_HA_LOG_LINES", lines))
        out = []
        for path in [self.base / "etcd.log"] + [n.log_file for n in self.nodes.values()]:
            with contextlib.suppress(OSError):
                text = path.read_text(errors="replace").splitlines()[-lines:]
                out.append(f"--- {path.name} ---\n" + "\n".join(text))
        return "\n".join(out)

    # -- URLs ------------------------------------------------------------------------------------

    def url(self, dbname: str = "beamline", *, node: str | None = None) -> str:
        """The multi-host URL (libpq tries each host, keeps the writable one), or one node's."""
        names = [node] if node else list(NODES)
        hosts = ",".join(f"127.0.0.1:{self.nodes[n].pg_port}" for n in names)
        attrs = "" if node else "?target_session_attrs=read-write"
        return f"postgresql://postgres:{self.password}@{hosts}/{dbname}{attrs}"
