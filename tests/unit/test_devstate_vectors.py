"""The Python canonical forms reproduce the shared vectors (tests/vectors/devstate_hmac.json),
which sql/tests/40-devstate-vectors.sql holds the PL/pgSQL side to."""

from __future__ import annotations

import itertools
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from beamline_store.devstate.canonical import (
    canonical_json,
    entry_hmac,
    entry_message,
    loads,
    state_checksum,
)
from beamline_store.devstate.verify import keys_from_environment, parse_key_ring

VECTORS = json.loads(
    (Path(__file__).resolve().parents[1] / "vectors" / "devstate_hmac.json").read_text("utf-8")
)


@pytest.mark.parametrize("case", VECTORS["canonical_json"], ids=lambda c: c["input"][:30])
def test_canonical_json_matches_vector(case: dict[str, Any]) -> None:
    assert canonical_json(loads(case["input"])) == case["canonical"]
    if "state_checksum" in case:
        assert state_checksum(loads(case["input"])) == case["state_checksum"]


@pytest.mark.parametrize("case", VECTORS["entries"], ids=lambda c: str(c["id"]))
def test_entry_message_and_hmac_match_vector(case: dict[str, Any]) -> None:
    metadata = canonical_json(loads(case["metadata_json"]))
    assert metadata == case["metadata_canonical"]
    message = entry_message(case, metadata)
    assert message == case["message"].encode()
    assert entry_hmac(VECTORS["key"].encode(), message) == case["hmac"]


def test_vector_chain_links() -> None:
    entries = VECTORS["entries"]
    assert entries[0]["hmac_prev"] == "0" * 64
    for before, after in itertools.pairwise(entries):
        assert after["hmac_prev"] == before["hmac"]


def test_a_different_key_gives_a_different_hmac() -> None:
    case = VECTORS["entries"][1]
    message = entry_message(case, case["metadata_canonical"])
    assert entry_hmac(b"another key", message) != case["hmac"]


def test_numbers_print_plainly() -> None:
    assert canonical_json([Decimal("1E+3"), Decimal("-0.00"), 1.5, 10**30, -0]) == (
        "[1000,0.00,1.5,1000000000000000000000000000000,0]"
    )
    with pytest.raises(ValueError):
        canonical_json(float("nan"))
    with pytest.raises(ValueError):
        loads('{"x": NaN}')


def test_key_ring_parsing() -> None:
    assert parse_key_ring("k0:old;k9:x:y;bad;") == {"k0": b"old", "k9": b"x:y"}
    keys = keys_from_environment(
        {"BEAMLINE_HMAC_SECRET": "new", "BEAMLINE_HMAC_PREVIOUS_KEYS": "k1:old;k0:older"}
    )
    assert keys == {"k1": b"new", "k0": b"older"}


def test_startup_options_escape_spaces_and_backslashes() -> None:
    from beamline_store.devstate.db import hmac_options

    assert hmac_options("a b\\c", "k2") == (
        "-c beamline.hmac_secret=a\\ b\\\\c -c beamline.hmac_key_id=k2"
    )
    assert hmac_options(None) == ""
