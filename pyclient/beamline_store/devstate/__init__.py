"""DevState: the database as the source of truth for ``.trae/state.json`` and
``.trae/history.json`` (SPEC §6, docs/DEVSTATE_MCP.md).

Modules: :mod:`.canonical` (canonical JSON, the HMAC message, the file formats),
:mod:`.db` (thin calls of the SQL API and a connection helper that passes the HMAC secret in
the startup options), :mod:`.files` (export / import), :mod:`.verify` (offline verification).
"""

from __future__ import annotations

__all__: list[str] = []
