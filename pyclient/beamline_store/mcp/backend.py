"""The MCP tools' view of :class:`beamline_store.store.Store`: one method per tool, keyword
arguments named as in the tool's input schema, results shaped as its output schema.

Only argument plumbing and result shaping live here. Every rule (validation, RBAC, quotas,
compare-and-set, HMAC chain) is the database's, reached through the Store; the Store's cache
and its LISTEN/NOTIFY invalidation keep concurrent MCP sessions coherent.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..devstate.files import HISTORY_FILE, STATE_FILE
from .results import jsonable

__all__ = ["DEFAULT_DIR", "Backend"]

DEFAULT_DIR = ".trae"


def _drop_none(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


class Backend:
    """Runs the tools as *actor* against *store* (a ``beamline_store.store.Store``)."""

    def __init__(self, store: Any, actor: str) -> None:
        self.store = store
        self.actor = actor

    # ---- policies -------------------------------------------------------------------------
    def get_policy(self, tenant: str, policy_id: str, version: int | None = None) -> dict[str, Any]:
        policy = self.store.get_policy(tenant, policy_id, actor=self.actor, version=version)
        return dict(jsonable(policy))

    def put_policy(
        self, tenant: str, policy_id: str, data: dict[str, Any], expected_version: int | None = None
    ) -> dict[str, Any]:
        policy = self.store.put_policy(
            tenant, policy_id, data, actor=self.actor, expected_version=expected_version
        )
        return dict(jsonable(policy))

    def list_policies(
        self,
        tenant: str,
        contains: dict[str, Any] | None = None,
        active: bool | None = True,
        updated_since: str | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> dict[str, Any]:
        filters: dict[str, Any] = _drop_none({"contains": contains, "updated_since": updated_since})
        if active is not True:  # false: inactive versions only; null: every version
            filters["active"] = active
        page = self.store.list_policies(
            tenant, actor=self.actor, filters=filters, limit=limit, cursor=cursor
        )
        return {"items": jsonable(page.items), "next_cursor": page.next_cursor}

    def delete_policy(self, tenant: str, policy_id: str) -> dict[str, Any]:
        return dict(jsonable(self.store.delete_policy(tenant, policy_id, actor=self.actor)))

    def activate_policy(self, tenant: str, policy_id: str, version: int) -> dict[str, Any]:
        policy = self.store.activate_policy(tenant, policy_id, version, actor=self.actor)
        return dict(jsonable(policy))

    def deactivate_policy(self, tenant: str, policy_id: str) -> dict[str, Any]:
        return dict(jsonable(self.store.deactivate_policy(tenant, policy_id, actor=self.actor)))

    def policy_history(self, tenant: str, policy_id: str) -> dict[str, Any]:
        return {"items": jsonable(self.store.policy_history(tenant, policy_id, actor=self.actor))}

    def check_permission(self, tenant: str, action: str, user: str | None = None) -> dict[str, Any]:
        who = user or self.actor
        allowed = self.store.check_permission(tenant, who, action, actor=self.actor)
        return {"tenant": tenant, "user": who, "action": action, "allowed": bool(allowed)}

    def get_audit_log(
        self,
        tenant: str,
        policy_id: str | None = None,
        action: str | None = None,
        actor: str | None = None,
        target_type: str | None = None,
        since: str | None = None,
        until: str | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> dict[str, Any]:
        filters = _drop_none(
            {
                "action": action,
                "actor": actor,
                "target_type": target_type,
                "from": since,
                "to": until,
            }
        )
        page = self.store.get_audit_log(
            tenant,
            actor=self.actor,
            policy_id=policy_id,
            filters=filters,
            limit=limit,
            cursor=cursor,
        )
        return {"items": jsonable(page.entries), "next_cursor": page.next_cursor}

    # ---- DevState -------------------------------------------------------------------------
    # The Store's DevState methods open a short-lived connection per call with the HMAC
    # settings in its startup options; permissions are checked in the reserved tenant devstate.
    def get_state(self) -> dict[str, Any]:
        return dict(jsonable(self.store.get_state(actor=self.actor)))

    def update_state(
        self,
        patch: dict[str, Any],
        expected_checksum: str | None = None,
        history: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        checksum = self.store.update_state(
            patch, actor=self.actor, expected_checksum=expected_checksum, history_entry=history
        )
        return {"checksum": str(checksum)}

    def append_history(
        self,
        action: str,
        cp_from: str | None = None,
        cp_to: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        entry = _drop_none(
            {"action": action, "cp_from": cp_from, "cp_to": cp_to, "metadata": metadata}
        )
        return {"hmac": str(self.store.append_history(entry, actor=self.actor))}

    def verify_hmac_chain(
        self, from_id: int | None = None, to_id: int | None = None
    ) -> dict[str, Any]:
        result = dict(jsonable(self.store.verify_hmac_chain(from_id=from_id, to_id=to_id)))
        if not result.get("ok"):
            result.setdefault("position", result.get("id"))
        return result

    def export_files(self, dir: str = DEFAULT_DIR) -> dict[str, Any]:
        done = self.store.export_files(Path(dir), actor=self.actor)
        return {
            "dir": str(done.directory),
            "files": [STATE_FILE, HISTORY_FILE],
            "entries": done.count,
            "head": done.head,
            "state_checksum": done.state_checksum,
        }

    def import_files(self, dir: str = DEFAULT_DIR) -> dict[str, Any]:
        done = self.store.import_files(Path(dir), actor=self.actor)
        return {
            "dir": str(dir),
            "entries": done.count,
            "head": done.head,
            "state_checksum": done.state_checksum,
        }

    def lock_state(self, scope: str, ttl_seconds: float = 60) -> dict[str, Any]:
        lock_id = self.store.lock_state(scope, ttl_seconds, owner=self.actor)
        return {"lock_id": str(lock_id), "scope": scope, "ttl_seconds": ttl_seconds}

    def unlock_state(self, lock_id: str) -> dict[str, Any]:
        self.store.unlock_state(lock_id, owner=self.actor)
        return {"lock_id": lock_id, "released": True}

    def search_history(
        self,
        actor: str | None = None,
        action: str | None = None,
        checkpoint: str | None = None,
        since: str | None = None,
        until: str | None = None,
        metadata: dict[str, Any] | None = None,
        limit: int = 50,
        cursor: int | None = None,
    ) -> dict[str, Any]:
        filters = _drop_none(
            {
                "actor": actor,
                "action": action,
                "checkpoint": checkpoint,
                "since": since,
                "until": until,
                "metadata": metadata,
            }
        )
        page = self.store.search_history(filters, limit=limit, cursor=cursor, actor=self.actor)
        return {"items": jsonable(page["entries"]), "next_cursor": page.get("next_cursor")}
