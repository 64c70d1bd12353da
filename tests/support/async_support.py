"""Drive an AsyncStore from synchronous test code: its own event loop in a thread, every
coroutine method run there to completion. Lets one behavioural test run over Store and
AsyncStore alike (issue 17)."""

from __future__ import annotations

import asyncio
import inspect
import threading
from collections.abc import Callable
from typing import Any

from beamline_store.async_store import AsyncStore
from beamline_store.config import Settings

from .store_support import ADMIN


class SyncAsyncStore:
    """An AsyncStore behind the synchronous Store interface (tests only)."""

    def __init__(self, url: str, settings: Settings, **kwargs: Any) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()
        kwargs.setdefault("actor", ADMIN)
        kwargs.setdefault("listener_options", {"wait_timeout": 0.05, "detect_timeout": 1.0})
        self.inner = AsyncStore(settings, conninfo=url, **kwargs)
        if self.inner.listener is not None:
            assert self.inner.listener.wait_ready(30), self.inner.listener.state()

    def run(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(60)

    def __getattr__(self, name: str) -> Any:
        value = getattr(self.inner, name)
        if inspect.iscoroutinefunction(value):

            def call(*args: Any, **kwargs: Any) -> Any:
                return self.run(value(*args, **kwargs))

            return call
        return value

    def __enter__(self) -> SyncAsyncStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        try:
            self.run(self.inner.aclose())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(10)
            self.loop.close()


def make_any_store(kind: str, url: str, settings: Settings, **kwargs: Any) -> Any:
    """A Store (*kind* "sync") or an AsyncStore driven synchronously (*kind* "async")."""
    from .store_support import make_store

    maker: Callable[..., Any] = make_store if kind == "sync" else SyncAsyncStore
    return maker(url, settings, **kwargs)
