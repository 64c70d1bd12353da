"""Every connection the package opens, built by one recipe with one timeout rule (issue 12).

No other module imports ``psycopg_pool`` or calls ``psycopg.connect``. The recipe:

=======================  ====================================================================
``connect_timeout``      ``ceil(settings.connect_timeout)`` seconds, at least 2 (libpq takes
                         whole seconds and reads 1 as 2; never rounded down to 0 = forever)
TCP keepalives           on; idle ``call_timeout`` s, then 3 probes 1 s apart (a dead peer is
                         noticed even by an idle listener)
``tcp_user_timeout``     ``call_timeout`` (unacknowledged data: the network is gone)
per-call deadline        :class:`Deadlines`: at ``call_timeout - grace`` the statement is
                         cancelled (server-side, the connection stays usable); if no answer
                         by ``call_timeout`` the socket is shut down (a frozen server or
                         network), so a call never blocks longer than its deadline
role                     the login role of the URL; application work needs it to be a member
                         of the application role (``beamline_app``) and nothing more. A login
                         with more power (a superuser, a member of the owner role) is dropped
                         to the application role with ``SET ROLE`` on direct connections and
                         refused behind a pooler, where a session setting cannot hold. The
                         ``options`` startup parameter is never used for the role (PgBouncer
                         rejects it by default, or drops it silently when told to ignore it).
prepared statements      off (``prepare_threshold=None``) when the server's pid differs from
                         the one the connection announced: a proxy such as PgBouncer
=======================  ====================================================================

:class:`Connector` is the one way in for a :class:`~beamline_store.store.Store`: its pools, its
fail-fast rule while PostgreSQL is unreachable, reconnection on demand and the error translation
(:func:`beamline_store.errors.translate`). Recipes for the other connections: :func:`connect`
(the listener, the DevState CLI's transactions, probes) and :func:`connect_admin` (migrate,
bootstrap, status: the URL's login as it is).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import select
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import psycopg
from psycopg.types.json import set_json_loads
from psycopg_pool import AsyncConnectionPool, ConnectionPool, PoolClosed, PoolTimeout

from . import queries
from .config import Settings
from .errors import (
    ConfigurationError,
    DatabaseUnavailable,
    ReadOnlyDatabase,
    WriteOutcomeUnknown,
    connection_lost,
    translate,
)
from .secrets import mask_text

__all__ = [
    "AsyncConnector",
    "Connection",
    "Connector",
    "Deadlines",
    "connect",
    "connect_admin",
    "recipe",
]

log = logging.getLogger(__name__)

Connection = psycopg.Connection[Any]
AsyncConnection = psycopg.AsyncConnection[Any]
T = TypeVar("T")

_SLICE = 0.05  # seconds a caller waits on the pool before checking the Connector's state


def _text_json(data: Any) -> str:
    return bytes(data).decode("utf-8")


def connect_timeout(settings: Settings) -> int:
    """The one rounding rule: libpq takes whole seconds and treats 1 as 2; round up, at least 2."""
    return max(2, math.ceil(settings.connect_timeout))


def recipe(settings: Settings, *, application_name: str, autocommit: bool = True) -> dict[str, Any]:
    """The keyword arguments of every connection: timeouts, keepalives, name (no role)."""
    call = max(1, math.ceil(settings.call_timeout))
    return {
        "autocommit": autocommit,
        "connect_timeout": connect_timeout(settings),
        "application_name": application_name,
        "keepalives": 1,
        "keepalives_idle": call,
        "keepalives_interval": 1,
        "keepalives_count": 3,
        "tcp_user_timeout": int(settings.call_timeout * 1000),
    }


def _password_of(conninfo: str) -> str | None:
    try:
        value = psycopg.conninfo.conninfo_to_dict(conninfo).get("password")
    except psycopg.ProgrammingError:
        return None
    return None if value is None else str(value)


def assume_app_role(conn: Connection, settings: Settings) -> bool:
    """Make *conn* act as the application role and nothing more (see the module table).

    Returns True when *conn* goes through a proxy (PgBouncer): its prepared statements are then
    turned off. Raises :class:`ConfigurationError` with the reason when the login cannot act as
    the application role safely.
    """
    with conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        cur.execute(queries.ROLE_CHECK, {"app": settings.app_role, "owner": settings.owner_role})
        row = cur.fetchone()
    assert row is not None
    proxied, set_role = _role_decision(conn, row, settings)
    if set_role:
        conn.execute(queries.SET_ROLE, {"role": settings.app_role})
    return proxied


async def assume_app_role_async(conn: AsyncConnection, settings: Settings) -> bool:
    """:func:`assume_app_role` for an async connection (the same decision, one rule)."""
    async with conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        await cur.execute(
            queries.ROLE_CHECK, {"app": settings.app_role, "owner": settings.owner_role}
        )
        row = await cur.fetchone()
    assert row is not None
    proxied, set_role = _role_decision(conn, row, settings)
    if set_role:
        await conn.execute(queries.SET_ROLE, {"role": settings.app_role})
    return proxied


def _role_decision(
    conn: Connection | AsyncConnection, row: dict[str, Any], settings: Settings
) -> tuple[bool, bool]:
    """The role rule of the module table: (proxied, needs ``SET ROLE``), or ConfigurationError."""
    proxied = int(row["pid"]) != conn.info.backend_pid
    if proxied:
        conn.prepare_threshold = None
    login = conn.info.parameter_status("session_authorization") or "the login role"
    if not row["app_exists"]:
        raise ConfigurationError(
            f"the application role {settings.app_role} does not exist: run `beamline migrate`"
        )
    if row["is_app"] or (row["app_usage"] and not row["superuser"] and not row["owner_member"]):
        return proxied, False
    if not (row["superuser"] or row["app_member"]):
        raise ConfigurationError(
            f"login role {login} is not a member of the application role {settings.app_role}: "
            f"grant {settings.app_role} to {login} (docs/CONFIG.md, 'Roles and logins')"
        )
    if proxied:
        raise ConfigurationError(
            f"login role {login} can do more than the application role {settings.app_role}, and "
            "behind a pooler a SET ROLE cannot hold: log in as a role that is only a member of "
            f"{settings.app_role} (docs/CONFIG.md, 'Roles and logins')"
        )
    # A direct session of a more powerful login (a superuser URL given explicitly): drop to the
    # application role for the whole session.
    return proxied, True


def connect(
    conninfo: str,
    settings: Settings,
    *,
    application_name: str,
    autocommit: bool = True,
    app_role: bool = True,
    options: str | None = None,
    secrets: Sequence[str | None] = (),
    json_text: bool = False,
) -> Connection:
    """One connection by the recipe, as the application role (unless *app_role* is False).

    *json_text*: json/jsonb values arrive as their text (the Store's models keep it compact
    and parse on access) instead of parsed.

    *options* adds server settings to the startup packet (DevState's HMAC settings, which must
    never travel in a statement). Failures raise :func:`translate`'d errors, masked: a server
    refusal as :class:`ConfigurationError`, anything else as :class:`DatabaseUnavailable`.
    """
    kwargs = recipe(settings, application_name=application_name, autocommit=autocommit)
    if options:
        kwargs["options"] = options
    known = [*secrets, _password_of(conninfo)]
    try:
        conn: Connection = psycopg.connect(conninfo, **kwargs)
    except psycopg.Error as exc:
        raise translate(exc, connecting=True, secrets=known) from None
    try:
        if json_text:
            set_json_loads(_text_json, conn)
        if app_role:
            assume_app_role(conn, settings)
    except BaseException as exc:
        conn.close()
        raise translate(exc, connecting=True, secrets=known) from None
    return conn


def connect_admin(dsn: str, *, timeout: float = 5.0) -> psycopg.Connection[tuple[object, ...]]:
    """An autocommit connection as the URL's login (migrate, bootstrap, status), no role switch.
    Errors are one line, masked, and say the target."""
    try:
        return psycopg.connect(dsn, autocommit=True, connect_timeout=max(2, math.ceil(timeout)))
    except psycopg.Error as exc:
        error = translate(exc, connecting=True, secrets=[_password_of(dsn)])
        if isinstance(error, DatabaseUnavailable | ConfigurationError):
            error.message = mask_text(
                f"cannot connect to {dsn}: {error.message}", [_password_of(dsn)]
            )
            error.args = (error.message,)
        raise error from None


# -- per-call deadlines ----------------------------------------------------------------------


class _Call:
    __slots__ = ("conn", "deadline", "done", "fired", "lock", "timeout")

    def __init__(self, conn: Connection, timeout: float) -> None:
        self.conn = conn
        self.timeout = timeout
        self.deadline = time.monotonic() + timeout
        self.lock = threading.Lock()
        self.done = False
        self.fired = 0  # 1: cancel sent, 2: socket shut down


class Deadlines:
    """Bounds every call on a connection: ``with deadlines.guard(conn, seconds) as call``.

    One watchdog thread (started by a guard, gone after *idle_exit* seconds without calls)
    checks the calls in flight every *tick* seconds. At ``deadline - grace`` it asks the
    server to cancel the statement (the connection stays usable; the call fails with SQLSTATE
    57014); if the call is still running one tick
    before the deadline (a frozen server or network: a cancel cannot help) it shuts the socket
    down, so the call fails within its deadline. ``call.fired`` tells the caller the deadline
    was the cause.
    """

    def __init__(self, *, tick: float = 0.05, idle_exit: float = 1.0) -> None:
        self.tick = tick
        self.idle_exit = idle_exit
        self._calls: dict[int, _Call] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @contextlib.contextmanager
    def guard(self, conn: Connection, timeout: float | None) -> Iterator[_Call | None]:
        if timeout is None:
            yield None
            return
        call = _Call(conn, timeout)
        key = id(call)
        self._calls[key] = call
        with self._lock:  # (the watchdog decides to stop under this lock, see _watch)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._watch, name="beamline-deadlines", daemon=True
                )
                self._thread.start()
        try:
            yield call
        finally:
            with call.lock:  # waits for a cancel or shutdown in progress on this connection
                call.done = True
            self._calls.pop(key, None)

    def _watch(self) -> None:
        idle = 0.0
        while True:
            time.sleep(self.tick)
            if not self._calls:
                # Nothing to watch for a while: stop (a closed Store leaves no thread behind);
                # the next guard starts a new one.
                idle += self.tick
                if idle >= self.idle_exit:
                    with self._lock:
                        if not self._calls:
                            self._thread = None
                            return
                continue
            idle = 0.0
            now = time.monotonic()
            for call in list(self._calls.values()):
                grace = min(1.0, call.timeout / 4)
                if call.fired == 0 and now >= call.deadline - grace:
                    with call.lock:
                        if not call.done:
                            call.fired = 1
                            with contextlib.suppress(Exception):
                                call.conn.cancel_safe(timeout=grace / 2)
                elif call.fired == 1 and now + self.tick >= call.deadline:
                    with call.lock:
                        if not call.done:
                            call.fired = 2
                            _shut_down(call.conn)


def _shut_down(conn: Connection) -> None:
    """Wake a call blocked on *conn*'s socket: shut the socket down (the blocked read returns
    end-of-file and psycopg raises OperationalError)."""
    with contextlib.suppress(Exception):
        fd = conn.fileno()
        sock = socket.socket(fileno=os.dup(fd))
        try:
            sock.shutdown(socket.SHUT_RDWR)
        finally:
            sock.close()


# -- the Store's connections -------------------------------------------------------------------


def _idle_connection_ok(conn: Connection) -> bool:
    """The check at every checkout, without a round trip: an idle connection has nothing to
    read, so a readable socket means the server closed it (shutdown, restart, terminated
    backend) and the statement would be lost (or, for a write, its outcome unknown)."""
    if conn.closed or conn.pgconn.status != psycopg.pq.ConnStatus.OK:
        return False
    readable, _, _ = select.select([conn.fileno()], [], [], 0)
    return not readable


def commit_past_deadline(deadline: float | None) -> WriteOutcomeUnknown:
    """The error of a write that *succeeded after its deadline's cancel was sent* (the one rule
    of :class:`Connector` and :class:`AsyncConnector`): it was waiting at COMMIT for a
    synchronous standby, and PostgreSQL keeps such a commit locally with only a WARNING.
    Durable here, not replicated: a failover now would lose it, so it is never acknowledged
    (docs/HA.md). A policy write that raises it evicts its key (``Coherence.writing``)."""
    return WriteOutcomeUnknown(
        f"the write committed on this server but its deadline of {deadline or 0:g} s fired "
        "while it waited for a synchronous standby: it may be lost in a failover; read it again",
        hint="Check the standby (synchronous_standby_names); a retry with expected_version is "
        "safe.",
    )


@dataclass
class _State:
    verified: bool = False  # a round trip succeeded since start or since the last failure
    down_since: float | None = None
    last_probe: float = -math.inf
    refused: ConfigurationError | None = None
    lost: bool = False  # a connection was lost since the last successful probe


class Connector:
    """The connections of one Store: the API pool, DevState's pool, and the rules that bound them.

    * Before the first call, and after a connection was lost, one caller *probes*: opens one
      connection by the recipe (bounded by ``connect_timeout``); callers arriving meanwhile wait
      for it and share its outcome. Success clears "down" and, after a failure, replaces the
      pools (no waiting for a pool's reconnection backoff, no stale connection handed out).
      Failure marks the database down: until *probe_interval* has passed since the end of the
      last attempt, every call fails at once with :class:`DatabaseUnavailable`. A refusal
      (wrong role, password, database) raises :class:`ConfigurationError` at once. While down,
      a background thread tries every *recovery_tick* seconds and each of its attempts counts
      as the interval's probe, so callers do not wait on the network and the first call after
      the server's return usually finds it up already (the gate: :meth:`_probe`).
    * Every call runs under :class:`Deadlines` (``settings.call_timeout``). A deadline that fires
      on a lost connection marks the database down (a frozen server).
    * A read that fails because its connection was lost is retried once after a successful
      probe (a server restart); a write never is: if it had been sent its outcome is unknown
      (:class:`WriteOutcomeUnknown`).
    * A write refused as read-only (25006: a standby) makes the next call probe and replace the
      pools: it connects anew.
    """

    def __init__(
        self,
        conninfo: str,
        settings: Settings,
        *,
        application_name: str,
        probe_interval: float = 1.0,
        recovery_tick: float = 0.1,
        secrets: Sequence[str | None] = (),
        deadlines: Deadlines | None = None,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self.conninfo = conninfo
        self.settings = settings
        self.application_name = application_name
        self.probe_interval = probe_interval
        self.recovery_tick = recovery_tick
        self._timer = timer  # the probe gate's clock (tests pass a fake one)
        self._stop = threading.Event()  # set by close(): ends the recovery thread at once
        self.call_timeout: float | None = settings.call_timeout
        self.deadlines = deadlines or Deadlines()
        self._secrets = [*secrets, _password_of(conninfo)]
        self._state = _State()
        self._probe_lock = threading.Lock()
        self._pools_lock = threading.Lock()
        self._closed = False
        self._pool = self._new_pool("beamline-store", max(1, settings.pool_min_size))
        self._devstate_options: str | None = None
        self._devstate_pool: ConnectionPool[Connection] | None = None

    # -- pools -----------------------------------------------------------------------------

    def _new_pool(
        self, name: str, min_size: int, max_size: int | None = None, options: str | None = None
    ) -> ConnectionPool[Connection]:
        settings = self.settings
        kwargs = recipe(settings, application_name=self.application_name)
        if options:
            kwargs["options"] = options

        def configure(conn: Connection) -> None:
            if options is None:  # the API pool: json as text (DevState's functions parse it)
                set_json_loads(_text_json, conn)
            assume_app_role(conn, settings)

        pool: ConnectionPool[Connection] = ConnectionPool(
            self.conninfo,
            min_size=min_size,
            max_size=max(min_size, max_size or settings.pool_max_size),
            timeout=settings.pool_timeout,
            # The pool's own reconnection gives up at once: the Connector probes and replaces the
            # pool on demand instead of waiting on a growing backoff.
            reconnect_timeout=0.0,
            kwargs=kwargs,
            configure=configure,
            reconnect_failed=lambda _pool: self._lost(down=False),
            name=name,
            open=False,
        )
        pool.open(wait=False)
        return pool

    def devstate_pool(self, options: str) -> ConnectionPool[Connection]:
        """DevState's pool: the same recipe, the HMAC settings in the startup *options*."""
        with self._pools_lock:
            if self._devstate_pool is None or self._devstate_options != options:
                old = self._devstate_pool
                self._devstate_options = options
                self._devstate_pool = self._new_pool(
                    "beamline-store-devstate",
                    1,
                    max(1, min(4, self.settings.pool_max_size)),
                    options=options,
                )
                if old is not None:
                    _close_later(old)
            return self._devstate_pool

    def _replace_pools(self) -> None:
        with self._pools_lock:
            if self._closed:
                return
            old = [self._pool, self._devstate_pool]
            self._pool = self._new_pool("beamline-store", max(1, self.settings.pool_min_size))
            if self._devstate_pool is not None and self._devstate_options is not None:
                self._devstate_pool = self._new_pool(
                    "beamline-store-devstate",
                    1,
                    max(1, min(4, self.settings.pool_max_size)),
                    options=self._devstate_options,
                )
        for pool in old:
            if pool is not None:
                _close_later(pool)

    def check(self) -> None:
        """The listener reconnected (the server may have restarted): the next call probes and
        starts fresh pools, DevState's too. Not ``pool.check()``: its round trip on each idle
        connection has no deadline, and one frozen backend kept the listener's thread, so
        cache coherence, waiting until the backend was resumed."""
        self._lost(down=False)

    def close(self) -> None:
        self._stop.set()
        with self._pools_lock:
            self._closed = True
            pools = [self._pool, self._devstate_pool]
        for pool in pools:
            if pool is not None:
                pool.close(timeout=5.0)

    def pool_stats(self) -> dict[str, int]:
        stats = self._pool.get_stats()
        return {k: stats.get(k, 0) for k in ("pool_size", "pool_available", "requests_waiting")}

    # -- state -----------------------------------------------------------------------------

    @property
    def down_since(self) -> float | None:
        """``time.monotonic()`` when the database was found unreachable, or None."""
        return self._state.down_since

    def _probe(self) -> None:
        """Called while not verified: fail fast, or be the one caller that probes.

        The gate (docs/CLIENT.md, "Degraded mode and faults"): while the database is known to
        be down (or refused the login) at most one attempt to connect runs per *probe_interval*,
        counted from the end of the previous attempt, whoever made it (a caller or the recovery
        thread); every other call fails at once. While the state is unknown (the first call, a
        lost connection) callers wait for the one probe in progress and share its outcome.
        The decision is taken again under the lock: what a caller read before may predate a
        probe that ended meanwhile.
        """
        state = self._state
        if self._within_interval(self._timer()):  # the common fast failure, without the lock
            self._refuse()
        if not self._probe_lock.acquire(blocking=state.down_since is None):
            raise self._fast_failure(self._timer())  # another caller is probing a down server
        try:
            if state.verified:  # a probe succeeded while this caller waited
                return
            if self._within_interval(self._timer()):
                self._refuse()  # a probe failed (or was refused) while this caller waited
            state.last_probe = self._timer()
            try:
                self._attempt()
            finally:
                # The interval counts from the end of the probe: a probe that waited for
                # connect_timeout is not followed at once by another one.
                state.last_probe = self._timer()
        finally:
            self._probe_lock.release()

    def _within_interval(self, now: float) -> bool:
        """A probe started or ended less than *probe_interval* ago and found no server."""
        state = self._state
        return now - state.last_probe < self.probe_interval and (
            state.refused is not None or state.down_since is not None
        )

    def _refuse(self) -> None:
        """Raise the failure the last probe found (the gate is closed)."""
        if self._state.refused is not None:
            raise _copy(self._state.refused)
        raise self._fast_failure(self._timer())

    def _attempt(self) -> None:
        """One connection by the recipe (the probe lock is held); updates the state."""
        state = self._state
        try:
            conn = connect(
                self.conninfo,
                self.settings,
                application_name=self.application_name,
                secrets=self._secrets,
            )
        except ConfigurationError as exc:
            state.refused = exc
            raise
        except DatabaseUnavailable:
            self._mark_down()
            raise
        conn.close()
        state.refused = None
        if state.down_since is not None or state.lost:
            # Connections opened before the failure may be broken: start afresh.
            state.down_since = None
            state.lost = False
            self._replace_pools()
        state.verified = True

    def _mark_down(self) -> None:
        """Record the outage and start the background watch for the server's return."""
        state = self._state
        if state.down_since is None:
            state.down_since = self._timer()
            threading.Thread(
                target=self._watch_recovery, name="beamline-recovery", daemon=True
            ).start()

    def _watch_recovery(self) -> None:
        """While down, try to connect every ``recovery_tick`` seconds in the background, so
        the first call after the server's return finds it up (no caller waits for this).
        Each attempt counts as the interval's probe: a caller does not wait on the network
        right after this thread found the server still down."""
        while self._state.down_since is not None and not self._closed:
            if self._stop.wait(self.recovery_tick):
                return  # closed
            if not self._probe_lock.acquire(blocking=False):
                continue  # a caller is probing
            try:
                if self._state.down_since is not None and not self._closed:
                    self._state.last_probe = self._timer()
                    try:
                        self._attempt()
                    finally:
                        self._state.last_probe = self._timer()
            except Exception:  # still down (or refused): the next tick tries again
                pass
            finally:
                self._probe_lock.release()

    def _fast_failure(self, now: float) -> DatabaseUnavailable:
        since = self._state.down_since
        down_for = 0.0 if since is None else now - since
        return DatabaseUnavailable(
            f"PostgreSQL has been unreachable for {down_for:.1f} s (next attempt within "
            f"{self.probe_interval:g} s); cached reads keep answering",
            hint="Check the server (beamline db status) and the connection settings.",
        )

    def _lost(self, *, down: bool) -> None:
        """A connection was lost: probe again before the next call (or mark down at once)."""
        state = self._state
        state.verified = False
        state.lost = True
        if down and state.down_since is None:
            self._mark_down()
            state.last_probe = self._timer()

    # -- calls -----------------------------------------------------------------------------

    def run(
        self,
        function: Callable[[Connection], T],
        *,
        write: bool,
        devstate_options: str | None = None,
        timeout: float | bool | None = True,
    ) -> T:
        """``function(conn)`` on a pooled connection as the application role, translated.

        *timeout*: True for ``settings.call_timeout``, None for no deadline (long DevState
        exports/imports), or seconds.
        """
        if not self._state.verified:
            self._probe()
        deadline = self.call_timeout if timeout is True else (timeout or None)
        for attempt in (0, 1):
            conn, pool = self._getconn(devstate_options)
            call = None
            try:
                with self.deadlines.guard(conn, deadline) as call:
                    result = function(conn)
                if write and call is not None and call.fired > 0:
                    raise commit_past_deadline(deadline)
                return result
            except psycopg.Error as exc:
                fired = call is not None and call.fired > 0
                error = translate(
                    exc,
                    write=write,
                    deadline=deadline if fired else None,
                    secrets=self._secrets,
                )
                if isinstance(error, ReadOnlyDatabase):
                    # Connect anew at the next call (target_session_attrs finds the primary).
                    self._lost(down=False)
                    raise error from None
                if not connection_lost(exc):
                    raise error from None  # the server answered: it is up
                if fired:
                    self._lost(down=True)  # a frozen server or network
                    raise error from None
                self._lost(down=False)
                if write or attempt:
                    raise error from None
                self._probe()  # raises at once if the server is gone; else fresh pools
            finally:
                pool.putconn(conn)
        raise AssertionError("unreachable")  # pragma: no cover

    def _getconn(
        self, devstate_options: str | None
    ) -> tuple[Connection, ConnectionPool[Connection]]:
        """A connection from the pool, waiting at most ``pool_timeout``. The first wait is a
        short slice: a pool that cannot connect (its attempt failed: ``reconnect_failed``) sends
        this caller to probe at once instead of waiting the full timeout; a pool that is merely
        busy is then waited for in one go (keeping this caller's place in its queue)."""
        limit = time.monotonic() + self.settings.pool_timeout
        first = True
        while True:
            if not self._state.verified:
                self._probe()
            pool = self._pool if devstate_options is None else self.devstate_pool(devstate_options)
            left = limit - time.monotonic()
            try:
                conn = pool.getconn(timeout=max(0.001, min(_SLICE, left) if first else left))
            except PoolClosed:
                if self._closed:
                    raise DatabaseUnavailable("the store is closed") from None
                continue  # a probe renewed the pools while this caller queued: use the new one
            except PoolTimeout:
                first = False
                if left <= _SLICE:
                    raise DatabaseUnavailable(
                        f"no database connection within {self.settings.pool_timeout:g} s: every "
                        "pooled connection is busy or PostgreSQL stopped accepting connections",
                        hint="Check `beamline db status`; raise BEAMLINE_POOL_MAX_SIZE if busy.",
                    ) from None
                continue
            if _idle_connection_ok(conn):
                return conn, pool
            # The server closed it: restarted or gone. Discard it and probe before going on.
            conn.close()
            pool.putconn(conn)
            self._lost(down=False)

    @contextlib.contextmanager
    def borrow(self, devstate_options: str | None = None) -> Iterator[Connection]:
        """A pooled connection for a sequence of statements (the DevState CLI's commands),
        with no deadline; failures translated as in :meth:`run`."""
        conn, pool = self._getconn(devstate_options)
        try:
            yield conn
        except psycopg.Error as exc:
            if connection_lost(exc):
                self._lost(down=False)
            raise translate(exc, write=True, secrets=self._secrets) from None
        finally:
            pool.putconn(conn)


def _copy(error: ConfigurationError) -> ConfigurationError:
    return ConfigurationError(error.message, detail=error.detail, hint=error.hint)


def _close_later(pool: ConnectionPool[Connection]) -> None:
    """Close a replaced pool without making the caller wait for its connections."""
    threading.Thread(
        target=lambda: pool.close(timeout=5.0), name="beamline-pool-close", daemon=True
    ).start()


# -- the AsyncStore's connections (issue 17) ----------------------------------------------------


async def _async_deadline(conn: AsyncConnection, timeout: float, fired: list[int]) -> None:
    """The :class:`Deadlines` rule for one async call (cancelled when the call returns)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    grace = min(1.0, timeout / 4)
    await asyncio.sleep(timeout - grace)
    fired[0] = 1
    with contextlib.suppress(Exception):
        await asyncio.wait_for(conn.cancel_safe(timeout=grace / 2), grace / 2)
    await asyncio.sleep(max(0.0, end - 0.05 - loop.time()))
    fired[0] = 2
    _shut_down(conn)  # type: ignore[arg-type]


class AsyncConnector:
    """The connections of one :class:`~beamline_store.async_store.AsyncStore`: an
    ``AsyncConnectionPool`` by the same recipe, with the same rules as :class:`Connector`
    (fail fast while down with one probe per *probe_interval*, a read retried once after a lost
    connection, a write never, the deadline ``settings.call_timeout``, a write that succeeded
    after its deadline fired is :func:`commit_past_deadline`, one translator).

    The deadline is :class:`Deadlines`' rule, as a task per call: at ``deadline - grace`` the
    statement is cancelled server-side (the connection stays usable), at the deadline the socket
    is shut down (a frozen server or network), so a call never waits beyond its deadline. (Not
    ``asyncio.timeout``: cancelling a psycopg coroutine makes it wait for the server's answer to
    the cancel, up to 10 s on a frozen server.) Use it inside one event loop; the pool opens at
    the first call.
    """

    def __init__(
        self,
        conninfo: str,
        settings: Settings,
        *,
        application_name: str,
        probe_interval: float = 1.0,
        secrets: Sequence[str | None] = (),
    ) -> None:
        self.conninfo = conninfo
        self.settings = settings
        self.application_name = application_name
        self.probe_interval = probe_interval
        self.call_timeout: float | None = settings.call_timeout
        self._secrets = [*secrets, _password_of(conninfo)]
        self._state = _State()
        self._pool: AsyncConnectionPool[AsyncConnection] | None = None
        # DevState's pool (as Connector's): its own, the HMAC settings in the startup options.
        self._devstate_options: str | None = None
        self._devstate_pool: AsyncConnectionPool[AsyncConnection] | None = None
        self._probe_lock = asyncio.Lock()
        self._closed = False

    @property
    def down_since(self) -> float | None:
        """``time.monotonic()`` when the database was found unreachable, or None."""
        return self._state.down_since

    def check(self) -> None:
        """Thread-safe (the listener's thread calls it after a reconnect: the server may have
        restarted): the next call probes and starts a fresh pool."""
        self._lost()

    def _new_pool(self, options: str | None = None) -> AsyncConnectionPool[AsyncConnection]:
        """The API pool, or DevState's (*options*: the HMAC settings; sizes as Connector's)."""
        settings = self.settings
        kwargs = recipe(settings, application_name=self.application_name)
        if options:
            kwargs["options"] = options

        async def configure(conn: AsyncConnection) -> None:
            if options is None:  # the API pool: json as text (DevState's calls parse it)
                set_json_loads(_text_json, conn)
            await assume_app_role_async(conn, settings)

        if options is None:
            min_size = max(1, settings.pool_min_size)
            max_size = max(min_size, settings.pool_max_size)
        else:
            min_size, max_size = 1, max(1, min(4, settings.pool_max_size))
        return AsyncConnectionPool(
            self.conninfo,
            min_size=min_size,
            max_size=max_size,
            timeout=settings.pool_timeout,
            reconnect_timeout=0.0,
            kwargs=kwargs,
            configure=configure,
            # As the sync pools: the pool gives up at once, the next call probes (and renews it).
            reconnect_failed=lambda _pool: self._lost(),
            name="beamline-async-store" if options is None else "beamline-async-devstate",
            open=False,
        )

    async def _pool_for(self, devstate_options: str | None) -> AsyncConnectionPool[AsyncConnection]:
        """The API pool, or DevState's for *devstate_options* (a new one when they changed)."""
        assert self._pool is not None
        if devstate_options is None:
            return self._pool
        if self._devstate_pool is None or self._devstate_options != devstate_options:
            old = self._devstate_pool
            self._devstate_options = devstate_options
            self._devstate_pool = self._new_pool(devstate_options)
            await self._devstate_pool.open(wait=False)
            if old is not None:
                asyncio.get_running_loop().create_task(old.close(timeout=5.0))
        return self._devstate_pool

    async def _attempt(self) -> None:
        """One connection by the recipe; success clears "down" and renews the pool."""
        state = self._state
        kwargs = recipe(self.settings, application_name=self.application_name)
        try:
            # libpq's connect_timeout, enforced by the loop too (a frozen postmaster).
            async with asyncio.timeout(kwargs["connect_timeout"]):
                conn = await psycopg.AsyncConnection.connect(self.conninfo, **kwargs)
        except TimeoutError:
            if state.down_since is None:
                state.down_since = time.monotonic()
            raise DatabaseUnavailable(
                f"cannot connect to PostgreSQL: no answer within {kwargs['connect_timeout']} s"
            ) from None
        except psycopg.Error as exc:
            error = translate(exc, connecting=True, secrets=self._secrets)
            if isinstance(error, ConfigurationError):
                state.refused = error
            elif state.down_since is None:
                state.down_since = time.monotonic()
            raise error from None
        try:
            await assume_app_role_async(conn, self.settings)
        except ConfigurationError as exc:
            state.refused = exc
            raise
        finally:
            await conn.close()
        state.refused = None
        if self._pool is None or state.down_since is not None or state.lost:
            # Connections opened before the failure may be broken: start afresh (both pools).
            old = [self._pool, self._devstate_pool]
            self._pool = self._new_pool()
            await self._pool.open(wait=False)
            self._devstate_pool = None  # made again by the next DevState call
            for pool in old:
                if pool is not None:
                    asyncio.get_running_loop().create_task(pool.close(timeout=5.0))
        state.down_since = None
        state.lost = False
        state.verified = True

    def _fast_failure(self, now: float) -> DatabaseUnavailable:
        since = self._state.down_since
        return DatabaseUnavailable(
            f"PostgreSQL has been unreachable for {now - (since or now):.1f} s (next attempt "
            f"within {self.probe_interval:g} s); cached reads keep answering",
            hint="Check the server (beamline db status) and the connection settings.",
        )

    async def _probe(self) -> None:
        """As :meth:`Connector._probe`: fail fast, or be the one coroutine that probes (the
        same gate; coroutines that waited for a probe share its outcome)."""
        state = self._state
        self._refuse_within_interval()
        if self._probe_lock.locked() and state.down_since is not None:
            raise self._fast_failure(time.monotonic())  # another coroutine is probing
        async with self._probe_lock:
            if state.verified:  # another coroutine's probe succeeded meanwhile
                return
            self._refuse_within_interval()  # ... or failed while this one waited
            state.last_probe = time.monotonic()
            try:
                await self._attempt()
            finally:
                state.last_probe = time.monotonic()

    def _refuse_within_interval(self) -> None:
        """Fail at once if a probe started or ended less than *probe_interval* ago and found
        no server (or a refusal)."""
        state = self._state
        now = time.monotonic()
        if now - state.last_probe < self.probe_interval:
            if state.refused is not None:
                raise _copy(state.refused)
            if state.down_since is not None:
                raise self._fast_failure(now)

    def _lost(self) -> None:
        self._state.verified = False
        self._state.lost = True

    async def run(
        self,
        function: Callable[[AsyncConnection], Awaitable[T]],
        *,
        write: bool,
        devstate_options: str | None = None,
        timeout: float | bool | None = True,
    ) -> T:
        """``await function(conn)`` on a pooled connection as the application role, translated.

        *devstate_options*: on DevState's pool with these startup options. *timeout*: True for
        ``settings.call_timeout``, None for no deadline (DevState's file export/import), or
        seconds (as :meth:`Connector.run`).
        """
        if self._closed:
            raise DatabaseUnavailable("the store is closed")
        deadline = self.call_timeout if timeout is True else (timeout or None)
        for attempt in (0, 1):
            if not self._state.verified:
                await self._probe()
            pool = await self._pool_for(devstate_options)
            try:
                conn = await pool.getconn()
            except PoolClosed:
                if self._closed:
                    raise DatabaseUnavailable("the store is closed") from None
                continue  # a probe renewed the pools while this coroutine queued: use the new one
            except PoolTimeout:
                raise DatabaseUnavailable(
                    f"no database connection within {self.settings.pool_timeout:g} s: every "
                    "pooled connection is busy or PostgreSQL stopped accepting connections",
                    hint="Check `beamline db status`; raise BEAMLINE_POOL_MAX_SIZE if busy.",
                ) from None
            if not _idle_connection_ok(conn):  # type: ignore[arg-type]
                # The server closed it (see _idle_connection_ok): discard, probe, go on.
                await conn.close()
                await pool.putconn(conn)
                self._lost()
                continue
            fired = [0]
            watch = (
                None
                if deadline is None
                else asyncio.create_task(_async_deadline(conn, deadline, fired))
            )
            try:
                result = await function(conn)
                if write and fired[0]:
                    raise commit_past_deadline(deadline)  # Connector's rule
                return result
            except psycopg.Error as exc:
                if fired[0]:
                    if fired[0] == 2 and self._state.down_since is None:
                        self._state.down_since = time.monotonic()  # a frozen server or network
                        self._state.last_probe = time.monotonic()
                    if connection_lost(exc):
                        self._lost()
                    raise translate(
                        exc, write=write, deadline=deadline, secrets=self._secrets
                    ) from None
                error = translate(exc, write=write, secrets=self._secrets)
                if isinstance(error, ReadOnlyDatabase):
                    self._lost()  # connect anew at the next call (a standby answered)
                    raise error from None
                if not connection_lost(exc):
                    raise error from None  # the server answered: it is up
                self._lost()
                if write or attempt:
                    raise error from None
            finally:
                if watch is not None:
                    watch.cancel()
                await pool.putconn(conn)  # a closed connection is discarded by the pool
        raise DatabaseUnavailable("lost the database connection twice")  # pragma: no cover

    def pool_stats(self) -> dict[str, int]:
        if self._pool is None:
            return {"pool_size": 0, "pool_available": 0, "requests_waiting": 0}
        stats = self._pool.get_stats()
        return {k: stats.get(k, 0) for k in ("pool_size", "pool_available", "requests_waiting")}

    async def close(self) -> None:
        self._closed = True
        for pool in (self._pool, self._devstate_pool):
            if pool is not None:
                await pool.close(timeout=5.0)
