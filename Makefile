# beamline-store. The README's two commands: `make run` and `make test`.
# Each installs what it needs: the virtualenv with Python packages, and the Debian packages
# (PostgreSQL server, pgTAP, pg_prove) through scripts/install_system_deps.sh.

SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
BEAMLINE := $(BIN)/beamline
STAMP := $(VENV)/.installed
PY_DIRS := $(wildcard pyclient tests bench examples)
# pip prints a warning per package for this machine's optional local indexes; keep the rest.
PIP_QUIET := 2>&1 | { grep -v '^WARNING: Location' || true; }

.PHONY: check-container run test lint typecheck test-sql test-py test-node deps sysdeps testdeps \
        schema-snapshot bench bench-sql bench-client bench-client-compare bench-faults bench-backup \
        bench-retention bench-http bench-coherence clean help vsix bench-mcp bench-mcp-compare \
        bench-mcp-profile inspector-deps bench-validation \
        bench-devstate test-ha

help:
	@echo "make run    start the embedded database, migrate, run the quickstart"
	@echo "make test   ruff + mypy + pgTAP (pg_prove) + pytest"
	@echo "make bench  benchmarks (bench/README.md)"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip $(PIP_QUIET)
	@$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[dev,http]' $(PIP_QUIET)
	@touch $@

deps: $(STAMP)

sysdeps:
	@scripts/install_system_deps.sh

testdeps:
	@scripts/install_system_deps.sh --test

run: deps sysdeps
	@$(BEAMLINE) db start >/dev/null
	@$(BEAMLINE) migrate
	@$(BIN)/python examples/quickstart.py
	@scripts/run_summary.sh

lint: deps
	$(BIN)/ruff check $(PY_DIRS)
	$(BIN)/ruff format --check $(PY_DIRS)

typecheck: deps
	$(BIN)/mypy

# pgTAP twice: on the real clock, then on awkward dates under libfaketime (scripts/run_pgtap.sh).
test-sql: deps testdeps
	scripts/run_pgtap.sh
	scripts/run_pgtap.sh --shifted-clock

test-py: deps sysdeps testdeps inspector-deps
	$(BIN)/pytest -q -p no:cacheprovider

test: lint typecheck check-container test-node test-sql test-py

# The Patroni + etcd drills alone (they are also part of test-py, hence of `make test` and CI):
# switchover, hard kill, hung primary; prints each drill's report (docs/HA.md).
test-ha: deps
	@scripts/install_system_deps.sh --ha
	$(BIN)/pytest -q -p no:cacheprovider -s tests/ha

# The container files, statically (no Docker engine here): hadolint on the Dockerfile, the
# compose-spec JSON schema on the compose file, then paths / .dockerignore / secrets
# (scripts/check_container.py; docs/OPERATIONS.md says what was and wasn't run).
check-container: deps
	$(BIN)/hadolint docker/Dockerfile
	$(BIN)/check-jsonschema --builtin-schema vendor.compose-spec docker/docker-compose.postgres.yml
	$(BIN)/python scripts/check_container.py

# The editor extension's own logic (node --test, a stand-in for the `vscode` module; no npm needed).
test-node:
	node --test editors/vscode/test/

# The VS Code / TRAE extension package, built by @vscode/vsce (npm devDependency), then checked:
# its manifest must list the commands and the MCP server definition provider.
VSCODE_DIR := editors/vscode
VSIX := $(VSCODE_DIR)/beamline-store.vsix

$(VSCODE_DIR)/node_modules/.package-lock.json: $(VSCODE_DIR)/package-lock.json
	cd $(VSCODE_DIR) && npm ci --no-audit --no-fund

vsix: $(VSCODE_DIR)/node_modules/.package-lock.json
	cd $(VSCODE_DIR) && ./node_modules/.bin/vsce package --no-dependencies --out beamline-store.vsix
	$(PYTHON) $(VSCODE_DIR)/scripts/check_vsix.py $(VSIX)

# The official MCP Inspector CLI (pinned in tests/inspector/package-lock.json) that
# tests/acceptance/test_mcp_inspector.py drives over stdio and HTTP.
INSPECTOR_DIR := tests/inspector

