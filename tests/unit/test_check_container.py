"""scripts/check_container.py (issue 16) finds what it claims to: a clean copy of the
repository's container files passes; each kind of breakage is named."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "check_container", ROOT / "scripts" / "check_container.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


checker = _load()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    for name in ("pyproject.toml", "README.md", "LICENSE", ".dockerignore"):
        shutil.copy(ROOT / name, tmp_path / name)
    for name in ("docker", "pyclient", "sql", "migrations"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "docs").mkdir()
    for name in ("POLICY.schema.json", "STATE.schema.json"):
        shutil.copy(ROOT / "docs" / name, tmp_path / "docs" / name)
    return tmp_path


def run(repo: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = checker.main(["check_container", str(repo)])
    captured = capsys.readouterr()
    return code, captured.err + captured.out


def test_the_repository_passes(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(repo, capsys)
    assert code == 0, out
    assert "build context" in out


def test_dockerignore_semantics() -> None:
    rules = checker._ignore_rules(ROOT)
    assert checker.excluded(rules, ".venv/bin/python")
    assert checker.excluded(rules, ".beamline/data/PG_VERSION")
    assert checker.excluded(rules, "editors/vscode/node_modules/x/index.js")
    assert not checker.excluded(rules, "pyclient/beamline_store/store.py")
    assert checker.excluded(rules, "pyclient/beamline_store/__pycache__/store.cpython-311.pyc")
    assert not checker.excluded(rules, "docs/POLICY.schema.json")
    assert checker.excluded(rules, "docs/OPERATIONS.md")


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda r: (r / ".dockerignore").write_text("node_modules\n"), ".dockerignore lets .venv"),
        (lambda r: shutil.rmtree(r / "migrations"), "COPY source migrations does not exist"),
        (lambda r: shutil.rmtree(r / "docker" / "initdb"), "bind-mount source ./initdb"),
        (
            lambda r: _replace(
                r / "docker" / "docker-compose.postgres.yml", '"127.0.0.1:8765:8765"', '"8765:8765"'
            ),
            "port 8765:8765 is not bound to 127.0.0.1",
        ),
        (
            lambda r: _replace(
                r / "docker" / "docker-compose.postgres.yml",
                "${BEAMLINE_MCP_TOKEN:?set BEAMLINE_MCP_TOKEN (HTTP bearer token)}",
                "hunter2",
            ),
            "BEAMLINE_MCP_TOKEN must come from the environment",
        ),
        (
            lambda r: _replace(
                r / "docker" / "docker-compose.postgres.yml",
                "postgres:${POSTGRES_PASSWORD}@",
                "postgres:pw@",
            ),
            "literal password",
        ),
        (
            lambda r: _replace(r / "docker" / "Dockerfile", "COPY migrations ./migrations\n", ""),
            "the wheel needs migrations",
        ),
        (
            lambda r: _replace(r / ".dockerignore", "!sql/\n", ""),
            "COPY source sql is excluded by .dockerignore",
        ),
    ],
)
def test_each_breakage_is_named(
    repo: Path, capsys: pytest.CaptureFixture[str], edit: object, expected: str
) -> None:
    edit(repo)  # type: ignore[operator]
    code, out = run(repo, capsys)
    assert code == 1
    assert expected in out


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))
