"""DevState test helpers: register an HMAC key as the owner would (issue 11: appends and
imports under unregistered keys are refused with KeyRejected, BL025)."""

from __future__ import annotations

from typing import Any

from beamline_store.devstate import db


def register_key(url: str, secret: str, key_id: str | None = None) -> dict[str, Any]:
    """Register *secret* under *key_id* (default k1) in the database at *url*.

    Test URLs log in as the cluster's superuser, so this call runs with the owner's rights;
    the secret travels in the startup options only, like every DevState call."""
    with db.connect(url, secret=secret, key_id=key_id) as conn:
        return db.register_hmac_key(conn)
