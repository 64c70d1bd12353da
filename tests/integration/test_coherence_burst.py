"""The burst drill of issue 13 with the public API only: 4 writer threads commit put_policy in
500 concurrent bursts while 3 reader processes, each a Store with its own listener, read the same
keys through their caches. No burst may leave any reader stale for more than 1 s (the poll
backstop is 60 s, so only signals and the change-log horizon can pass). Lag percentiles are a
bench figure (bench/coherence_burst.py), not asserted here."""

from __future__ import annotations

from dataclasses import replace

from beamline_store.config import Settings
from tests.support import burst


def test_no_burst_leaves_a_reader_stale_for_a_second(db_url: str, settings: Settings) -> None:
    result = burst.run(
        db_url, replace(settings, poll_interval=60.0), writers=4, readers=3, bursts=500
    )
    assert len(result.lags_ms) == 500 * 4 * 3  # every acknowledged version, every reader
    assert result.stale_bursts == 0, (
        f"{result.stale_bursts} bursts left a reader stale > 1 s (worst {result.worst_ms:.0f} ms)"
    )
