"""JSON Schema fragments for the MCP tools' inputs and outputs.

Input schemas describe arguments precisely enough for an assistant to fill them; they check
shape only (types, lengths, identifier characters). Every business rule (document validity,
permissions, quotas, version conflicts) stays in PostgreSQL and comes back as a tool error.
Output schemas are what the server promises in ``structuredContent``; the SDK's client checks
results against them.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ACTION",
    "AUDIT_ENTRY",
    "CHECKSUM",
    "CURSOR",
    "HISTORY_ENTRY",
    "IDENTIFIER_PATTERN",
    "INT4_MAX",
    "JS_SAFE_MAX",
    "LIMIT",
    "POLICY",
    "POLICY_DATA",
    "POLICY_ID",
    "TENANT",
    "TIMESTAMP",
    "USER",
    "VERSION",
    "nullable",
    "obj",
]

Schema = dict[str, Any]

INT4_MAX = 2**31 - 1
"""Largest policy version (an ``integer`` column)."""
JS_SAFE_MAX = 2**53 - 1
"""Largest integer a JavaScript client (the TypeScript SDK) holds exactly: bigint ids."""


def nullable(schema: Schema) -> Schema:
    """*schema* or null, spelled ``anyOf`` with one ``type`` per branch: a ``type`` array
    (``["string", "null"]``) is legal JSON Schema but not portable (the Inspector's
    ``--strict`` check warns about it)."""
    description = schema.get("description")
    inner = {k: v for k, v in schema.items() if k != "description"}
    result: Schema = {"anyOf": [inner, {"type": "null"}]}
    if description:
        result["description"] = description
    return result


# As beamline_internal.check_identifier: a letter or digit, then letters, digits, . _ : @ + -
IDENTIFIER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:@+-]*$"


def obj(
    properties: dict[str, Schema],
    required: list[str] | None = None,
    *,
    extra: bool = False,
    description: str | None = None,
) -> Schema:
    """An object schema; closed (``additionalProperties: false``) unless *extra*."""
    schema: Schema = {"type": "object", "properties": properties, "additionalProperties": extra}
    if required:
        schema["required"] = required
    if description:
        schema["description"] = description
    return schema


TENANT: Schema = {
    "type": "string",
    "minLength": 1,
    "maxLength": 64,
    "pattern": IDENTIFIER_PATTERN,
    "description": "Tenant id, e.g. 'acme' (letters, digits and . _ : @ + -; at most 64).",
}
POLICY_ID: Schema = {
    "type": "string",
    "minLength": 1,
    "maxLength": 128,
    "pattern": IDENTIFIER_PATTERN,
    "description": "Policy id within the tenant, e.g. 'routing' (at most 128 characters).",
}
USER: Schema = {
    "type": "string",
    "minLength": 1,
    "maxLength": 128,
    "pattern": IDENTIFIER_PATTERN,
    "description": "User id, e.g. 'alice'.",
}
VERSION: Schema = {
    "type": "integer",
    "minimum": 1,
    "maximum": INT4_MAX,
    "description": "Policy version (1, 2, ...).",
}
LIMIT: Schema = {
    "type": "integer",
    "minimum": 1,
    "maximum": 1000,
    "default": 50,
    "description": "Maximum number of items to return (1-1000, default 50).",
}
CURSOR: Schema = {
    "type": "string",
    "minLength": 1,
    "maxLength": 1024,
    "description": "Opaque cursor from a previous page's next_cursor; omit for the first page.",
}
TIMESTAMP: Schema = {
    "type": "string",
    "format": "date-time",
    "maxLength": 64,
    "description": "ISO 8601 timestamp with time zone, e.g. 2025-01-31T12:00:00Z.",
}
CHECKSUM: Schema = {
    "type": "string",
    "pattern": "^[0-9a-f]{64}$",
    "description": "SHA-256 checksum (64 hex digits) of a DevState document.",
}
ACTION: Schema = {
    "type": "string",
    "minLength": 1,
    "maxLength": 64,
    "description": "Permission to check, '<namespace>:<verb>': policy:read, policy:write, "
    "policy:delete, audit:read, rbac:manage, quota:manage, state:read, state:write, "
    "history:append.",
}
POLICY_DATA: Schema = {
    "type": "object",
    "description": (
        "The policy document (validated by the database against docs/POLICY.schema.json; every "
        'error comes back with its JSON pointer). Shape: {"providers": [{"id", "weight"}], '
        '"rules": [{"id", "match": {...}, "route": [provider ids], "priority"}], '
        '"fallback": {"provider"}}. Example: {"providers":[{"id":"openai","weight":70},'
        '{"id":"anthropic","weight":30}],"rules":[{"id":"r1","match":{"model":'
        '"gpt-4*"},"route":["openai"],"priority":10}],"fallback":{"provider":"anthropic"}}'
    ),
}

_NULLABLE_STR: Schema = nullable({"type": "string"})
# Any JSON value (audit old/new data), spelled as single-type branches.
_ANY_JSON: Schema = {
    "anyOf": [{"type": t} for t in ("object", "array", "string", "number", "boolean", "null")]
}

POLICY: Schema = obj(
    {
        "tenant_id": {"type": "string"},
        "policy_id": {"type": "string"},
        "version": {"type": "integer"},
        "is_active": {"type": "boolean"},
        "data": {"type": "object"},
        "created_at": _NULLABLE_STR,
        "updated_at": _NULLABLE_STR,
        "created_by": _NULLABLE_STR,
        "updated_by": _NULLABLE_STR,
    },
    ["tenant_id", "policy_id", "version", "is_active", "data"],
    extra=True,
    description="One version of a policy.",
)

AUDIT_ENTRY: Schema = obj(
    {
        "id": {"type": "string"},
        "tenant_id": {"type": "string"},
        "target_type": _NULLABLE_STR,
        "policy_id": _NULLABLE_STR,
        "target_id": _NULLABLE_STR,
        "action": {"type": "string"},
        "actor": {"type": "string"},
        "timestamp": {"type": "string"},
        "old_data": _ANY_JSON,
        "new_data": _ANY_JSON,
        "metadata": {"type": "object"},
    },
    ["action", "actor"],
    extra=True,
)

HISTORY_ENTRY: Schema = obj(
    {
        "id": {"type": "integer"},
        "ts": {"type": "string"},
        "actor": {"type": "string"},
        "action": {"type": "string"},
        "cp_from": _NULLABLE_STR,
        "cp_to": _NULLABLE_STR,
        "state_checksum": _NULLABLE_STR,
        "hmac_prev": {"type": "string"},
        "hmac": {"type": "string"},
        "metadata": {"type": "object"},
    },
    ["id", "actor", "action", "hmac"],
    extra=True,
)
