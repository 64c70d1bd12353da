"""Check a built .vsix: its manifest contributes every command of package.json and the MCP
server definition provider, and it carries only the extension's runtime files.

Usage: python3 check_vsix.py path/to/beamline-store.vsix   (stdlib only; exit 1 on a problem)
"""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path

REQUIRED_COMMANDS = {
    "beamline-store.verifyHistoryChain",
    "beamline-store.exportDevStateFiles",
    "beamline-store.openPolicy",
}
PROVIDER_ID = "beamline-store.mcp"


def problems(vsix: Path, source_manifest: Path) -> list[str]:
    found: list[str] = []
    with zipfile.ZipFile(vsix) as zf:
        names = zf.namelist()
        manifest = json.loads(zf.read("extension/package.json"))
        vsixmanifest = zf.read("extension.vsixmanifest").decode("utf-8")
    source = json.loads(source_manifest.read_text(encoding="utf-8"))
    commands = {c["command"] for c in manifest.get("contributes", {}).get("commands", [])}
    wanted = REQUIRED_COMMANDS | {c["command"] for c in source["contributes"]["commands"]}
    if missing := sorted(wanted - commands):
        found.append(f"commands missing from the packaged manifest: {missing}")
    providers = manifest.get("contributes", {}).get("mcpServerDefinitionProviders", [])
    if not any(p.get("id") == PROVIDER_ID and p.get("label") for p in providers):
        found.append(f"no mcpServerDefinitionProviders entry {PROVIDER_ID!r} with a label")
    if manifest.get("main", "").lstrip("./") not in {n.removeprefix("extension/") for n in names}:
        found.append(f"main {manifest.get('main')!r} is not in the package")
    if stray := [n for n in names if "/node_modules/" in n or "/test/" in n]:
        found.append(f"files that do not belong in the package: {stray[:5]}")
    if manifest["name"] not in vsixmanifest:
        found.append("extension.vsixmanifest does not name the extension")
    return found


def main(argv: list[str]) -> int:
    vsix = Path(argv[1])
    found = problems(vsix, Path(__file__).resolve().parents[1] / "package.json")
    for line in found:
        print(f"check_vsix: {vsix}: {line}", file=sys.stderr)
    if not found:
        print(f"check_vsix: {vsix}: commands and MCP server provider present")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
