"""Degraded mode (SPEC §5): with PostgreSQL stopped, cached reads answer (expired ones within
serve_stale_for, flagged in stats), misses and writes fail with DatabaseUnavailable; after the
server is back everything heals in the same process. Uses its own throwaway cluster."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from beamline_store.config import Settings
from beamline_store.embedded import Cluster
from beamline_store.errors import DatabaseUnavailable
from beamline_store.migrate import migrate
from tests.support.store_support import (
    TENANT,
    bootstrap,
    make_store,
    policy,
    settle,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_degraded_mode_and_healing(own_cluster: Cluster) -> None:
    url = own_cluster.url()
    settings = replace(
        Settings(),
        home=own_cluster.home,
        pool_timeout=1.0,
        connect_timeout=1.0,
        ttl_policies=60.0,
        serve_stale_for=300.0,
    )
    migrate(url, settings)
    clock = Clock()
    store = make_store(url, settings, timer=clock, probe_interval=0.1)
    try:
        bootstrap(store)
        store.put_policy(TENANT, "fresh", policy(70))
        store.put_policy(TENANT, "old", policy(60))
        settle(store)
        store.get_policy(TENANT, "fresh")
        store.get_policy(TENANT, "old")
        own_cluster.stop()

        assert store.get_policy(TENANT, "fresh").version == 1  # a fresh hit: no database
        clock.now += 61  # both expired; a reload is needed and fails
        assert store.get_policy(TENANT, "old").data["providers"][0]["weight"] == 60
        stats = store.stats()
        assert stats["caches"]["policies"]["stale_hits"] >= 1
        assert stats["degraded"] is True
        assert stats["db"]["errors"].get("DatabaseUnavailable", 0) >= 1

        with pytest.raises(DatabaseUnavailable) as miss:
            store.get_policy(TENANT, "never-cached")
        assert "unreachable" in str(miss.value) or "connection" in str(miss.value)
        with pytest.raises(DatabaseUnavailable):
            store.put_policy(TENANT, "fresh", policy(10))
        clock.now += 300  # beyond serve_stale_for: no more stale answers
        with pytest.raises(DatabaseUnavailable):
            store.get_policy(TENANT, "old")

        own_cluster.start()
        deadline = time.monotonic() + 30
        while True:
            try:
                written = store.put_policy(TENANT, "fresh", policy(10))
                break
            except DatabaseUnavailable:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        assert written.version == 2
        assert store.get_policy(TENANT, "old").version == 1
        assert store.stats()["degraded"] is False
    finally:
        store.close()
