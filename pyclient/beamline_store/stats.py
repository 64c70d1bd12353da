"""Client statistics (SPEC §7): database-call latencies, error counts, and the snapshot that
``store.stats()`` / ``beamline stats`` show, plus a small Prometheus text exposition.

Counters are plain integers updated without a lock (hits must stay lock-free); under heavy
thread contention an increment can occasionally be lost, which is fine for monitoring.
"""

from __future__ import annotations

import threading
from collections import Counter, deque
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["CallStats", "percentile", "render_prometheus"]

WINDOW = 4096  # latencies kept per function (the most recent calls)


def percentile(sorted_values: list[float], q: float) -> float:
    """The *q*-quantile (0..1) of already-sorted values by nearest rank; 0.0 when empty."""
    if not sorted_values:
        return 0.0
    rank = min(len(sorted_values) - 1, max(0, round(q * len(sorted_values) + 0.5) - 1))
    return sorted_values[rank]


class CallStats:
    """Latencies of database calls per API function (a sliding window) and errors by class."""

    def __init__(self, *, slow_threshold: float = 0.1, enabled: bool = True) -> None:
        self.slow_threshold = slow_threshold
        self.enabled = enabled
        self._lock = threading.Lock()
        self._latencies: dict[str, deque[float]] = {}
        self.calls: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.slow: Counter[str] = Counter()

    def record(self, function: str, seconds: float, error: str | None = None) -> None:
        """Count one call (and its error class); a no-op when metrics are disabled."""
        if not self.enabled:
            return
        with self._lock:
            window = self._latencies.get(function)
            if window is None:
                window = self._latencies[function] = deque(maxlen=WINDOW)
            window.append(seconds)
            self.calls[function] += 1
            if error is not None:
                self.errors[error] += 1
            if seconds >= self.slow_threshold:
                self.slow[function] += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            windows = {name: sorted(values) for name, values in self._latencies.items()}
            calls, errors, slow = dict(self.calls), dict(self.errors), dict(self.slow)
        everything = sorted(v for values in windows.values() for v in values)
        per_function = {
            name: {
                "calls": calls.get(name, 0),
                "slow": slow.get(name, 0),
                "p50_ms": percentile(values, 0.50) * 1e3,
                "p99_ms": percentile(values, 0.99) * 1e3,
            }
            for name, values in sorted(windows.items())
        }
        return {
            "calls": sum(calls.values()),
            "p50_ms": percentile(everything, 0.50) * 1e3,
            "p95_ms": percentile(everything, 0.95) * 1e3,
            "p99_ms": percentile(everything, 0.99) * 1e3,
            "functions": per_function,
            "errors": errors,
        }


def _metric_lines(
    name: str, kind: str, help_text: str, samples: Iterable[tuple[Mapping[str, str], float]]
) -> list[str]:
    lines = [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
    for labels, value in samples:
        label_text = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
        lines.append(f"{name}{{{label_text}}} {value:g}" if label_text else f"{name} {value:g}")
    return lines


def render_prometheus(snapshot: Mapping[str, Any]) -> str:
    """Prometheus text exposition (format 0.0.4) of a ``store.stats()`` snapshot."""
    caches: Mapping[str, Mapping[str, Any]] = snapshot.get("caches", {})
    out: list[str] = []
    counters = {
        "hits": "Cache hits.",
        "misses": "Cache misses.",
        "stale_hits": "Expired entries served because the database was unreachable.",
        "evictions": "Entries evicted by the size bounds.",
        "invalidations": "Invalidations (change signals, local writes, flushes).",
        "refused_fills": "Loads not stored because their key changed meanwhile.",
    }
    for key, help_text in counters.items():
        out += _metric_lines(
            f"beamline_cache_{key}_total",
            "counter",
            help_text,
            (({"cache": n}, float(c[key])) for n, c in caches.items()),
        )
    for key in ("entries", "bytes"):
        out += _metric_lines(
            f"beamline_cache_{key}",
            "gauge",
            f"Cache {key} now.",
            (({"cache": n}, float(c[key])) for n, c in caches.items()),
        )
    db = snapshot.get("db", {})
    out += _metric_lines(
        "beamline_db_call_seconds",
        "summary",
        "Database call latency over the recent window.",
        [
            ({"quantile": "0.5"}, db.get("p50_ms", 0.0) / 1e3),
            ({"quantile": "0.99"}, db.get("p99_ms", 0.0) / 1e3),
        ],
    )
    out += _metric_lines(
        "beamline_db_errors_total",
        "counter",
        "Database call errors by exception class.",
        (({"class": k}, float(v)) for k, v in sorted(db.get("errors", {}).items())),
    )
    listener = snapshot.get("listener", {})
    out += _metric_lines(
        "beamline_listener_connected",
        "gauge",
        "1 when the LISTEN connection is up.",
        [({}, 1.0 if listener.get("state") == "listening" else 0.0)],
    )
    lag = listener.get("last_signal_lag_ms")
    if lag is not None:
        out += _metric_lines(
            "beamline_listener_signal_lag_seconds",
            "gauge",
            "Commit-to-processing lag of the last change signal.",
            [({}, float(lag) / 1e3)],
        )
    return "\n".join(out) + "\n"
