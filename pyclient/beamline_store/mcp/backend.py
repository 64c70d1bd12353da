"""The MCP tools' view of :class:`beamline_store.store.Store`: one method per tool, keyword
arguments named as in the tool's input schema, results shaped as its output schema.

Only argument plumbing and result shaping live here. Every rule (validation, RBAC, quotas,
compare-and-set, HMAC chain) is the database's, reached through the Store; the Store's cache
and its LISTEN/NOTIFY invalidation keep concurrent MCP sessions coherent.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Protocol

from ..devstate.files import HISTORY_FILE, STATE_FILE
from .results import InvalidArguments, jsonable

if TYPE_CHECKING:
    from ..devstate.files import ExportResult, ImportResult
    from ..models import AuditPage, Policy, PolicyPage

__all__ = ["DEFAULT_ROOT", "Backend", "FileRoot", "ToolStore"]

DEFAULT_ROOT = ".trae"


class FileRoot:
    """The one directory export_files / import_files may touch (``--root``; default
    ``./.trae`` of the server's working directory).

    A tool's ``dir`` is a relative path inside it (default: the root itself). Refused, before
    anything is read or written: absolute paths, ``..`` components, and any path whose real
    location (symlinks resolved) is outside the root's real location, for the directory and
    for the two files in it. The root is created on the first export (mode from the umask).
    What is checked is the path at the time of the call: someone who can write inside the
    root could still swap in a symlink between the check and the write (the root is meant to
    be the user's own working tree).
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(os.path.abspath(root))

    def resolve(self, dir: str | None, *, create: bool) -> Path:
        """The real path of *dir* inside the root, or :class:`InvalidArguments`."""
        relative = PurePosixPath(dir or ".")
        if relative.is_absolute() or (dir is not None and dir.startswith(("/", "\\", "~"))):
            raise InvalidArguments(
                f"dir {dir!r} is absolute: give a path relative to the file root",
                detail=[{"path": "/dir", "message": "must be relative to the file root"}],
            )
        if ".." in relative.parts or "\\" in str(dir or ""):
            raise InvalidArguments(
                f"dir {dir!r} leaves the file root ('..')",
                detail=[{"path": "/dir", "message": "must not contain '..'"}],
            )
        if create:
            self.root.mkdir(exist_ok=True)
        real_root = Path(os.path.realpath(self.root))
        target = Path(os.path.realpath(real_root / relative))
        checks = [target, *(Path(os.path.realpath(target / f)) for f in (STATE_FILE, HISTORY_FILE))]
        for path in checks:
            if path != real_root and not path.is_relative_to(real_root):
                raise InvalidArguments(
                    f"dir {dir!r} leads outside the file root (symlink)",
                    detail=[{"path": "/dir", "message": "resolves outside the file root"}],
                )
        return target

    def shown(self, path: Path) -> str:
        """*path* as the client sees it: relative to the root ('.' for the root)."""
        real_root = Path(os.path.realpath(self.root))
        return str(path.relative_to(real_root)) if path != real_root else "."


class ToolStore(Protocol):
    """What the tools need of a store: the methods of :class:`beamline_store.store.Store` they
    call, with its signatures (mypy checks that Store provides them where the server makes
    its Store, ``server._default_store_factory``)."""

    def get_policy(
        self, tenant: str, policy_id: str, *, actor: str | None = ..., version: int | None = ...
    ) -> Policy: ...

    def put_policy(
        self,
        tenant: str,
        policy_id: str,
        data: Mapping[str, Any] | str,
        *,
        actor: str | None = ...,
        expected_version: int | None = ...,
    ) -> Policy: ...

    def list_policies(
        self,
        tenant: str,
        *,
        actor: str | None = ...,
        filters: Mapping[str, Any] | None = ...,
        limit: int = ...,
        cursor: str | None = ...,
    ) -> PolicyPage: ...

    def delete_policy(self, tenant: str, policy_id: str, *, actor: str | None = ...) -> Policy: ...

    def activate_policy(
        self, tenant: str, policy_id: str, version: int, *, actor: str | None = ...
    ) -> Policy: ...

    def deactivate_policy(
        self, tenant: str, policy_id: str, *, actor: str | None = ...
    ) -> Policy: ...

    def policy_history(
        self, tenant: str, policy_id: str, *, actor: str | None = ...
    ) -> list[Policy]: ...

    def check_permission(
        self, tenant: str, user: str, action: str, *, actor: str | None = ...
    ) -> bool: ...

    def get_audit_log(
        self,
        tenant: str,
        *,
        actor: str | None = ...,
        policy_id: str | None = ...,
        filters: Mapping[str, Any] | None = ...,
        limit: int = ...,
        cursor: str | None = ...,
    ) -> AuditPage: ...

    def get_state(self, *, actor: str | None = ...) -> dict[str, Any]: ...

    def update_state(
        self,
        patch: Any,
        *,
        actor: str | None = ...,
        expected_checksum: str | None = ...,
        history_entry: dict[str, Any] | None = ...,
    ) -> str: ...

    def append_history(self, entry: dict[str, Any], *, actor: str | None = ...) -> str: ...

    def verify_hmac_chain(
        self, *, from_id: int | None = ..., to_id: int | None = ...
    ) -> dict[str, Any]: ...

    def export_files(
        self, directory: str | os.PathLike[str], *, actor: str | None = ...
    ) -> ExportResult: ...

    def import_files(
        self, directory: str | os.PathLike[str], *, actor: str | None = ...
    ) -> ImportResult: ...

    def lock_state(self, scope: str, ttl_seconds: float, *, owner: str | None = ...) -> str: ...

    def unlock_state(self, lock_id: str, *, owner: str | None = ...) -> None: ...

    def search_history(
        self,
        filters: Mapping[str, Any] | None = ...,
        limit: int = ...,
        cursor: int | None = ...,
        *,
        actor: str | None = ...,
    ) -> dict[str, Any]: ...

    def close(self) -> None: ...


def _drop_none(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


class Backend:
    """Runs the tools as *actor* against *store* (a :class:`beamline_store.store.Store`)."""

    def __init__(self, store: ToolStore, actor: str, *, root: FileRoot | None = None) -> None:
        self.store = store
        self.actor = actor
        self.root = root or FileRoot(DEFAULT_ROOT)

    def call(self, tool: str, arguments: Mapping[str, Any]) -> dict[str, Any]:
        """Run *tool* (the method of that name) with its schema-checked *arguments*."""
        method: Callable[..., dict[str, Any]] = getattr(self, tool)
        return method(**arguments)

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

    def export_files(self, dir: str | None = None) -> dict[str, Any]:
        target = self.root.resolve(dir, create=True)
        done = self.store.export_files(target, actor=self.actor)
        return {
            "dir": self.root.shown(target),
            "files": [STATE_FILE, HISTORY_FILE],
            "entries": done.count,
            "head": done.head,
            "state_checksum": done.state_checksum,
        }

    def import_files(self, dir: str | None = None) -> dict[str, Any]:
        source = self.root.resolve(dir, create=False)
        missing = [f for f in (STATE_FILE, HISTORY_FILE) if not (source / f).is_file()]
        if missing:  # said relative to the root: the server's own paths stay private
            raise InvalidArguments(
                f"dir {self.root.shown(source)!r} of the file root has no "
                + " and no ".join(missing),
                detail=[{"path": "/dir", "message": f"missing {f}"} for f in missing],
            )
        done = self.store.import_files(source, actor=self.actor)
        return {
            "dir": self.root.shown(source),
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
