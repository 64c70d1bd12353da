"""A reader process for the Patroni drills (tests/ha/test_patroni.py).

It opens a Store with its listener on the multi-host URL (environment ``HA_URL``; never on
the command line: it holds a password), reads every key of ``HA_KEYS`` in a loop (so the cache
holds them), and answers commands on stdin with one JSON line on stdout:

    check {"key": "v3:w17", ...}  wait until the listener is connected, then report which
                                  keys the store answers differently from the given truth
                                  (version and the writer's sequence number: after a lossy
                                  failover the same version number can hold another document)
    quit
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from dataclasses import replace

from beamline_store.config import Settings
from beamline_store.errors import BeamlineError
from beamline_store.models import Policy
from beamline_store.store import Store

TENANT = "acme"


def identity(policy: Policy) -> str:
    """``v<version>:<first rule id>`` (the writer puts its sequence number in the rule id)."""
    return f"v{policy.version}:{json.loads(policy.data_json)['rules'][0]['id']}"


def main() -> None:
    keys = os.environ["HA_KEYS"].split(",")
    settings = replace(Settings(), call_timeout=1.0, connect_timeout=1.0, pool_timeout=1.0)
    store = Store(
        settings,
        conninfo=os.environ["HA_URL"],
        actor="alice",
        probe_interval=0.2,
        application_name="bl-ha-reader",
        listener_options={"wait_timeout": 0.05, "detect_timeout": 1.0, "probe_interval": 0.5},
    )
    listener = store.listener
    assert listener is not None and listener.wait_ready(30)
    errors = {"n": 0}
    stop = threading.Event()

    def read_loop() -> None:
        while not stop.is_set():
            for key in keys:
                try:
                    store.get_policy(TENANT, key)
                except BeamlineError:
                    errors["n"] += 1
                    time.sleep(0.05)
            time.sleep(0.01)

    threading.Thread(target=read_loop, daemon=True).start()
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        command, _, arg = line.strip().partition(" ")
        if command == "quit":
            break
        if command == "check":
            truth: dict[str, str] = json.loads(arg)
            deadline = time.monotonic() + 30
            while listener.state()["state"] not in ("listening", "polling"):
                if time.monotonic() > deadline:
                    break
                time.sleep(0.02)
            stale = {}
            for key, version in truth.items():
                try:
                    seen = identity(store.get_policy(TENANT, key))
                except BeamlineError as exc:
                    seen = f"error: {exc.message}"
                if seen != version:
                    stale[key] = seen
            state = listener.state()
            print(
                json.dumps(
                    {
                        "stale": stale,
                        "state": state["state"],
                        "reconnects": state["reconnects"],
                        "flushes": state["flushes"],
                        "read_errors": errors["n"],
                    }
                ),
                flush=True,
            )
    stop.set()
    store.close()


if __name__ == "__main__":
    main()
