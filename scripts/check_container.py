#!/usr/bin/env python3
"""Static checks of the container files (no Docker engine needed), run by `make check-container`
beside hadolint (Dockerfile) and check-jsonschema's compose-spec schema (compose file):

- compose: every service has an image or a build whose context and Dockerfile exist; every bind
  mount's source exists; depends_on names existing services; published ports are bound to
  127.0.0.1; every variable that looks like a secret (PASSWORD / TOKEN / SECRET) is taken from
  the environment (``${VAR}``), never written in; the MCP service gets BEAMLINE_MCP_TOKEN;
- Dockerfile: every COPY source exists in the build context and is not excluded by
  .dockerignore; the wheel's force-included files (pyproject.toml) are all copied;
- .dockerignore: the virtualenv, the embedded database (.beamline), node_modules and .git stay
  out of the build context. Prints the context size with and without it.

Usage: scripts/check_container.py [REPO_ROOT]. Exit 0 when clean, 1 listing every problem.
"""

from __future__ import annotations

import fnmatch
import os
import re
import sys
import tomllib
from pathlib import Path
from typing import Any

import yaml

COMPOSE = Path("docker/docker-compose.postgres.yml")
DOCKERFILE = Path("docker/Dockerfile")
MUST_EXCLUDE = (".venv", ".beamline", "editors/vscode/node_modules", ".git", ".mypy_cache")
SECRET_WORDS = ("PASSWORD", "TOKEN", "SECRET")


def _ignore_rules(root: Path) -> list[tuple[bool, str]]:
    """(negated, pattern) per line of .dockerignore, in order."""
    path = root / ".dockerignore"
    if not path.is_file():
        return []
    rules = []
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        pattern = line[1:] if negated else line
        rules.append((negated, pattern.strip("/").removeprefix("./")))
    return rules


def _matches(pattern: str, rel: str) -> bool:
    """Docker's rule: a pattern matches a path or any of its parent directories."""
    parts = rel.split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    if pattern.startswith("**/"):
        tail = pattern[3:]
        return any(fnmatch.fnmatchcase(p, tail) for p in parts) or any(
            fnmatch.fnmatchcase(c, pattern) for c in candidates
        )
    return any(
        fnmatch.fnmatchcase(c, pattern) and c.count("/") == pattern.count("/") for c in candidates
    )


def excluded(rules: list[tuple[bool, str]], rel: str) -> bool:
    """Whether *rel* (a path relative to the context) is left out; the last matching rule wins."""
    result = False
    for negated, pattern in rules:
        if _matches(pattern, rel):
            result = not negated
    return result


def _context_size(root: Path, rules: list[tuple[bool, str]]) -> tuple[int, int, int]:
    total = kept = files = 0
    for dirpath, dirnames, filenames in os.walk(root):
        for name in filenames:
            path = Path(dirpath) / name
            try:
                size = path.lstat().st_size
            except OSError:
                continue
            total += size
            rel = str(path.relative_to(root))
            if not excluded(rules, rel):
                kept += size
                files += 1
        dirnames[:] = [d for d in dirnames if not d.startswith(".s.PGSQL")]
    return files, kept, total


def check_compose(root: Path, problems: list[str]) -> dict[str, Any]:
    compose_path = root / COMPOSE
    try:
        compose = yaml.safe_load(compose_path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        problems.append(f"{COMPOSE}: unreadable: {exc}")
        return {}
    base = compose_path.parent
    services = compose.get("services") or {}
    if not services:
        problems.append(f"{COMPOSE}: no services")
    for name, svc in services.items():
        where = f"{COMPOSE}: service {name}"
        build = svc.get("build")
        if not svc.get("image") and not build:
            problems.append(f"{where}: neither image nor build")
        if build:
            context = (
                base / (build if isinstance(build, str) else build.get("context", "."))
            ).resolve()
            if not context.is_dir():
                problems.append(f"{where}: build context {context} does not exist")
            dockerfile = (
                build.get("dockerfile", "Dockerfile") if isinstance(build, dict) else "Dockerfile"
            )
            if not (context / dockerfile).is_file():
                problems.append(f"{where}: Dockerfile {dockerfile} not found in {context}")
        for volume in svc.get("volumes") or []:
            source = volume.split(":")[0] if isinstance(volume, str) else volume.get("source", "")
            if source.startswith((".", "/")) and not (base / source).exists():
                problems.append(f"{where}: bind-mount source {source} does not exist")
        for dep in svc.get("depends_on") or []:
            if dep not in services:
                problems.append(f"{where}: depends_on unknown service {dep}")
        for port in svc.get("ports") or []:
            if not str(port).startswith("127.0.0.1:"):
                problems.append(f"{where}: port {port} is not bound to 127.0.0.1")
        env = svc.get("environment") or {}
        if isinstance(env, list):
            env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
        for key, value in env.items():
            text = str(value)
            if any(word in key for word in SECRET_WORDS) and not re.fullmatch(
                r"\$\{[A-Z0-9_]+(:\?[^}]*)?\}", text
            ):
                problems.append(f"{where}: {key} must come from the environment (${{VAR:?...}})")
            for match in re.finditer(r"://[^:/@]+:([^@]+)@", text):
                if not match.group(1).startswith("${"):
                    problems.append(f"{where}: {key} has a literal password in its URL")
        command = svc.get("command") or []
        if "mcp" in command and "--http" in command and "BEAMLINE_MCP_TOKEN" not in env:
            problems.append(f"{where}: serves MCP over HTTP without BEAMLINE_MCP_TOKEN")
    return compose  # type: ignore[no-any-return]


def check_dockerfile(root: Path, rules: list[tuple[bool, str]], problems: list[str]) -> None:
    text = (root / DOCKERFILE).read_text()
    copied: list[str] = []
    for line in re.sub(r"\\\n", " ", text).splitlines():
        words = line.split()
        if not words or words[0].upper() not in {"COPY", "ADD"}:
            continue
        args = [w for w in words[1:] if not w.startswith("--")]
        if any(w.startswith("--from") for w in words[1:]):
            continue
        for source in args[:-1]:
            rel = source.rstrip("/").removeprefix("./")
            copied.append(rel)
            if not (root / rel).exists():
                problems.append(f"{DOCKERFILE}: COPY source {source} does not exist")
            elif excluded(rules, rel):
                problems.append(f"{DOCKERFILE}: COPY source {source} is excluded by .dockerignore")
    pyproject = tomllib.loads((root / "pyproject.toml").read_text())
    wheel = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]
    needed = list(wheel.get("force-include", {})) + list(wheel.get("packages", []))
    for item in needed:
        if not any(item == c or item.startswith(c + "/") for c in copied):
            problems.append(f"{DOCKERFILE}: the wheel needs {item}, which is not copied")


def main(argv: list[str]) -> int:
    root = Path(argv[1] if len(argv) > 1 else Path(__file__).resolve().parents[1]).resolve()
    problems: list[str] = []
    rules = _ignore_rules(root)
    if not rules:
        problems.append(".dockerignore is missing or empty")
    for path in MUST_EXCLUDE:
        if not excluded(rules, path) or not excluded(rules, f"{path}/x"):
            problems.append(f".dockerignore lets {path} into the build context")
    check_compose(root, problems)
    check_dockerfile(root, rules, problems)
    for problem in problems:
        print(f"check_container: {problem}", file=sys.stderr)
    if problems:
        return 1
    files, kept, total = _context_size(root, rules)
    print(
        f"check_container: ok ({files} files, {kept / 1e6:.1f} MB in the build context; "
        f"{total / 1e6:.1f} MB without .dockerignore)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
