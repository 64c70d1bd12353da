"""Quickstart (``make run``): the client on the embedded database, in a short readable report.

Bootstraps tenant ``demo`` with admin ``demo-admin`` (idempotent), puts a policy, reads it twice
(miss, then hit), changes it from a second process and shows this process's cache invalidated,
then an RBAC denial, a quota rejection, the audit trail and a DevState update + history append
+ chain verification. The database stays up afterwards.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import subprocess
import sys
import threading
import time

from beamline_store.config import load_settings
from beamline_store.errors import AlreadyExists, PermissionDenied, QuotaExceeded
from beamline_store.store import Store

TENANT, ADMIN = "demo", "demo-admin"
POLICY = {
    "providers": [{"id": "openai", "weight": 70}, {"id": "anthropic", "weight": 30}],
    "rules": [{"id": "r1", "match": {"model": "gpt-4*"}, "route": ["openai"], "priority": 10}],
    "fallback": {"provider": "anthropic"},
}
SECOND_PROCESS = """
import sys, time
from beamline_store.store import Store
with Store(actor=sys.argv[1], listen=False, sweeper=False) as s:
    doc = s.get_policy(sys.argv[2], "routing").data
    doc["providers"][0]["weight"] = 60
    doc["providers"][1]["weight"] = 40
    version = s.put_policy(sys.argv[2], "routing", doc).version
    print(version, time.time())
"""


def line(label: str, text: str) -> None:
    print(f"  {label:<24} {text}")


def main() -> int:
    if not os.environ.get("BEAMLINE_HMAC_SECRET"):
        # For this demo process only (never printed, never stored).
        os.environ["BEAMLINE_HMAC_SECRET"] = secrets.token_hex(32)
        generated = True
    else:
        generated = False
    settings = load_settings()
    print("beamline-store quickstart (embedded database)\n")
    with Store(settings, actor=ADMIN) as store:
        assert store.listener is not None
        store.listener.wait_ready(10)
        try:
            store.bootstrap_admin(TENANT, ADMIN)
            line("tenant", f"{TENANT}: {ADMIN} is its first admin")
        except AlreadyExists:
            line("tenant", f"{TENANT}: already bootstrapped (admin {ADMIN})")
        store.set_quota(TENANT, max_policies=10)

        written = store.put_policy(TENANT, "routing", POLICY)
        line("put_policy", f"routing version {written.version}")
        store.flush()  # start cold, to show a miss
        t0 = time.perf_counter()
        store.get_policy(TENANT, "routing")
        miss = time.perf_counter() - t0
        t0 = time.perf_counter()
        got = store.get_policy(TENANT, "routing")
        hit = time.perf_counter() - t0
        line("get_policy (miss)", f"{miss * 1e3:8.3f} ms  (database round trip)")
        line("get_policy (hit)", f"{hit * 1e6:8.1f} µs  (in-process cache)")

        evicted_at: list[float] = []

        def watch() -> None:  # records the wall-clock moment the entry leaves this cache
            while (TENANT, "routing") in store._policies:
                time.sleep(0.0002)
            evicted_at.append(time.time())

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        out = subprocess.run(
            [sys.executable, "-c", SECOND_PROCESS, ADMIN, TENANT],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
        watcher.join(5)
        line("second process", f"wrote version {out[0]}")
        if evicted_at:
            lag = (evicted_at[0] - float(out[1])) * 1e3
            line("invalidated here", f"{max(lag, 0.0):8.2f} ms after its commit returned")
        now = store.get_policy(TENANT, "routing")
        line("get_policy again", f"version {now.version}, weights "
             f"{[p['weight'] for p in now.data['providers']]} (was {got.version})")  # fmt: skip

        try:
            store.put_policy(TENANT, "routing", POLICY, actor="eve")
        except PermissionDenied as exc:
            line("RBAC denial", exc.one_line())
        store.assign_role(TENANT, "viewer-1", "viewer")
        line("check_permission", "viewer-1 policy:read="
             f"{store.check_permission(TENANT, 'viewer-1', 'policy:read')}, policy:write="
             f"{store.check_permission(TENANT, 'viewer-1', 'policy:write')}")  # fmt: skip

        active = store.get_quota(TENANT).extra.get("active_policies", 1)
        store.set_quota(TENANT, max_policies=int(active or 1))
        try:
            store.put_policy(TENANT, f"extra-{secrets.token_hex(3)}", POLICY)
        except QuotaExceeded as exc:
            line("quota rejection", exc.one_line())
        store.set_quota(TENANT, max_policies=10)

        print("\n  audit trail (newest first):")
        for entry in store.get_audit_log(TENANT, limit=6).entries:
            print(f"    {entry.timestamp:%H:%M:%S}  {entry.action:<10} "
                  f"{entry.target_type or '':<7} {entry.target_id or entry.policy_id or '':<16} "
                  f"by {entry.actor}")  # fmt: skip

        print()
        with contextlib.suppress(AlreadyExists):
            store.bootstrap_admin("devstate", ADMIN)
        try:
            checksum = store.update_state({"metadata": {"quickstart_ran_at": time.time()}})
            line("DevState update", f"checksum {checksum[:16]}…")
            mac = store.append_history({"action": "quickstart", "state_checksum": checksum})
            line("history append", f"hmac {mac[:16]}…")
            result = store.verify_hmac_chain()
            if result.get("ok"):
                line("chain verify", f"ok ({result.get('checked')} entries)")
            elif generated and result.get("last_id"):
                mine = store.verify_hmac_chain(from_id=result["last_id"])
                line("chain verify", f"this run's entry ok={mine.get('ok')}; earlier entries "
                     "were signed with earlier runs' demo keys")  # fmt: skip
            else:
                line("chain verify", str(result))
            if generated:
                line("", "(HMAC key: generated for this run only; set BEAMLINE_HMAC_SECRET)")
        except Exception as exc:  # the DevState API is another issue's work
            line("DevState", f"skipped: {type(exc).__name__}: {exc}")

        s = store.stats()
        p = s["caches"]["policies"]
        print(f"\n  stats: policies hits={p['hits']} misses={p['misses']} "
              f"invalidations={p['invalidations']}; listener {s['listener']['state']}; "
              f"db p50 {s['db']['p50_ms']:.2f} ms")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
