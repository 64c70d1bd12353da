"""The MCP server for AI assistants (TRAE, VS Code): ``beamline mcp`` (SPEC §8, docs/TRAE.md)."""

from __future__ import annotations

from .server import BeamlineMcp
from .tools import TOOLS, ToolSpec

__all__ = ["TOOLS", "BeamlineMcp", "ToolSpec"]
