"""The change listener: keeps a store's caches coherent with commits from every process
(SPEC §5; the protocol is docs/CACHE_COHERENCE.md).

One background thread owns one dedicated autocommit connection outside the pool, running as the
application role:

1. ``LISTEN beamline_changes``, then (first time only) take ``beamline.current_watermark()``.
   Listening before taking the watermark means no change can fall between the two.
2. Wait for notifications with a timeout loop. A notification is a *wake-up*: its payload (keys
   of one change, never a document) is evicted at once, then the listener takes a horizon
   (``beamline.change_horizon()``: an xid above every transaction that has one) and reads
   ``beamline.changes_since`` from the watermark until the watermark (a snapshot xmin) reaches
   that horizon. That covers writers that did not NOTIFY (the server coalesces signals so
   writers never queue on the NOTIFY commit lock): each was running when the signal was sent.
3. Every ``poll_interval`` seconds the change log is read anyway (the backstop), and every
   ``probe_interval`` seconds (default 2) a ``select 1``, under the call deadline, checks the
   connection is alive.
4. When the connection fails (killed backend, server restart, network), the listener
   reconnects with exponential backoff, re-LISTENs, and resyncs exactly from its watermark —
   or flushes every cache when the log no longer holds that far back (``complete`` false).
   It also asks the pool to drop its broken connections.
5. On every (re)connection and every backstop poll it compares ``beamline.server_identity()``
   (system identifier, timeline, postmaster start, database oid, incarnation id) with the one it
   followed. A different server history (failover, restore, point-in-time recovery, re-created
   database) makes its watermark and every transaction id it knows meaningless: it calls
   *on_new_history* (flush every cache and forget the own-write xids) and restarts from a
   fresh ``current_watermark()``.

LISTEN cannot work on a hot standby or through a transaction-pooling PgBouncer: the listener
detects both (``pg_is_in_recovery()``; a NOTIFY sent on a second connection that does not
arrive on the listening one within ``detect_timeout``), logs a warning saying so, and keeps the
caches correct by polling the change log every ``poll_interval`` seconds (state ``polling``).
Behind a pooler, give the listener a direct URL (``BEAMLINE_LISTEN_URL``).

The listener knows nothing of the Store (no import): it gets a *connect* function (the recipe
of :mod:`beamline_store.connection`) and callbacks (*apply_changes*, *flush*, *on_reconnect*,
*on_new_history*).
Every statement runs under the call deadline, so a frozen server is noticed within
``probe_interval + call_timeout``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import dict_row

from . import queries
from .connection import Deadlines
from .errors import BeamlineError
from .models import CHANGE_KINDS, Change
from .secrets import mask_text

__all__ = ["Listener"]

log = logging.getLogger(__name__)

CHANNEL = "beamline_changes"
PAGE = 1000
RECHECK = 0.005  # seconds between change-log reads while the watermark is below a horizon


class Listener:
    """The background LISTEN thread that keeps one set of caches coherent.

    *connect* opens a dedicated autocommit connection as the application role;
    *apply_changes* / *flush* act on the caches; *on_reconnect* runs after a reconnection (the
    store re-validates its pools); *on_new_history* runs when the server's history changed
    (default: *flush*; the store also forgets its own-write xids). *wait_timeout* bounds each
    wait for notifications (how fast ``stop`` is honoured); *probe_interval* is the liveness
    probe period; backoff grows from *backoff_min* to *backoff_max* seconds between reconnection
    attempts; *detect_timeout* is how long the LISTEN check waits for its test notification;
    *call_timeout* bounds every statement (through *deadlines*).
    """

    def __init__(
        self,
        *,
        connect: Callable[[], psycopg.Connection[Any]],
        apply_changes: Callable[[Iterable[Change]], int],
        flush: Callable[[], None],
        on_reconnect: Callable[[], None] = lambda: None,
        on_new_history: Callable[[], None] | None = None,
        poll_interval: float = 30.0,
        wait_timeout: float = 0.5,
        probe_interval: float = 2.0,
        backoff_min: float = 0.05,
        backoff_max: float = 2.0,
        detect_timeout: float = 2.0,
        call_timeout: float | None = None,
        deadlines: Deadlines | None = None,
    ) -> None:
        self._open = connect
        self._apply_changes = apply_changes
        self._flush = flush
        self._on_reconnect = on_reconnect
        self._on_new_history = on_new_history or flush
        self.wait_timeout = wait_timeout
        self.probe_interval = probe_interval
        self.backoff_min = backoff_min
        self.backoff_max = backoff_max
        self.detect_timeout = detect_timeout
        self.call_timeout = call_timeout
        self._deadlines = deadlines or Deadlines()
        self.poll_interval = poll_interval
        self.watermark: int | None = None
        self.identity: tuple[Any, ...] | None = None  # the server history being followed
        self._state = "starting"
        self._reason: str | None = None
        self._stop = threading.Event()
        self._conn: psycopg.Connection[Any] | None = None
        self._thread = threading.Thread(target=self._run, name="beamline-listener", daemon=True)
        self._ready = threading.Event()
        self._lock = threading.Lock()
        self._pending: int | None = None  # a horizon the watermark has yet to pass
        self._standby = False  # a hot standby cannot hand out the xid of change_horizon()
        # statistics
        self.signals = 0
        self.syncs = 0
        self.changes_applied = 0
        self.reconnects = 0
        self.flushes = 0
        self.new_histories = 0
        self.last_signal_lag_ms: float | None = None
        self.last_sync_at: float | None = None
        self.backend_pid: int | None = None

    # -- control ---------------------------------------------------------------------------

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._thread.join(timeout)
        self._close()

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Block until the listener has listened and synced once; False on timeout."""
        return self._ready.wait(timeout)

    def state(self) -> dict[str, Any]:
        """For ``store.stats()``: state, reason, counters and the last-signal lag."""
        return {
            "state": self._state,
            "reason": self._reason,
            "backend_pid": self.backend_pid,
            "watermark": self.watermark,
            "signals": self.signals,
            "syncs": self.syncs,
            "changes_applied": self.changes_applied,
            "reconnects": self.reconnects,
            "flushes": self.flushes,
            "new_histories": self.new_histories,
            "last_signal_lag_ms": self.last_signal_lag_ms,
            "since_last_sync_s": None
            if self.last_sync_at is None
            else time.monotonic() - self.last_sync_at,
        }

    def sync_now(self) -> int:
        """Read the change log up to now on a short-lived connection of its own; returns the
        number of changes applied. Normal operation never needs it (tests and tools do)."""
        with self._lock, self._connect() as conn:
            self._check_identity(conn)
            return self._sync(conn, until_horizon=True)

    # -- the thread ------------------------------------------------------------------------

    def _run(self) -> None:
        backoff = self.backoff_min
        first = True
        while not self._stop.is_set():
            try:
                conn = self._conn = self._connect()
                mode = self._check_listen_works(conn)
                with self._lock:
                    self._check_identity(conn)
                    if self.watermark is None:
                        self._first_watermark(conn)
                    else:
                        self._sync(conn, until_horizon=True)
                if not first:
                    self.reconnects += 1
                    self._on_reconnect()
                first = False
                backoff = self.backoff_min
                self._state = mode
                self._ready.set()
                self._loop(conn, listening=mode == "listening")
            except (psycopg.Error, BeamlineError) as exc:
                if self._stop.is_set():
                    break
                reason = mask_text(" ".join(str(exc).split()) or type(exc).__name__)
                if self._state != "reconnecting":
                    log.warning("beamline listener lost its connection: %s; reconnecting", reason)
                self._state, self._reason = "reconnecting", reason
                self._close()
                self._stop.wait(backoff * (1 + random.random() / 2))
                backoff = min(self.backoff_max, backoff * 2)
            except Exception:  # a bug must not kill coherence silently
                log.exception("beamline listener failed; flushing caches and restarting")
                self._flush()
                self.flushes += 1
                self._close()
                self._stop.wait(self.backoff_max)
        # stop() may have closed before this thread opened its last connection: close it here.
        self._close()
        self._state = "stopped"

    def _connect(self) -> psycopg.Connection[Any]:
        return self._open()

    def _execute(self, conn: psycopg.Connection[Any], query: Any, params: Any = None) -> Any:
        """One statement under the call deadline (a frozen server fails it, not hangs it)."""
        with self._deadlines.guard(conn, self.call_timeout):
            return conn.execute(query, params)

    def _close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()

    def _check_listen_works(self, conn: psycopg.Connection[Any]) -> str:
        """``listening``, or ``polling`` with a warning when LISTEN cannot work here.

        The test is the real thing: LISTEN on the probe channel here, NOTIFY it from a second
        connection with a token only this check knows, and wait for that notification. Through
        a transaction-pooling proxy the LISTEN lands on a server connection this one no longer
        holds, so nothing arrives. Change signals read (and dropped) meanwhile are covered by
        the change-log read that follows this check.
        """
        row = self._execute(conn, queries.IS_IN_RECOVERY).fetchone()
        self._standby = bool(row is not None and row[0])
        if self._standby:
            self._reason = (
                "connected to a hot standby (pg_is_in_recovery): NOTIFY does not reach "
                "standbys; connect the client to the primary. Polling the change log every "
                f"{self.poll_interval:g} s meanwhile"
            )
            log.warning("beamline listener: %s", self._reason)
            return "polling"
        self._execute(conn, queries.LISTEN)
        token = uuid.uuid4().hex
        self._execute(conn, queries.LISTEN_PROBE)
        with contextlib.closing(self._open()) as other:
            self._execute(other, queries.NOTIFY_PROBE, {"token": token})
        received = False
        deadline = time.monotonic() + self.detect_timeout
        while not received and not self._stop.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                break
            for notify in conn.notifies(timeout=min(left, 0.1)):
                if notify.channel == "beamline_probe" and notify.payload == token:
                    received = True
                    break
        self._execute(conn, queries.UNLISTEN_PROBE)
        pid = self._execute(conn, queries.BACKEND_PID).fetchone()
        self.backend_pid = None if pid is None else int(pid[0])
        if not received:
            self._reason = (
                "LISTEN/NOTIFY does not work on this connection (a transaction-pooling proxy "
                "such as PgBouncer in transaction mode?): set BEAMLINE_LISTEN_URL to PostgreSQL "
                f"or a session-pooled port. Polling the change log every {self.poll_interval:g} s"
            )
            log.warning("beamline listener: %s", self._reason)
            return "polling"
        self._reason = None
        return "listening"

    def _loop(self, conn: psycopg.Connection[Any], *, listening: bool) -> None:
        last_poll = last_probe = time.monotonic()
        while not self._stop.is_set():
            woke = False
            # While a horizon is pending (a writer still in flight), recheck soon.
            wait = self.wait_timeout if self._pending is None else RECHECK
            if listening:
                for notify in conn.notifies(timeout=wait, stop_after=1):
                    woke = True
                    self.signals += 1
                    self._apply_payload(notify.payload)
                if woke:  # drain what is already queued: one change-log read covers it all
                    for notify in conn.notifies(timeout=0.0001):
                        self.signals += 1
                        self._apply_payload(notify.payload)
            else:
                self._stop.wait(min(wait, self.poll_interval))
            now = time.monotonic()
            polling = now - last_poll >= self.poll_interval
            if woke or self._pending is not None or polling:
                with self._lock:
                    if polling:  # through a pooler the server behind can change unseen
                        self._check_identity(conn)
                    self._sync(conn, until_horizon=woke)
                last_poll = last_probe = time.monotonic()
            elif now - last_probe >= self.probe_interval:
                self._execute(conn, queries.PING)
                last_probe = now

    def _apply_payload(self, payload: str) -> None:
        # Fast path: the payload names one change of the waking transaction; the change log
        # read that follows covers everything else. Any role may NOTIFY this channel, so a
        # payload is trusted only to evict the one key it names: an unknown kind is dropped
        # here (the change log read, which only the owner writes, still flushes on a kind a
        # newer server really records), never turned into a flush of every cache.
        try:
            data = json.loads(payload)
            change = Change(
                kind=str(data["kind"]),
                tenant_id=str(data["tenant"]),
                object_id=str(data["key"]),
                id=data.get("change_id"),
                version=data.get("version"),
                xid=data.get("xid"),
            )
        except (ValueError, KeyError, TypeError):
            return
        if change.kind in CHANGE_KINDS:
            self._apply_changes([change])

    def _check_identity(self, conn: psycopg.Connection[Any]) -> None:
        """Compare the server's history with the one followed so far; on a change, drop every
        position and xid of the old history (on_new_history) and restart from a fresh
        watermark. Transaction ids of another history can be below the watermark (a lossy
        failover rewinds them) or equal to this process's own-write xids."""
        row = self._execute(conn, queries.SERVER_IDENTITY).fetchone()
        assert row is not None
        identity = tuple(row)
        old, self.identity = self.identity, identity
        if old is None or old == identity:
            return
        log.warning(
            "beamline listener: the server's history changed (failover, restore or re-created "
            "database); flushing the caches and restarting from a fresh watermark"
        )
        self._pending = None
        self.watermark = self._current_watermark(conn)
        self._on_new_history()
        self.new_histories += 1
        self.flushes += 1

    def _first_watermark(self, conn: psycopg.Connection[Any]) -> None:
        """Start following the change log (LISTEN is already on). Anything cached before this
        point was read without a watermark, so a change committed in between could never be
        replayed: flush it (the flush also refuses fills of loads that started earlier)."""
        self.watermark = self._current_watermark(conn)
        self._flush()

    def _current_watermark(self, conn: psycopg.Connection[Any]) -> int:
        row = self._execute(conn, queries.CURRENT_WATERMARK).fetchone()
        assert row is not None
        return int(row[0])

    def _horizon(self, conn: psycopg.Connection[Any]) -> int:
        row = self._execute(conn, queries.CHANGE_HORIZON).fetchone()
        assert row is not None
        return int(row[0])

    def _sync(self, conn: psycopg.Connection[Any], *, until_horizon: bool) -> int:
        """Apply the change log from the watermark; with *until_horizon*, first take a horizon
        (an xid above every transaction that has one now) and repeat until the watermark
        reaches it: every writer that was running by then has finished and been read. Flush
        when the log no longer reaches back to the watermark."""
        if self.watermark is None:
            self._first_watermark(conn)
            return 0
        applied = 0
        target: int | None = self._pending
        if until_horizon and not self._standby:
            target = max(target or 0, self._horizon(conn))
        pause = 0.0005
        deadline = time.monotonic() + 0.2
        while True:
            with (
                self._deadlines.guard(conn, self.call_timeout),
                conn.cursor(row_factory=dict_row) as cur,
            ):
                cur.execute(queries.CHANGES_SINCE, {"watermark": self.watermark, "limit": PAGE})
                row = cur.fetchone()
            assert row is not None
            if not row["complete"]:
                log.warning("beamline listener: change log pruned past the watermark; flushing")
                self._flush()
                self.flushes += 1
                self.watermark = int(row["watermark"])
                return applied
            raw = row["changes"]
            entries = json.loads(raw) if isinstance(raw, str) else (raw or [])
            if entries:
                self._apply_changes(
                    Change(
                        kind=e["kind"],
                        tenant_id=e["tenant_id"],
                        object_id=e["object_id"],
                        id=e.get("change_id"),
                        op=e.get("op"),
                        version=e.get("version"),
                        xid=e.get("xid"),
                    )
                    for e in entries
                )
                applied += len(entries)
                self._note_lag(entries[-1].get("changed_at"))
            self.watermark = int(row["watermark"])
            if row["more"]:
                continue
            if target is None or self.watermark >= target:
                self._pending = None
                break
            if not until_horizon and self._pending is None:
                break
            if time.monotonic() > deadline:
                # A long transaction holds the watermark back: keep going on later loops.
                self._pending = target
                break
            # Transactions that started before the wake-up are still in flight: wait briefly.
            if self._stop.wait(pause):
                break
            pause = min(RECHECK, pause * 2)
        self.syncs += 1
        self.changes_applied += applied
        self.last_sync_at = time.monotonic()
        return applied

    def _note_lag(self, changed_at: Any) -> None:
        if not changed_at:
            return
        try:
            when = datetime.fromisoformat(str(changed_at))
        except ValueError:
            return
        self.last_signal_lag_ms = max(0.0, (time.time() - when.timestamp()) * 1e3)
