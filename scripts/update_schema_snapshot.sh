#!/usr/bin/env bash
# Rebuild sql/schema_snapshot.sql from a freshly migrated database in a throwaway cluster.
# Commit the result with the change that caused it.
set -euo pipefail
cd "$(dirname "$0")/.."
beamline=${BEAMLINE_BIN:-.venv/bin/beamline}
home=$(mktemp -d /tmp/beamline-snapshot.XXXXXX)
cleanup() { BEAMLINE_HOME="$home" "$beamline" db stop >/dev/null 2>&1 || true; rm -rf "$home"; }
trap cleanup EXIT
export BEAMLINE_HOME="$home"
unset DATABASE_URL
"$beamline" db start >/dev/null
"$beamline" migrate >/dev/null
.venv/bin/python -m beamline_store.schema_dump "$("$beamline" db url)" > sql/schema_snapshot.sql
echo "sql/schema_snapshot.sql updated ($(wc -l < sql/schema_snapshot.sql) lines)"