$(INSPECTOR_DIR)/node_modules/.package-lock.json: $(INSPECTOR_DIR)/package-lock.json
	cd $(INSPECTOR_DIR) && npm ci --no-audit --no-fund --ignore-scripts

inspector-deps: $(INSPECTOR_DIR)/node_modules/.package-lock.json

# MCP tool latency through a real client session, beside an in-process Store baseline.
bench-mcp: deps sysdeps
	$(BIN)/python bench/mcp_bench.py

# Two versions' MCP servers, calls interleaved (issue 14): make bench-mcp-compare MCP_BASE=<ref>
MCP_BASE ?= f076be9
bench-mcp-compare: deps sysdeps
	$(BIN)/python bench/mcp_compare.py $(MCP_BASE)

# Where an MCP call's time goes: handler parts, statements and server time per call.
bench-mcp-profile: deps sysdeps
	$(BIN)/python bench/mcp_profile.py

schema-snapshot: deps sysdeps
	scripts/update_schema_snapshot.sh

# DevState: append / verify / export / offline verify throughput beside bare baselines (issue 5).
bench-devstate: deps sysdeps
	$(BIN)/python bench/devstate_bench.py

# JSON Schema engine throughput on the default policy document, beside a bare select (issue 3).
bench-validation: deps sysdeps
	@$(BEAMLINE) db start >/dev/null
	@$(BEAMLINE) migrate >/dev/null
	$(BIN)/python bench/validation_bench.py

# pgbench workloads of issue 4 (policy read/write, RBAC check, audit write) beside bare
# SELECT / INSERT baselines at 1, 8, 16 clients on a throwaway cluster (bench/README.md).
bench-sql: deps sysdeps
	bench/run_pgbench.sh

# Client cache and coherence figures beside bare-dict / bare-psycopg baselines (issue 6).
# Uses the embedded database (./.beamline or BEAMLINE_HOME), like `make run`.
bench-client: deps sysdeps
	@$(BEAMLINE) db start >/dev/null
	@$(BEAMLINE) migrate >/dev/null
	$(BIN)/python bench/client_bench.py

# Backup / restore / verify at scale beside bare pg_dump / pg_restore (issue 16); throwaway
# cluster. Scale: BENCH_POLICIES, BENCH_AUDIT, BENCH_HISTORY (defaults 100k / 1M / 1M).
bench-backup: deps sysdeps
	$(BIN)/python bench/backup_bench.py

# Audit retention on the partitioned log (partition drop) vs the DELETE it replaces, same run.
bench-retention: deps sysdeps
	$(BIN)/python bench/retention_bench.py

# Hit throughput and miss latency of BASE's client vs this checkout's, alternating rounds in one
# run (issue 12). BASE defaults to the merge base with main.
BASE ?= $(shell git merge-base HEAD main 2>/dev/null || echo HEAD)
bench-client-compare: deps sysdeps
	@$(BEAMLINE) db start >/dev/null
	@$(BEAMLINE) migrate >/dev/null
	$(BIN)/python bench/client_compare.py $(BASE)

# Outage timings of the client beside its configured deadlines, on a throwaway cluster (issue 12).
bench-faults: deps sysdeps
	$(BIN)/python bench/fault_bench.py

# The HTTP policy API under wrk (scripts/policy_api.lua) beside the same server's static
# /healthz, on a throwaway cluster (issue 17). Installs wrk (scripts/install_system_deps.sh --bench).
bench-http: deps sysdeps
	@scripts/install_system_deps.sh --bench
	$(BIN)/python bench/http_bench.py
	$(BIN)/python bench/async_hit_bench.py

# Invalidation lag under bursts of concurrent writers, 1 writer vs 4, 3 reader processes (issue 13).
bench-coherence: deps sysdeps
	$(BIN)/python bench/coherence_burst.py

# Every benchmark, one after the other (bench/README.md records the figures).
bench: bench-validation bench-sql bench-devstate bench-client bench-faults bench-mcp bench-backup \
       bench-retention bench-http bench-coherence

clean:
	rm -rf build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
