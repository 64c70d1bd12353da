"""What :class:`~beamline_store.store.Store` and :class:`~beamline_store.async_store.AsyncStore`
share besides their calls (:mod:`beamline_store.calls`): the settings and URLs, the actor rule,
the coherence core and its caches, call statistics, the change listener's wiring and
``stats()``. The subclasses add only their transport: a connector (blocking or asyncio) and a
``_drive`` that carries a call's requests over it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from .coherence import Coherence
from .config import Settings, load_settings
from .connection import AsyncConnector, Connector, Deadlines, connect
from .database import resolve_admin_dsn, resolve_dsn
from .errors import ConfigurationError
from .listener import Listener
from .models import Change
from .stats import CallStats, render_prometheus

__all__ = ["ClientBase"]


class ClientBase:
    """The common state of a client; arguments as :class:`~beamline_store.store.Store`'s."""

    _connector: Connector | AsyncConnector  # the subclass's transport
    listener: Listener | None

    def __init__(
        self,
        settings: Settings | None,
        *,
        conninfo: str | None,
        actor: str | None,
        sweeper: bool,
        timer: Callable[[], float],
        application_name: str | None,
        admin_conninfo: str | None,
        listen_conninfo: str | None,
    ) -> None:
        self.settings = settings = settings or load_settings()
        self.application_name = application_name or "beamline-store"
        self.actor = actor or settings.actor
        self.conninfo = conninfo or resolve_dsn(settings)
        # The owner's connection (bootstrap_admin): the URL's own login when one was given,
        # else the embedded cluster's superuser / DATABASE_URL.
        self.admin_conninfo = admin_conninfo or conninfo or resolve_admin_dsn(settings)
        self._listen_conninfo = listen_conninfo or settings.listen_url or self.conninfo
        self._timer = timer
        self._coherence = coherence = Coherence(settings, timer=timer, sweeper=sweeper)
        # The hit paths read these attributes directly (no call in between).
        self._policies = coherence.policies
        self._rbac = coherence.rbac
        self._quotas = coherence.quotas
        self._audit = coherence.audit
        self.caches = coherence.caches
        self.calls = CallStats(
            slow_threshold=settings.slow_query_threshold, enabled=settings.metrics
        )
        self.listener = None

    def _listener(self, deadlines: Deadlines | None = None, **options: Any) -> Listener:
        """A :class:`~beamline_store.listener.Listener` wired to this client's caches and
        connector (not started). *options* are the listener's timeouts."""
        settings = self.settings
        url = self._listen_conninfo
        if deadlines is not None:
            options["deadlines"] = deadlines
        return Listener(
            connect=lambda: connect(url, settings, application_name="beamline-store-listener"),
            apply_changes=self.apply_changes,
            flush=self.flush,
            on_reconnect=self._connector.check,
            # a failover / restore / PITR: flush and forget own-write xids (issue 13)
            on_new_history=self._coherence.new_history,
            poll_interval=settings.poll_interval,
            call_timeout=settings.call_timeout,
            **options,
        )

    def _actor(self, actor: str | None) -> str:
        value = actor or self.actor
        if not value:
            raise ConfigurationError(
                f"no actor: pass actor=..., set BEAMLINE_ACTOR, or {type(self).__name__}(actor=...)"
            )
        return value

    # -- coherence (called by the listener's thread) ---------------------------------------

    def apply_changes(self, changes: Iterable[Change]) -> int:
        """Evict what *changes* touched (from the change log or a wake-up payload)."""
        return self._coherence.apply_changes(changes)

    def flush(self) -> None:
        """Drop every cached entry (used when an exact resync is impossible)."""
        self._coherence.flush()

    # -- statistics ------------------------------------------------------------------------

    @property
    def degraded(self) -> bool:
        """True while PostgreSQL is known unreachable (cached reads keep answering)."""
        return self._connector.down_since is not None

    def stats(self) -> dict[str, Any]:
        """Hits, misses, hit ratio, evictions, invalidations, entries, bytes per cache; the
        listener's state and last-signal lag; DB-call latency percentiles; errors by class."""
        down = self._connector.down_since
        return {
            "caches": self._coherence.counters(),
            "listener": self.listener.state() if self.listener is not None else {"state": "off"},
            "db": self.calls.snapshot(),
            "pool": self._connector.pool_stats(),
            "degraded": down is not None,
            "unreachable_for_s": None if down is None else time.monotonic() - down,
        }

    def prometheus(self) -> str:
        """:meth:`stats` in the Prometheus text format."""
        return render_prometheus(self.stats())
