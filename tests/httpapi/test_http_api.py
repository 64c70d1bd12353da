"""The reference HTTP API (issue 17): a real ``beamline serve`` process, a real HTTP client
(httpx), a real PostgreSQL. Every endpoint's happy path and error mapping (RFC 9457 problem
documents carrying the SQLSTATE), authentication refused, and degraded mode: 503 for misses
while cached GETs keep answering."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from beamline_store.config import Settings
from beamline_store.embedded import Cluster
from beamline_store.migrate import migrate
from beamline_store.store import Store
from tests.support.store_support import ADMIN, TENANT, policy

ALICE_TOKEN = "alice-token-" + "a" * 32
BOB_TOKEN = "bob-token-" + "b" * 32
WAIT = 30.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, url: str, home: Path, tmp: Path) -> None:
        tokens = tmp / "tokens.yaml"
        tokens.write_text(f"tokens:\n  alice: {ALICE_TOKEN}\n  bob: {BOB_TOKEN}\n")
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "BEAMLINE_HOME": str(home),
            "BEAMLINE_CONNECT_TIMEOUT": "1",
            "BEAMLINE_POOL_TIMEOUT": "1",
        }
        self.log = tmp / "server.log"
        self.proc = subprocess.Popen(
            [str(Path(sys.executable).with_name("beamline")), "serve", "--port", str(self.port),
             "--tokens", str(tokens)],
            env=env, stdout=self.log.open("wb"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + WAIT
        while True:
            try:
                if httpx.get(self.base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"server did not start: {self.log.read_text()}")
            time.sleep(0.05)
        self.alice = httpx.Client(
            base_url=self.base, headers={"Authorization": f"Bearer {ALICE_TOKEN}"}, timeout=10
        )
        self.bob = httpx.Client(
            base_url=self.base, headers={"Authorization": f"Bearer {BOB_TOKEN}"}, timeout=10
        )

    def stop(self) -> None:
        self.alice.close()
        self.bob.close()
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _bootstrap(url: str, settings: Settings) -> None:
    with Store(settings, conninfo=url, actor=ADMIN, listen=False) as store:
        store.bootstrap_admin(TENANT, ADMIN)


@pytest.fixture
def server(db_url: str, settings: Settings, tmp_path: Path) -> Iterator[Server]:
    _bootstrap(db_url, settings)
    s = Server(db_url, settings.home, tmp_path)
    try:
        yield s
    finally:
        s.stop()


P = f"/v1/tenants/{TENANT}/policies"


def test_auth_is_refused_without_or_with_a_wrong_token(server: Server) -> None:
    for headers in ({}, {"Authorization": "Bearer " + "x" * 40}, {"Authorization": "Basic x"}):
        r = httpx.get(server.base + P + "/p1", headers=headers)
        assert r.status_code == 401
        assert r.headers["content-type"] == "application/problem+json"
        assert r.headers["www-authenticate"].startswith("Bearer")
    # an actor header is not authentication
    r = httpx.get(server.base + P, headers={"X-Actor": ADMIN})
    assert r.status_code == 401


def test_policy_crud_with_versions(server: Server) -> None:
    c = server.alice
    created = c.put(P + "/p1", json=policy(70), headers={"If-None-Match": "*"})
    assert created.status_code == 201 and created.headers["etag"] == '"1"'
    assert created.json()["data"]["providers"][0]["weight"] == 70
    again = c.put(P + "/p1", json=policy(70), headers={"If-None-Match": "*"})
    assert again.status_code == 409 and again.json()["sqlstate"] == "BL005"

    updated = c.put(P + "/p1", json=policy(50), headers={"If-Match": '"1"'})
    assert updated.status_code == 200 and updated.json()["version"] == 2
    conflict = c.put(P + "/p1", json=policy(40), headers={"If-Match": '"1"'})
    assert conflict.status_code == 409
    body = conflict.json()
    assert body["title"] == "VersionConflict" and body["sqlstate"] == "BL005"
    assert body["status"] == 409 and body["details"]["actual"] == 2

    got = c.get(P + "/p1")
    assert got.status_code == 200 and got.headers["etag"] == '"2"'
    assert got.json()["data"]["providers"][0]["weight"] == 50
    assert c.get(P + "/p1", params={"version": 1}).json()["version"] == 1

    history = c.get(P + "/p1/history").json()["items"]
    assert [v["version"] for v in history] == [1, 2]
    assert c.post(P + "/p1/activate", json={"version": 1}).json()["version"] == 1
    assert c.get(P + "/p1").json()["version"] == 1
    assert c.post(P + "/p1/activate", json={}).status_code == 400
    assert c.post(P + "/p1/deactivate").status_code == 200
    missing = c.get(P + "/p1")
    assert missing.status_code == 404 and missing.json()["sqlstate"] == "BL002"
    assert c.post(P + "/p1/activate", json={"version": 2}).status_code == 200
    assert c.delete(P + "/p1").status_code == 200
    assert c.get(P + "/p1").status_code == 404
    assert c.delete(P + "/nope").status_code == 404


def test_list_with_cursor(server: Server) -> None:
    c = server.alice
    for i in range(5):
        assert c.put(P + f"/p{i}", json=policy(10 + i)).status_code == 201
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = c.get(P, params=params).json()
        seen += [p["policy_id"] for p in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == [f"p{i}" for i in range(5)] and len(seen) == 5
    assert c.get(P, params={"limit": "x"}).status_code == 400


def test_validation_is_422_with_the_error_list(server: Server) -> None:
    r = server.alice.put(P + "/bad", json={"rules": "nope"})
    assert r.status_code == 422
    body = r.json()
    assert body["sqlstate"] == "BL004" and body["title"] == "ValidationFailed"
    assert isinstance(body["errors"], list) and body["errors"]
    assert {"path", "message"} <= set(body["errors"][0])
    assert server.alice.put(P + "/bad", content=b"{not json").status_code == 400


def test_rbac_forbidden_and_permission_checks(server: Server) -> None:
    c = server.alice
    c.put(P + "/p1", json=policy())
    r = server.bob.get(P + "/p1")
    assert r.status_code == 403 and r.json()["sqlstate"] == "BL001"
    assert server.bob.put(P + "/p1", json=policy()).status_code == 403
    check = f"/v1/tenants/{TENANT}/permissions/check"
    assert c.get(check, params={"action": "policy:write"}).json()["allowed"] is True
    assert server.bob.get(check, params={"action": "policy:read"}).json()["allowed"] is False
    # asking about someone else needs rbac:manage: alice (admin) may, bob may not
    other = {"user": "bob", "action": "policy:read"}
    assert c.get(check, params=other).json()["allowed"] is False
    assert server.bob.get(check, params={"user": ADMIN, "action": "x:y"}).status_code == 403
    assert c.get(check).status_code == 400


def test_audit_reads(server: Server) -> None:
    c = server.alice
    c.put(P + "/p1", json=policy())
    c.put(P + "/p2", json=policy())
    page = c.get(f"/v1/tenants/{TENANT}/audit", params={"limit": 1}).json()
    assert len(page["items"]) == 1 and page["next_cursor"]
    only = c.get(f"/v1/tenants/{TENANT}/audit", params={"policy_id": "p1"}).json()["items"]
    assert only and {e["policy_id"] for e in only} == {"p1"}
    assert server.bob.get(f"/v1/tenants/{TENANT}/audit").status_code == 403


def test_health_readiness_and_metrics(server: Server) -> None:
    assert httpx.get(server.base + "/healthz").json() == {"status": "ok"}
    assert httpx.get(server.base + "/readyz").status_code == 200
    server.alice.put(P + "/p1", json=policy())
    server.alice.get(P + "/p1")
    text = httpx.get(server.base + "/metrics").text
    assert "beamline_http_request_seconds_bucket" in text
    assert 'beamline_cache_hits_total{cache="policies"}' in text
    assert "beamline_degraded 0.0" in text


def test_database_down_misses_503_cached_gets_answer(own_cluster: Cluster, tmp_path: Path) -> None:
    url = own_cluster.url()
    settings = replace(Settings(), home=own_cluster.home)
    migrate(url, settings)
    _bootstrap(url, settings)
    server = Server(url, own_cluster.home, tmp_path)
    try:
        c = server.alice
        assert c.put(P + "/cached", json=policy(70)).status_code == 201
        assert c.get(P + "/cached").status_code == 200
        own_cluster.stop()
        miss = c.get(P + "/never")
        assert miss.status_code == 503
        assert miss.json()["title"] == "DatabaseUnavailable" and miss.headers["retry-after"]
        hit = c.get(P + "/cached")
        assert hit.status_code == 200 and hit.json()["version"] == 1
        assert c.put(P + "/cached", json=policy(10)).status_code == 503
        ready = httpx.get(server.base + "/readyz")
        assert (
            ready.status_code == 503 and ready.headers["content-type"] == "application/problem+json"
        )
        own_cluster.start()
        deadline = time.monotonic() + WAIT
        while (
            httpx.get(server.base + "/readyz").status_code != 200
            or c.get(P + "/never").status_code != 404
        ):
            last = (httpx.get(server.base + "/readyz").text, c.get(P + "/never").text)
            assert time.monotonic() < deadline, f"never became ready again: {last}"
            time.sleep(0.1)
    finally:
        server.stop()
