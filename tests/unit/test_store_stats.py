"""Pure client logic of the store: typed rows, immutability, statistics rendering."""

from __future__ import annotations

import dataclasses
import json

import pytest

from beamline_store.models import Policy, Quota, RoleGrant, from_row
from beamline_store.queries import QUERIES
from beamline_store.stats import CallStats, percentile, render_prometheus


def test_from_row_keeps_json_text_and_extra_columns() -> None:
    row = {"tenant_id": "t", "policy_id": "p", "version": 2, "is_active": True,
           "data": '{"a": [1, 2]}', "next_cursor": "c1"}  # fmt: skip
    policy = from_row(Policy, row)
    assert policy.data_json == '{"a": [1, 2]}' and policy.extra["next_cursor"] == "c1"
    first = policy.data
    first["a"].append(3)
    assert policy.data == {"a": [1, 2]}
    with pytest.raises(dataclasses.FrozenInstanceError):
        policy.version = 3  # type: ignore[misc]
    with pytest.raises(TypeError):
        policy.extra["x"] = 1  # type: ignore[index]


def test_role_grant_and_quota() -> None:
    row = {
        "tenant_id": "t",
        "user_id": "u",
        "role": "viewer",
        "permissions": '["audit:read"]',
        "effective_permissions": ["audit:read", "policy:read"],
    }
    grant = from_row(RoleGrant, row)
    assert grant.permissions == ["audit:read"]
    assert grant.effective_permissions == ("audit:read", "policy:read")
    quota = from_row(Quota, {"tenant_id": "t", "max_policies": 1, "max_rules_per_policy": 2,
                             "max_providers_per_policy": 3, "active_policies": 0})  # fmt: skip
    assert json.loads(json.dumps(quota.to_dict()))["active_policies"] == 0


def test_queries_are_thin_named_calls() -> None:
    for name, text in QUERIES.items():
        assert "{" not in text, name  # never str.format-ed
        calls_api = "beamline." in text or "beamline_admin." in text
        if text.startswith("select") and calls_api and "=>" not in text:
            assert "()" in text, name  # only argument-less calls skip named notation


def test_percentiles_and_prometheus() -> None:
    assert percentile([], 0.5) == 0.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.0
    calls = CallStats(slow_threshold=0.5)
    calls.record("GET_POLICY", 0.001)
    calls.record("GET_POLICY", 1.0, "DatabaseUnavailable")
    snap = calls.snapshot()
    assert snap["calls"] == 2 and snap["errors"] == {"DatabaseUnavailable": 1}
    assert snap["functions"]["GET_POLICY"]["slow"] == 1
    text = render_prometheus({
        "caches": {"policies": {"hits": 3, "misses": 1, "stale_hits": 0, "evictions": 0,
                                "invalidations": 2, "refused_fills": 0, "entries": 1,
                                "bytes": 900}},
        "db": snap,
        "listener": {"state": "listening", "last_signal_lag_ms": 2.5},
    })  # fmt: skip
    assert 'beamline_cache_hits_total{cache="policies"} 3' in text
    assert 'beamline_db_errors_total{class="DatabaseUnavailable"} 1' in text
    assert "beamline_listener_connected 1" in text


def test_disabled_metrics_record_nothing() -> None:
    calls = CallStats(enabled=False)
    calls.record("X", 1.0, "E")
    assert calls.snapshot()["calls"] == 0
