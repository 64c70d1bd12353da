"""Helpers shared by the Store / coherence / degraded-mode tests (issue 6)."""

from __future__ import annotations

from typing import Any

from beamline_store.config import Settings
from beamline_store.store import Store

TENANT = "acme"
ADMIN = "alice"

POLICY: dict[str, Any] = {
    "providers": [{"id": "openai", "weight": 70}, {"id": "anthropic", "weight": 30}],
    "rules": [{"id": "r1", "match": {"model": "gpt-4*"}, "route": ["openai"], "priority": 10}],
    "fallback": {"provider": "anthropic"},
}


def policy(weight: int = 70) -> dict[str, Any]:
    """The default policy with the first provider's weight set to *weight* (a distinct doc)."""
    doc: dict[str, Any] = {
        "providers": [{"id": "openai", "weight": weight}, {"id": "anthropic", "weight": 30}],
        "rules": [dict(POLICY["rules"][0])],
        "fallback": {"provider": "anthropic"},
    }
    return doc


def make_store(url: str, settings: Settings, **kwargs: Any) -> Store:
    """A Store on *url* acting as ADMIN; the listener is ready when it returns. The listener
    waits for notifications in 50-ms slices (and tests its LISTEN within 1 s), so settle() and
    stop() take a fraction of a second."""
    kwargs.setdefault("actor", ADMIN)
    kwargs.setdefault("listener_options", {"wait_timeout": 0.05, "detect_timeout": 1.0})
    store = Store(settings, conninfo=url, **kwargs)
    if store.listener is not None:
        assert store.listener.wait_ready(30), store.listener.state()
    return store


def bootstrap(store: Store, tenant: str = TENANT, admin: str = ADMIN) -> None:
    store.bootstrap_admin(tenant, admin)


def settle(store: Store) -> None:
    """Wait until the store's listener has applied every signal of the writes made so far (no
    new signal for a while, nothing pending), so a later eviction can't come from them."""
    import time

    listener = store.listener
    if listener is None:
        return
    while True:
        before = (listener.signals, listener.syncs)
        time.sleep(3 * listener.wait_timeout)
        if before == (listener.signals, listener.syncs) and listener._pending is None:
            return
