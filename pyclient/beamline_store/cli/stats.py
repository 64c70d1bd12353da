"""``beamline stats``: the client's statistics after an optional warm-up call, and the server's
view (SPEC §7). A one-shot CLI process has little cache history: long-running processes call
``store.stats()`` / ``store.prometheus()`` themselves."""

from __future__ import annotations

import click

from ..config import Settings
from ._common import emit, json_option, open_store, table

__all__ = ["commands"]


@click.command("stats")
@click.option("--prometheus", is_flag=True, help="Prometheus text exposition.")
@json_option
@click.pass_obj
def stats(settings: Settings, prometheus: bool, as_json: bool) -> None:
    """Cache, listener, latency and error statistics of a client."""
    with open_store(settings) as store:
        store._call("PING", {})  # one round trip, so latencies are not empty
        snapshot = store.stats()
        text = store.prometheus() if prometheus else None
    if text is not None:
        click.echo(text, nl=False)
        return

    def human() -> str:
        rows = [(name, c["hits"], c["misses"], f"{c['hit_ratio']:.2f}", c["evictions"],
                 c["invalidations"], c["entries"], c["bytes"])
                for name, c in snapshot["caches"].items()]  # fmt: skip
        db = snapshot["db"]
        return "\n".join([
            table(rows, ["cache", "hits", "misses", "ratio", "evictions", "invalidations",
                         "entries", "bytes"]),
            f"listener: {snapshot['listener']['state']}",
            f"db calls: {db['calls']}  p50 {db['p50_ms']:.2f} ms  p99 {db['p99_ms']:.2f} ms",
            f"errors: {db['errors'] or 'none'}",
        ])  # fmt: skip

    emit(as_json, snapshot, human)


commands = [stats]
