#!/usr/bin/env bash
# Run the pgTAP suite (sql/tests/*.sql) with pg_prove against a freshly migrated database in a
# throwaway cluster (never ./.beamline). Files in sql/tests/support/ are loaded once first
# (shared helpers in schema `tests`). Usage: scripts/run_pgtap.sh [test files...]
set -euo pipefail
cd "$(dirname "$0")/.."
beamline=${BEAMLINE_BIN:-.venv/bin/beamline}

home=$(mktemp -d /tmp/beamline-pgtap.XXXXXX)
cleanup() { BEAMLINE_HOME="$home" "$beamline" db stop >/dev/null 2>&1 || true; rm -rf "$home"; }
trap cleanup EXIT
export BEAMLINE_HOME="$home"
unset DATABASE_URL PGOPTIONS PGDATABASE PGHOST PGPORT PGUSER

"$beamline" db start >/dev/null
"$beamline" migrate >/dev/null
url=$("$beamline" db url)

psql -X -q -v ON_ERROR_STOP=1 "$url" -c 'create schema if not exists tap' \
    -c 'create extension if not exists pgtap with schema tap' \
    -c 'grant usage on schema tap to public' >/dev/null
for helper in sql/tests/support/*.sql; do
    [ -e "$helper" ] || continue
    psql -X -q -v ON_ERROR_STOP=1 "$url" -f "$helper" >/dev/null
done

if [ $# -eq 0 ]; then set -- sql/tests/*.sql; fi
port=$("$beamline" db status --json | .venv/bin/python -c 'import json,sys; print(json.load(sys.stdin)["port"])')
PGHOST="$home" PGPORT="$port" PGUSER=postgres PGDATABASE=beamline \
    PGOPTIONS='-c search_path=tap,pg_catalog' pg_prove --failures "$@"
