"""The MCP tool catalog: name, description, input/output schema and hints of every tool.

Each tool calls the :class:`~beamline_store.mcp.backend.Backend` method of the same name with
the (schema-checked) arguments as keywords. ``read_only`` tools are the only ones offered by
``beamline mcp --read-only``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import mcp_types as types

from .schemas import (
    ACTION,
    AUDIT_ENTRY,
    CHECKSUM,
    CURSOR,
    HISTORY_ENTRY,
    INT4_MAX,
    JS_SAFE_MAX,
    LIMIT,
    POLICY,
    POLICY_DATA,
    POLICY_ID,
    TENANT,
    TIMESTAMP,
    USER,
    VERSION,
    nullable,
    obj,
)

__all__ = ["TOOLS", "ToolSpec", "tool_by_name"]

Schema = dict[str, Any]


@dataclass(frozen=True)
class ToolSpec:
    """One MCP tool. The hints follow the MCP ToolAnnotations meanings."""

    name: str
    title: str
    description: str
    input_schema: Schema
    output_schema: Schema
    read_only: bool
    destructive: bool = False
    idempotent: bool = False

    def to_tool(self) -> types.Tool:
        return types.Tool(
            name=self.name,
            title=self.title,
            description=self.description,
            input_schema=self.input_schema,
            output_schema=self.output_schema,
            annotations=types.ToolAnnotations(
                title=self.title,
                read_only_hint=self.read_only,
                destructive_hint=self.destructive,
                idempotent_hint=self.idempotent,
                open_world_hint=False,
            ),
        )


_PAGE = {
    "next_cursor": nullable(
        {"type": "string", "description": "Cursor of the next page; null at the end."}
    )
}
_ID: Schema = {"type": "integer", "minimum": 1, "maximum": JS_SAFE_MAX}
# A relative path inside the file root (checked again, symlinks resolved, by FileRoot).
_DIR: Schema = {
    "type": "string",
    "minLength": 1,
    "maxLength": 255,
    "pattern": "^[A-Za-z0-9._ -][A-Za-z0-9._/ -]*$",
}

TOOLS: tuple[ToolSpec, ...] = (
    # ---- policies -------------------------------------------------------------------------
    ToolSpec(
        "get_policy",
        "Get a policy",
        "Read a tenant's policy: the active version, or the given version. Needs policy:read. "
        "Errors: NotFound (no such policy/version), PermissionDenied.",
        obj(
            {
                "tenant": TENANT,
                "policy_id": POLICY_ID,
                "version": VERSION
                | {"description": "A specific version; omit for the active one."},
            },
            ["tenant", "policy_id"],
        ),
        POLICY,
        read_only=True,
        idempotent=True,
    ),
    ToolSpec(
        "put_policy",
        "Create or update a policy",
        "Write a new version of a policy and make it the active one. The database validates the "
        "document (ValidationFailed lists every error with its JSON pointer), checks policy:write "
        "and the tenant's quotas (QuotaExceeded), and audits the change under your actor. Pass "
        "expected_version (the version you read) to avoid overwriting someone else's change: a "
        "mismatch is VersionConflict and nothing is written. Older versions are kept.",
        obj(
            {
                "tenant": TENANT,
                "policy_id": POLICY_ID,
                "data": POLICY_DATA,
                "expected_version": {
                    "type": "integer",
                    "minimum": 0,
                    "maximum": INT4_MAX,
                    "description": "Compare-and-set: the currently active version you based this "
                    "change on (0 = the policy must not exist yet).",
                },
            },
            ["tenant", "policy_id", "data"],
        ),
        POLICY,
        read_only=False,
        destructive=False,
        idempotent=False,
    ),
    ToolSpec(
        "list_policies",
        "List policies",
        "List a tenant's policies in a stable order (policy id, version), a page at a time. By "
        "default the active version of each policy. contains is a JSON containment filter on the "
        'document (e.g. {"providers": [{"id": "openai"}]} finds policies with provider '
        "openai). Needs policy:read.",
        obj(
            {
                "tenant": TENANT,
                "contains": {
                    "type": "object",
                    "description": "Only documents containing this JSON (@>).",
                },
                "active": nullable(
                    {
                        "type": "boolean",
                        "description": "true (default): active versions; false: inactive "
                        "versions only; null: every version.",
                    }
                ),
                "updated_since": TIMESTAMP
                | {"description": "Only versions updated at or after this time."},
                "limit": LIMIT,
                "cursor": CURSOR,
            },
            ["tenant"],
        ),
        obj({"items": {"type": "array", "items": POLICY}, **_PAGE}, ["items"], extra=True),
        read_only=True,
        idempotent=True,
    ),
    ToolSpec(
        "delete_policy",
        "Delete a policy",
        "Delete a policy: it stops routing (no version stays active; versions and audit are kept). "
        "Returns the version that was active. Needs policy:delete (admins; operators only with an "
        "extra grant).",
        obj({"tenant": TENANT, "policy_id": POLICY_ID}, ["tenant", "policy_id"]),
        POLICY,
        read_only=False,
        destructive=True,
        idempotent=False,
    ),
    ToolSpec(
        "activate_policy",
        "Activate a policy version",
        "Make an existing version the active one (rollback or roll forward). Needs policy:write. "
        "NotFound if the version does not exist.",
        obj(
            {"tenant": TENANT, "policy_id": POLICY_ID, "version": VERSION},
            ["tenant", "policy_id", "version"],
        ),
        POLICY,
        read_only=False,
        destructive=True,
        idempotent=True,
    ),
    ToolSpec(
        "deactivate_policy",
        "Deactivate a policy",
        "Take a policy out of routing without deleting its versions (activate_policy brings a "
        "version back). Returns the version that was active. Needs policy:write.",
        obj({"tenant": TENANT, "policy_id": POLICY_ID}, ["tenant", "policy_id"]),
        POLICY,
        read_only=False,
        destructive=True,
        idempotent=True,
    ),
    ToolSpec(
        "policy_history",
        "Policy version history",
        "Every version of a policy, oldest first, with who made it and which one is active. "
        "Needs policy:read.",
        obj({"tenant": TENANT, "policy_id": POLICY_ID}, ["tenant", "policy_id"]),
        obj({"items": {"type": "array", "items": POLICY}}, ["items"], extra=True),
        read_only=True,
        idempotent=True,
    ),
    ToolSpec(
        "check_permission",
        "Check a permission",
        "Ask the database whether a user may do an action in a tenant (roles, extra grants, "
        "wildcards and expiry all count). user defaults to your own actor.",
        obj(
            {
                "tenant": TENANT,
                "action": ACTION,
                "user": USER
                | {"description": "User to check; omit to check yourself (BEAMLINE_ACTOR)."},
            },
            ["tenant", "action"],
        ),
        obj(
            {
                "tenant": {"type": "string"},
                "user": {"type": "string"},
                "action": {"type": "string"},
                "allowed": {"type": "boolean"},
            },
            ["allowed"],
            extra=True,
        ),
        read_only=True,
        idempotent=True,
    ),
    ToolSpec(
        "get_audit_log",
        "Read the audit log",
        "Audit entries of a tenant (optionally one policy), newest first, with old/new data and "
        "metadata (transaction, application, client). Filter by action (CREATE, UPDATE, DELETE, "
        "ACTIVATE, DEACTIVATE, ...), actor and a time range. Needs audit:read.",
        obj(
            {
                "tenant": TENANT,
                "policy_id": POLICY_ID,
                "action": {
                    "type": "string",
                    "pattern": "^[A-Z][A-Z0-9_]*$",
                    "maxLength": 32,
                    "description": "Only this action, e.g. UPDATE.",
                },
                "actor": USER | {"description": "Only changes made by this actor."},
                "target_type": {
                    "type": "string",
                    "enum": ["policy", "role", "quota", "app"],
                    "description": "Only entries about policies, roles, quotas or app events.",
                },
                "since": TIMESTAMP | {"description": "From this time (inclusive)."},
                "until": TIMESTAMP | {"description": "Up to this time (exclusive)."},
                "limit": LIMIT,
                "cursor": CURSOR,
            },
            ["tenant"],
        ),
        obj({"items": {"type": "array", "items": AUDIT_ENTRY}, **_PAGE}, ["items"], extra=True),
        read_only=True,
        idempotent=True,
    ),
    # ---- DevState -------------------------------------------------------------------------
    ToolSpec(
        "get_state",
        "Get the DevState document",
        "The current DevState document (.trae/state.json in the database) and its checksum. "
        "Pass the checksum back to update_state as expected_checksum.",
        obj({}),
        obj(
            {
                "json": {"type": "object"},
                "checksum": {"type": "string"},
                "updated_at": nullable({"type": "string"}),
            },
            ["json", "checksum"],
            extra=True,
        ),
        read_only=True,
        idempotent=True,
    ),
    ToolSpec(
        "update_state",
        "Update the DevState document",
        "Apply a JSON Merge Patch (RFC 7396: objects merge, null deletes a key) to the DevState "
        "document. The result is validated against docs/STATE.schema.json (ValidationFailed lists "
        "the errors). With expected_checksum the update happens only if the document is unchanged "
        "(VersionConflict otherwise). With history, a history entry is appended in the same "
        "transaction.",
        obj(
            {
                "patch": {"type": "object", "description": "JSON Merge Patch to apply."},
                "expected_checksum": CHECKSUM
                | {"description": "Compare-and-set: checksum from get_state."},
                "history": obj(
                    {
                        "action": {"type": "string", "minLength": 1, "maxLength": 64},
                        "cp_from": {"type": "string", "maxLength": 256},
                        "cp_to": {"type": "string", "maxLength": 256},
                        "metadata": {"type": "object"},
                    },
                    ["action"],
                    description="Also append this history entry (same transaction).",
                ),
            },
            ["patch"],
        ),
        obj(
            {"checksum": {"type": "string", "description": "The new document's checksum."}},
            ["checksum"],
            extra=True,
        ),
        read_only=False,
        destructive=True,
        idempotent=False,
    ),
    ToolSpec(
        "append_history",
        "Append a DevState history entry",
        "Append an entry to the HMAC-chained DevState history (e.g. a checkpoint transition "
        "cp_from -> cp_to). The database links it to the chain head and signs it; concurrent "
        "appends never fork the chain. Returns the new entry's hmac.",
        obj(
            {
                "action": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 64,
                    "description": "What happened, e.g. 'checkpoint'.",
                },
                "cp_from": {"type": "string", "maxLength": 256, "description": "Checkpoint left."},
                "cp_to": {"type": "string", "maxLength": 256, "description": "Checkpoint reached."},
                "metadata": {"type": "object", "description": "Free-form details (JSON object)."},
            },
            ["action"],
        ),
        obj(
            {"id": nullable({"type": "integer"}), "hmac": {"type": "string"}}, ["hmac"], extra=True
        ),
        read_only=False,
        destructive=False,
        idempotent=False,
    ),
    ToolSpec(
        "verify_hmac_chain",
        "Verify the history chain",
        "Check the DevState history chain (links and HMACs, with the server's "
        "BEAMLINE_HMAC_SECRET): the whole chain, or the entries from_id..to_id. ok=true with the "
        "number of entries checked and the head hmac, or ok=false with the id (position) and "
        "reason of the first bad entry (bad link, missing predecessor, bad hmac, unknown key, "
        "truncated).",
        obj(
            {
                "from_id": _ID
                | {
                    "description": "First entry id to check; omit for the start of the chain.",
                },
                "to_id": _ID
                | {
                    "description": "Last entry id to check; omit for the head.",
                },
            }
        ),
        obj(
            {
                "ok": {"type": "boolean"},
                "checked": nullable({"type": "integer"}),
                "head": nullable({"type": "string"}),
                "id": nullable({"type": "integer"}),
                "position": nullable({"type": "integer"}),
                "reason": nullable({"type": "string"}),
            },
            ["ok"],
            extra=True,
        ),
        read_only=True,
        idempotent=True,
    ),
    ToolSpec(
        "export_files",
        "Export DevState files",
        "Write state.json and history.json (canonical, deterministic bytes, atomic) into the "
        "server's file root (beamline mcp --root; default .trae under its working directory) or "
        "a subdirectory of it. Overwrites them. Paths outside the root are refused.",
        obj({"dir": _DIR | {"description": "Subdirectory of the file root; default the root."}}),
        obj(
            {
                "dir": {"type": "string"},
                "files": {"type": "array", "items": {"type": "string"}},
                "entries": {"type": "integer"},
                "head": {"type": "string"},
                "state_checksum": {"type": "string"},
            },
            ["dir", "files", "entries", "head"],
            extra=True,
        ),
        read_only=False,
        destructive=True,
        idempotent=True,
    ),
    ToolSpec(
        "import_files",
        "Import DevState files",
        "Load state.json and history.json from the server's file root (default .trae) or a "
        "subdirectory of it into the database after checking the schema, the checksums and the "
        "whole HMAC chain; refuses with the reason and writes nothing otherwise (AlreadyExists "
        "when the database already has DevState). Paths outside the root are refused.",
        obj({"dir": _DIR | {"description": "Subdirectory of the file root; default the root."}}),
        obj(
            {
                "dir": {"type": "string"},
                "entries": {"type": "integer"},
                "head": {"type": "string"},
                "state_checksum": {"type": "string"},
            },
            ["dir", "entries", "head"],
            extra=True,
        ),
        read_only=False,
        destructive=True,
        idempotent=False,
    ),
    ToolSpec(
        "lock_state",
        "Lease a DevState scope",
        "Take (or renew) a lease on a scope for ttl_seconds, as your actor. A lease on 'state' "
        "makes update_state refuse other actors' updates until it expires or is released; other "
        "scopes (e.g. a checkpoint name) are advisory. LockConflict names the current owner and "
        "expiry if someone else holds it. Release with unlock_state.",
        obj(
            {
                "scope": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 128,
                    "description": "What to lock, e.g. 'state'.",
                },
                "ttl_seconds": {
                    "type": "number",
                    "exclusiveMinimum": 0,
                    "maximum": 86400,
                    "default": 60,
                    "description": "Lease length in seconds (default 60, at most 86400).",
                },
            },
            ["scope"],
        ),
        obj(
            {
                "lock_id": {"type": "string"},
                "scope": {"type": "string"},
                "ttl_seconds": {"type": "number"},
            },
            ["lock_id"],
            extra=True,
        ),
        read_only=False,
        destructive=False,
        idempotent=False,
    ),
    ToolSpec(
        "unlock_state",
        "Release a DevState lease",
        "Release a lease taken with lock_state. NotFound if there is no such lease (or it expired "
        "and someone else took the scope); LockConflict if it is another actor's unexpired lease.",
        obj(
            {
                "lock_id": {
                    "type": "string",
                    "format": "uuid",
                    "description": "lock_id from lock_state.",
                }
            },
            ["lock_id"],
        ),
        obj(
            {"lock_id": {"type": "string"}, "released": {"type": "boolean"}},
            ["released"],
            extra=True,
        ),
        read_only=False,
        destructive=False,
        idempotent=True,
    ),
    ToolSpec(
        "search_history",
        "Search the DevState history",
        "Find DevState history entries, newest first, a page at a time: by actor, action, "
        "checkpoint (cp_from or cp_to), time range and metadata containment. Needs state:read.",
        obj(
            {
                "actor": USER | {"description": "Only entries by this actor."},
                "action": {"type": "string", "maxLength": 64, "description": "Only this action."},
                "checkpoint": {
                    "type": "string",
                    "maxLength": 256,
                    "description": "Only entries leaving or reaching this checkpoint.",
                },
                "since": TIMESTAMP | {"description": "From this time (inclusive)."},
                "until": TIMESTAMP | {"description": "Up to this time (exclusive)."},
                "metadata": {
                    "type": "object",
                    "description": "Only entries whose metadata contains this JSON (@>).",
                },
                "limit": LIMIT,
                "cursor": _ID
                | {"description": "next_cursor of the previous page; omit for the first page."},
            }
        ),
        obj(
            {
                "items": {"type": "array", "items": HISTORY_ENTRY},
                "next_cursor": nullable(
                    {"type": "integer", "description": "Cursor of the next page; null at the end."}
                ),
            },
            ["items"],
            extra=True,
        ),
        read_only=True,
        idempotent=True,
    ),
)

_BY_NAME = {spec.name: spec for spec in TOOLS}


def tool_by_name(name: str) -> ToolSpec | None:
    """The tool called *name*, or None."""
    return _BY_NAME.get(name)
