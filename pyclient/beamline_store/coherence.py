"""The cache coherence state of one Store: its four caches, invalidation, this process's own
writes, applying change signals, flushing and the sweeper (SPEC §5; the protocol is
docs/CACHE_COHERENCE.md). No database code: the Store feeds it results and write outcomes, the
listener feeds it changes; tests drive it with a fake clock.

=====================  ==========================================  ===========================
cache                  key                                         invalidated by
=====================  ==========================================  ===========================
``policies``           (tenant, policy_id): the active version     change of that policy
``rbac``               (tenant, user, action): check_permission    change of that user's grant
``quotas``             (tenant, actor): get_quota                  quota or any grant change
``audit``              (tenant, actor, query...): get_audit_log    any change in the tenant
=====================  ==========================================  ===========================

Own writes: a policy write of this process is written through to the cache before the write
returns (read-your-writes). Its own change signal (same xid) must not evict that fresher value,
and a signal for a key whose write is still in flight (its xid not known yet) waits until the
write returns (:meth:`Coherence.writing`). Transaction ids mean something only within one server
history: when the listener sees the server's identity change it calls :meth:`new_history`,
which forgets them and flushes.

Thread safety: every method may be called from any thread; the caches lock their own state and
the own-write bookkeeping has its lock. Hits (``cache.peek``) take no lock.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from .cache import Cache
from .config import Settings
from .models import AuditPage, Change, Policy, Quota

__all__ = ["Coherence"]


def _policy_size(policy: Policy) -> int:
    return len(policy.data_json) + 600


def _audit_size(page: AuditPage) -> int:
    body = sum(len(e.new_data_json or "") + len(e.old_data_json or "") for e in page.entries)
    return 400 + body * 2


class Coherence:
    """The caches of one Store and the rules that keep them coherent.

    *timer* is the caches' clock (tests inject a fake one); *sweeper* starts a thread that
    drops long-expired entries every ``settings.sweep_interval`` seconds.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        timer: Callable[[], float] = time.monotonic,
        sweeper: bool = True,
    ) -> None:
        common: dict[str, Any] = {
            "negative_ttl": settings.ttl_negative,
            "max_entries": settings.max_cache_entries,
            "serve_stale_for": settings.serve_stale_for,
            "timer": timer,
        }
        size = settings.max_cache_size
        self.policies: Cache[tuple[str, str], Policy] = Cache(
            "policies", ttl=settings.ttl_policies, max_bytes=size * 7 // 10,
            size_of=_policy_size, **common,
        )  # fmt: skip
        self.rbac: Cache[tuple[str, str, str], bool] = Cache(
            "rbac", ttl=settings.ttl_rbac, max_bytes=size // 10,
            group_of=lambda key: key[:2], **common,
        )  # fmt: skip
        self.quotas: Cache[tuple[str, str], Quota] = Cache(
            "quotas", ttl=settings.ttl_quotas, max_bytes=size // 20,
            group_of=lambda key: key[0], **common,
        )  # fmt: skip
        self.audit: Cache[tuple[Any, ...], AuditPage] = Cache(
            "audit", ttl=settings.ttl_audit, max_bytes=size * 3 // 20,
            group_of=lambda key: key[0], size_of=_audit_size, **common,
        )  # fmt: skip
        self.caches: dict[str, Cache[Any, Any]] = {
            c.name: c for c in (self.policies, self.rbac, self.quotas, self.audit)
        }
        # xids of this process's own policy writes (already written through to the cache).
        self._own_xids: deque[int] = deque(maxlen=256)
        # Server histories seen (new_history): an own write that started in an earlier one is
        # not remembered (its xid may name another transaction in the new history).
        self.history = 0
        # Keys with a policy write of this process in flight, and the signals waiting for it.
        self._writes_lock = threading.Lock()
        self._writing: Counter[tuple[str, str]] = Counter()
        self._deferred: dict[tuple[str, str], list[Change]] = {}
        self._closed = threading.Event()
        self._sweep_interval = settings.sweep_interval
        self._sweeper: threading.Thread | None = None
        if sweeper:
            self._sweeper = threading.Thread(
                target=self._sweep_loop, name="beamline-cache-sweeper", daemon=True
            )
            self._sweeper.start()

    def close(self) -> None:
        """Stop the sweeper. Idempotent."""
        self._closed.set()

    def _sweep_loop(self) -> None:
        while not self._closed.wait(self._sweep_interval):
            self.sweep()

    def sweep(self) -> int:
        """Drop long-expired entries of every cache (the sweeper's work); the number dropped."""
        return sum(cache.sweep() for cache in self.caches.values())

    # -- own writes ------------------------------------------------------------------------

    @contextmanager
    def writing(self, key: tuple[str, str]) -> Iterator[None]:
        """Around a policy write of *key*: signals for *key* that arrive meanwhile wait, and are
        applied when the last write of the key has returned (its xid is known by then). A write
        that raises evicts *key* (its outcome may be unknown)."""
        with self._writes_lock:
            self._writing[key] += 1
        try:
            yield
        except BaseException:
            # A write that failed may still have committed (WriteOutcomeUnknown): never keep
            # serving the cached version it may have replaced; the next read asks the database.
            self.policies.invalidate(key)
            raise
        finally:
            with self._writes_lock:
                self._writing[key] -= 1
                if self._writing[key] <= 0:
                    del self._writing[key]
                deferred = [] if key in self._writing else self._deferred.pop(key, [])
            if deferred:
                self.apply_changes(deferred)

    def own_write(self, xid: int, history: int | None = None) -> None:
        """Remember the transaction id of this process's own write (its signal is skipped),
        unless the server history changed since the write started (*history*: ``self.history``
        read before the write was sent)."""
        with self._writes_lock:
            if history is None or history == self.history:
                self._own_xids.append(xid)

    def policy_written(self, policy: Policy, generation: int) -> None:
        """After this process wrote *policy* (read at *generation*): write it through, unless a
        newer change of the key was signalled meanwhile; inactive results evict."""
        key = (policy.tenant_id, policy.policy_id)
        if policy.is_active:
            if not self.policies.replace(key, policy, generation):
                self.policies.invalidate(key)
        else:
            self.policies.invalidate(key)
        self.audit.invalidate(policy.tenant_id)

    # -- invalidation ----------------------------------------------------------------------

    def invalidate_policy(self, tenant: str, policy_id: str) -> None:
        self.policies.invalidate((tenant, policy_id))
        self.audit.invalidate(tenant)

    def invalidate_grant(self, tenant: str, user: str) -> None:
        self.rbac.invalidate((tenant, user))
        self.quotas.invalidate(tenant)
        self.audit.invalidate(tenant)

    def invalidate_quota(self, tenant: str) -> None:
        self.quotas.invalidate(tenant)
        self.audit.invalidate(tenant)

    def apply_changes(self, changes: Iterable[Change]) -> int:
        """Evict what *changes* touched (from the change log or a wake-up payload); the count.
        This process's own writes are skipped; signals for keys being written wait."""
        count = 0
        for change in changes:
            count += 1
            if change.kind == "policy":
                key = (change.tenant_id, change.object_id)
                with self._writes_lock:  # the deque is also appended to and cleared meanwhile
                    if change.xid is not None and change.xid in self._own_xids:
                        continue  # this process's own write: already written through
                    if key in self._writing:
                        self._deferred.setdefault(key, []).append(change)
                        continue
                self.invalidate_policy(change.tenant_id, change.object_id)
            elif change.kind == "role":
                self.invalidate_grant(change.tenant_id, change.object_id)
            elif change.kind == "quota":
                self.invalidate_quota(change.tenant_id)
            else:  # an unknown kind from a newer server: be safe
                self.flush()
        return count

    def flush(self) -> None:
        """Drop every cached entry (used when an exact resync is impossible)."""
        for cache in self.caches.values():
            cache.clear()

    def new_history(self) -> None:
        """The server's history changed (failover, restore, re-created database): forget the
        own-write xids (the new history hands the same numbers to other writers, whose signals
        must not be skipped) and drop every cached entry (what the old history said may no
        longer exist; the next read serves what the database has)."""
        with self._writes_lock:
            self.history += 1
            self._own_xids.clear()
        self.flush()

    def counters(self) -> dict[str, dict[str, Any]]:
        """Per cache: its counters plus ``hit_ratio`` (for ``Store.stats()``)."""
        result = {}
        for name, cache in self.caches.items():
            counters: dict[str, Any] = cache.counters()
            looked = counters["hits"] + counters["misses"]
            counters["hit_ratio"] = counters["hits"] / looked if looked else 0.0
            result[name] = counters
        return result
