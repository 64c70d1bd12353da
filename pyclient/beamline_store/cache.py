"""The read-through TTL cache of one kind of result (policies, permission decisions, quotas, audit
queries): one concept, no database code.

Guarantees (SPEC §5):

* **Hits take no lock.** A hit is a ``dict.get``, an expiry comparison and a counter increment;
  every mutation (fill, invalidation, eviction, sweep) happens under the cache's lock.
* **Values are shared, so they must be immutable.** The cache hands the same object to every
  caller; :mod:`beamline_store.models` makes every cached type frozen (a policy keeps its document
  as JSON text and parses a fresh copy for each caller), so a caller can't corrupt the cache.
* **Single-flight loading.** Concurrent misses of one key make one loader call; the others wait
  for its result (or its exception).
* **No stale fill.** :meth:`Cache.load` remembers the invalidation generation before calling the
  loader and refuses to store the result when the key (or its group, or the whole cache) was
  invalidated after that point. A reader that read v1 before a writer committed v2 therefore
  cannot store v1 after v2's signal was processed: the signal's invalidation is newer than the
  reader's generation.
* **Bounds.** At most ``max_entries`` entries and about ``max_bytes`` bytes (the caller's size
  estimate per value). Eviction is in fill order (oldest fill first); a hit does not reorder
  anything, which keeps hits lock-free (an LRU would need a write per hit). Expired entries go
  first: the background sweeper of the store calls :meth:`Cache.sweep`.
* **Negative caching.** A loader raising :class:`~beamline_store.errors.NotFound` is remembered
  for ``negative_ttl`` seconds; the next callers get a new ``NotFound`` with the same message.
* **Serve-stale.** When the loader raises :class:`~beamline_store.errors.DatabaseUnavailable`,
  an expired entry younger than ``expires + serve_stale_for`` is returned instead and counted
  in ``stale_hits``; without one, the error propagates.
* **Injectable clock.** ``timer`` (default :func:`time.monotonic`) is the only time source, so
  tests tick a fake timer instead of sleeping (the cachetools convention).

Why not ``cachetools.TTLCache`` itself: its LRU bookkeeping runs Python code on every hit (and
needs a lock around it), which costs more than the whole lean hit path here. The cache follows
its conventions instead (``timer`` injection, ``getsizeof``-style size estimates).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Hashable
from concurrent.futures import Future
from typing import Any, Final, Generic, TypeVar

from .errors import DatabaseUnavailable, NotFound

__all__ = ["MISS", "Cache", "Negative"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class _Miss:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISS"


MISS: Final = _Miss()
"""Returned by :meth:`Cache.peek` when there is no fresh entry."""


class Negative:
    """A cached not-found: re-raised as a fresh :class:`NotFound` on each hit."""

    __slots__ = ("detail", "hint", "message")

    def __init__(self, exc: NotFound) -> None:
        self.message = exc.message
        self.detail = exc.detail
        self.hint = exc.hint

    def error(self) -> NotFound:
        return NotFound(self.message, detail=self.detail, hint=self.hint)


# An entry is a plain tuple (fastest to build and index): (expires_at, value, nbytes, group,
# hard_deadline). hard_deadline is the loader's own bound (e.g. a grant's expires_at), or None:
# serve-stale never goes past it.
_EXPIRES, _VALUE, _NBYTES, _GROUP, _HARD = 0, 1, 2, 3, 4
_NEGATIVE_BYTES = 200


class Cache(Generic[K, V]):
    """A bounded, thread-safe TTL map of one kind of result.

    *group_of* maps a key to its invalidation group (default: the key itself); invalidating a
    group drops every key of the group (e.g. every permission decision of one user).
    *size_of* estimates the bytes a value holds (default 100).
    """

    def __init__(
        self,
        name: str,
        *,
        ttl: float,
        negative_ttl: float = 5.0,
        max_entries: int = 100_000,
        max_bytes: int = 256 * 1024 * 1024,
        serve_stale_for: float = 0.0,
        timer: Callable[[], float] = time.monotonic,
        size_of: Callable[[Any], int] | None = None,
        group_of: Callable[[K], Hashable] | None = None,
    ) -> None:
        self.name = name
        self.ttl = ttl
        self.negative_ttl = negative_ttl
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.serve_stale_for = serve_stale_for
        self.timer = timer
        self._size_of = size_of or (lambda _value: 100)
        self._group_of = group_of
        self._data: dict[K, tuple[Any, ...]] = {}
        self._groups: dict[Hashable, set[K]] | None = {} if group_of is not None else None
        self._lock = threading.RLock()
        # key -> (the load's result, the generation it started at)
        self._flights: dict[K, tuple[Future[Any], int]] = {}
        # Invalidation generations: a fill that started at generation g is refused when the
        # key's group (or the whole cache) was invalidated at a generation > g.
        self._generation = 0
        self._flushed_at = 0
        self._tombstones: dict[Hashable, int] = {}
        self._load_starts: Counter[int] = Counter()
        self.bytes = 0
        # counters (read by beamline_store.stats)
        self.hits = 0
        self.misses = 0
        self.negative_hits = 0
        self.stale_hits = 0
        self.evictions = 0
        self.expirations = 0
        self.invalidations = 0
        self.refused_fills = 0
        self.coalesced = 0
        self.loads = 0

    # -- reads ------------------------------------------------------------------------------

    def peek(self, key: K, now: float) -> Any:
        """The fresh value of *key* (a :class:`Negative` for a cached not-found), else MISS.

        Lock-free; counts a hit, never a miss (the caller's slow path counts that).
        """
        entry = self._data.get(key)
        if entry is not None and entry[0] > now:
            self.hits += 1
            return entry[1]
        return MISS

    def get(self, key: K) -> Any:
        """Like :meth:`peek` with the cache's own clock."""
        return self.peek(key, self.timer())

    def load(self, key: K, loader: Callable[[], tuple[V, float | None]]) -> V:
        """The value of *key*: a fresh entry, else the result of *loader* (single-flight).

        *loader* returns ``(value, ttl)``; ``ttl`` None means the cache's ``ttl`` (a shorter
        one is honoured, e.g. a permission that expires sooner). A ``NotFound`` from the loader
        is cached for ``negative_ttl`` and re-raised; a ``DatabaseUnavailable`` falls back to a
        stale entry within ``serve_stale_for``.
        """
        leader = False
        with self._lock:
            now = self.timer()
            entry = self._data.get(key)
            if entry is not None and entry[_EXPIRES] > now:
                self.hits += 1
                return self._unwrap(entry[_VALUE])  # type: ignore[no-any-return]
            self.misses += 1
            current = self._flights.get(key)
            # Join a load in flight only if nothing invalidated the key since it started: its
            # result may predate the invalidation (e.g. a revoke this caller just made).
            if current is not None and not self._invalidated_since(key, current[1]):
                flight = current[0]
                self.coalesced += 1
            else:
                flight = Future()
                token = self._generation
                self._flights[key] = (flight, token)
                self._load_starts[token] += 1
                leader = True
        if not leader:
            return self._unwrap(flight.result())  # type: ignore[no-any-return]
        try:
            try:
                self.loads += 1
                value, ttl = loader()
            except NotFound as exc:
                self._fill(key, Negative(exc), token, self.negative_ttl)
                flight.set_result(Negative(exc))
                raise
            except DatabaseUnavailable as exc:
                stale = self._stale(key)
                if stale is MISS:
                    flight.set_exception(exc)
                    raise
                flight.set_result(stale)
                return self._unwrap(stale)  # type: ignore[no-any-return]
            except BaseException as exc:
                flight.set_exception(exc)
                raise
            try:
                hard = None if ttl is None else self.timer() + ttl
                self._fill(key, value, token, self.ttl if ttl is None else min(ttl, self.ttl), hard)
            finally:
                flight.set_result(value)  # waiting callers get the value even if storing failed
            return value
        finally:
            with self._lock:
                if self._flights.get(key, (None,))[0] is flight:
                    self._flights.pop(key)
                self._load_starts[token] -= 1
                if not self._load_starts[token]:
                    del self._load_starts[token]

    async def aload(self, key: K, loader: Callable[[], Awaitable[tuple[V, float | None]]]) -> V:
        """:meth:`load` for the AsyncStore: the same flights (a sync and an async caller of one
        key share a load), the same generations, negative and stale rules; *loader* is awaited
        and followers await the leader's future instead of blocking the event loop."""
        leader = False
        with self._lock:
            now = self.timer()
            entry = self._data.get(key)
            if entry is not None and entry[_EXPIRES] > now:
                self.hits += 1
                return self._unwrap(entry[_VALUE])  # type: ignore[no-any-return]
            self.misses += 1
            current = self._flights.get(key)
            if current is not None and not self._invalidated_since(key, current[1]):
                flight = current[0]
                self.coalesced += 1
            else:
                flight = Future()
                token = self._generation
                self._flights[key] = (flight, token)
                self._load_starts[token] += 1
                leader = True
        if not leader:
            return self._unwrap(await asyncio.wrap_future(flight))  # type: ignore[no-any-return]
        try:
            try:
                self.loads += 1
                value, ttl = await loader()
            except NotFound as exc:
                self._fill(key, Negative(exc), token, self.negative_ttl)
                flight.set_result(Negative(exc))
                raise
            except DatabaseUnavailable as exc:
                stale = self._stale(key)
                if stale is MISS:
                    flight.set_exception(exc)
                    raise
                flight.set_result(stale)
                return self._unwrap(stale)  # type: ignore[no-any-return]
            except BaseException as exc:
                flight.set_exception(exc)
                raise
            try:
                hard = None if ttl is None else self.timer() + ttl
                self._fill(key, value, token, self.ttl if ttl is None else min(ttl, self.ttl), hard)
            finally:
                flight.set_result(value)
            return value
        finally:
            with self._lock:
                if self._flights.get(key, (None,))[0] is flight:
                    self._flights.pop(key)
                self._load_starts[token] -= 1
                if not self._load_starts[token]:
                    del self._load_starts[token]

    def waiting(self, key: K) -> bool:
        """True while a load of *key* is in flight (for tests that force interleavings)."""
        return key in self._flights

    def _unwrap(self, value: Any) -> Any:
        if type(value) is Negative:
            self.negative_hits += 1
            raise value.error()
        return value

    def _invalidated_since(self, key: K, token: int) -> bool:
        group = key if self._group_of is None else self._group_of(key)
        return token < self._flushed_at or token < self._tombstones.get(group, -1)

    def _stale(self, key: K) -> Any:
        entry = self._data.get(key)
        if entry is None or type(entry[_VALUE]) is Negative:
            return MISS
        now = self.timer()
        if entry[_HARD] is not None and now >= entry[_HARD]:
            return MISS  # past the loader's own bound (a grant's expiry): never served
        if now < entry[_EXPIRES] + self.serve_stale_for:
            self.stale_hits += 1
            return entry[_VALUE]
        return MISS

    # -- writes -----------------------------------------------------------------------------

    def generation(self) -> int:
        """The current invalidation generation (pass it to :meth:`fill`)."""
        return self._generation

    def fill(self, key: K, value: V, generation: int, ttl: float | None = None) -> bool:
        """Store *value* read at *generation*; False (not stored) if *key* was invalidated since.

        Used for write-through: a write's own result is stored at once (read-your-writes)
        unless a newer change of the same key was already signalled.
        """
        return self._fill(key, value, generation, self.ttl if ttl is None else min(ttl, self.ttl))

    def replace(self, key: K, value: V, generation: int, ttl: float | None = None) -> bool:
        """Write-through of a value this process just wrote: like :meth:`fill`, and also
        refuse every load of *key* that started before now (it may have read an older value
        and must not overwrite this one). False (not stored) if *key* was invalidated after
        *generation*."""
        group = key if self._group_of is None else self._group_of(key)
        with self._lock:
            if generation < self._flushed_at or generation < self._tombstones.get(group, -1):
                self.refused_fills += 1
                return False
            self._generation += 1
            self._tombstones[group] = self._generation
            return self._fill(
                key, value, self._generation, self.ttl if ttl is None else min(ttl, self.ttl)
            )

    def _fill(self, key: K, value: Any, token: int, ttl: float, hard: float | None = None) -> bool:
        group = key if self._group_of is None else self._group_of(key)
        with self._lock:
            if self._invalidated_since(key, token):
                self.refused_fills += 1
                return False
            now = self.timer()
            old = self._data.pop(key, None)
            if old is not None:
                self.bytes -= old[_NBYTES]
            size = _NEGATIVE_BYTES if type(value) is Negative else self._size_of(value)
            self._data[key] = (now + ttl, value, size, group, hard)
            self.bytes += size
            if self._groups is not None:
                self._groups.setdefault(group, set()).add(key)
            if len(self._data) > self.max_entries or self.bytes > self.max_bytes:
                self._shrink(now)
            return True

    def invalidate(self, group: Hashable) -> int:
        """Drop every entry of *group* and refuse fills that started before now. Returns the
        number of entries dropped."""
        with self._lock:
            self._generation += 1
            self._tombstones[group] = self._generation
            self.invalidations += 1
            if self._groups is None:
                keys: list[Any] = [group] if group in self._data else []
            else:
                keys = list(self._groups.pop(group, ()))
            for key in keys:
                entry = self._data.pop(key, None)
                if entry is not None:
                    self.bytes -= entry[_NBYTES]
            if len(self._tombstones) > 10_000:
                self._prune_tombstones()
            return len(keys)

    def clear(self) -> int:
        """Drop everything and refuse every fill that started before now (a flush)."""
        with self._lock:
            self._generation += 1
            self._flushed_at = self._generation
            dropped = len(self._data)
            self._data.clear()
            if self._groups is not None:
                self._groups.clear()
            self._tombstones.clear()
            self.bytes = 0
            self.invalidations += dropped
            return dropped

    def sweep(self) -> int:
        """Drop entries expired for longer than ``serve_stale_for``; prune tombstones. Returns
        the number dropped."""
        with self._lock:
            now = self.timer()
            horizon = now - self.serve_stale_for
            dead = [k for k, e in self._data.items() if e[_EXPIRES] <= horizon]
            for key in dead:
                self._drop(key)
            self.expirations += len(dead)
            self._prune_tombstones()
            return len(dead)

    def _drop(self, key: K) -> None:
        entry = self._data.pop(key)
        self.bytes -= entry[_NBYTES]
        if self._groups is not None:
            members = self._groups.get(entry[_GROUP])
            if members is not None:
                members.discard(key)
                if not members:
                    del self._groups[entry[_GROUP]]

    def _shrink(self, now: float) -> None:
        # Expired entries first, then the oldest fills, until within both bounds.
        expired = [k for k, e in self._data.items() if e[_EXPIRES] <= now]
        for key in expired:
            self._drop(key)
        self.expirations += len(expired)
        while self._data and (len(self._data) > self.max_entries or self.bytes > self.max_bytes):
            self._drop(next(iter(self._data)))
            self.evictions += 1

    def _prune_tombstones(self) -> None:
        # A tombstone matters only to loads that started before it was written.
        oldest = min(self._load_starts, default=self._generation + 1)
        self._tombstones = {g: gen for g, gen in self._tombstones.items() if gen > oldest}

    # -- introspection ----------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        entry = self._data.get(key)  # type: ignore[arg-type]
        return entry is not None and entry[_EXPIRES] > self.timer()

    def counters(self) -> dict[str, int]:
        """The counters and sizes, as plain numbers (see :mod:`beamline_store.stats`)."""
        return {
            "hits": self.hits,
            "misses": self.misses,
            "negative_hits": self.negative_hits,
            "stale_hits": self.stale_hits,
            "evictions": self.evictions,
            "expirations": self.expirations,
            "invalidations": self.invalidations,
            "refused_fills": self.refused_fills,
            "coalesced": self.coalesced,
            "loads": self.loads,
            "entries": len(self._data),
            "bytes": self.bytes,
        }
