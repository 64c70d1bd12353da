"""The store-backed CLI groups end to end: JSON output, one-line errors, documented exit codes."""

from __future__ import annotations

import json

from click.testing import CliRunner

from beamline_store.cli import main
from tests.support.store_support import policy


def test_policy_rbac_quota_audit_stats(db_url: str) -> None:
    runner = CliRunner()
    env = {"DATABASE_URL": db_url, "BEAMLINE_ACTOR": "alice"}

    def run(*args: str) -> tuple[int, str, str]:
        result = runner.invoke(main, list(args), env=env)
        return result.exit_code, result.stdout, result.stderr

    assert run("rbac", "bootstrap", "acme", "alice")[0] == 0
    code, out, _ = run("policy", "put", "acme", "p1", json.dumps(policy()), "--json")
    assert code == 0 and json.loads(out)["version"] == 1
    code, out, _ = run("policy", "get", "acme", "p1", "--json")
    assert code == 0 and json.loads(out)["data"]["fallback"] == {"provider": "anthropic"}
    code, out, _ = run("policy", "list", "acme")
    assert code == 0 and "p1" in out and "POLICY" in out
    code, _, err = run("policy", "get", "acme", "nope")
    assert code == 4 and err.startswith("beamline: error: NotFound") and err.count("\n") == 1
    code, _, err = run("policy", "get", "acme", "p1", "--actor", "mallory")
    assert code == 3 and "PermissionDenied" in err
    assert run("rbac", "check", "acme", "bob", "policy:read")[0] == 1
    assert run("rbac", "assign", "acme", "bob", "viewer")[0] == 0
    assert run("rbac", "check", "acme", "bob", "policy:read")[0] == 0
    code, out, _ = run("quota", "set", "acme", "--max-policies", "1", "--json")
    assert code == 0 and json.loads(out)["max_policies"] == 1
    code, _, err = run("policy", "put", "acme", "p2", json.dumps(policy()))
    assert code == 5 and "QuotaExceeded" in err
    code, out, _ = run("audit", "log", "acme", "--json")
    assert code == 0 and any(e["action"] == "CREATE" for e in json.loads(out)["entries"])
    code, out, _ = run("stats", "--json")
    assert code == 0 and "policies" in json.loads(out)["caches"]
    code, out, _ = run("stats", "--prometheus")
    assert code == 0 and "beamline_cache_hits_total" in out
