#!/usr/bin/env bash
# Run the pgTAP suite (sql/tests/*.sql) with pg_prove against a freshly migrated database in a
# throwaway cluster (never ./.beamline). Files in sql/tests/support/ are loaded once first
# (shared helpers in schema `tests`).
#
# Usage: scripts/run_pgtap.sh [test files...]            the suite once, on the real clock
#        scripts/run_pgtap.sh --shifted-clock [files...] the suite again on awkward dates
#
# --shifted-clock guards against tests that only pass on some days (issue 10: a month-interval
# case that failed on 2 December). Each date gets its own throwaway cluster whose server runs
# under libfaketime (Debian `libfaketime`), so now() in every backend reports that date; the
# files run in reverse order there, which also catches a file that depends on an earlier one.
# Before the suite, the script checks that the server's clock really moved (else it fails).
set -euo pipefail
cd "$(dirname "$0")/.."
beamline=${BEAMLINE_BIN:-.venv/bin/beamline}
unset DATABASE_URL PGOPTIONS PGDATABASE PGHOST PGPORT PGUSER PGTZ

# Dates for --shifted-clock: "label|faketime start (UTC)|session TimeZone".
#  - a leap day;
#  - the last second of a year (the run crosses into the next year and month);
#  - the day before Europe's spring DST change, seen from Berlin (the run's local day has 23 h
#    the next day; timestamptz ± days/months is computed in the session zone);
#  - the last day of a 31-day month before a 30-day month, seen from a zone west of UTC, where
#    the local date differs from the UTC date.
SHIFTED_DATES=(
    "leap-day|2028-02-29 12:00:00|UTC"
    "year-end|2026-12-31 23:59:58|UTC"
    "before-dst|2027-03-27 22:30:00|Europe/Berlin"
    "month-end|2027-08-31 23:30:00|America/Los_Angeles"
)
FAKETIME_LIB=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1

shifted=0
if [ "${1:-}" = "--shifted-clock" ]; then shifted=1; shift; fi
if [ $# -eq 0 ]; then set -- sql/tests/*.sql; fi

homes=()
cleanup() {
    for home in "${homes[@]}"; do
        BEAMLINE_HOME="$home" "$beamline" db stop >/dev/null 2>&1 || true
        rm -rf "$home"
    done
}
trap cleanup EXIT

# run_suite LABEL FAKETIME_START TIMEZONE PG_PROVE_ARGS... -- FILES...
run_suite() {
    local label=$1 start=$2 zone=$3
    shift 3
    local home
    home=$(mktemp -d /tmp/beamline-pgtap.XXXXXX)
    homes+=("$home")
    if [ -n "$start" ]; then
        # Only the server is shifted: FAKETIME starts its clock at $start and lets it run;
        # children forked by the postmaster keep that clock (FAKETIME_DONT_RESET); monotonic
        # clocks (timeouts) stay real.
        BEAMLINE_HOME="$home" LD_PRELOAD="$FAKETIME_LIB" FAKETIME="@$start" FAKETIME_DONT_RESET=1 \
            DONT_FAKE_MONOTONIC=1 "$beamline" db start >/dev/null
    else
        BEAMLINE_HOME="$home" "$beamline" db start >/dev/null
    fi
    BEAMLINE_HOME="$home" "$beamline" migrate >/dev/null
    local url port
    url=$(BEAMLINE_HOME="$home" "$beamline" db url)
    psql -X -q -v ON_ERROR_STOP=1 "$url" -c 'create schema if not exists tap' \
        -c 'create extension if not exists pgtap with schema tap' \
        -c 'grant usage on schema tap to public' >/dev/null
    for helper in sql/tests/support/*.sql; do
        [ -e "$helper" ] || continue
        psql -X -q -v ON_ERROR_STOP=1 "$url" -f "$helper" >/dev/null
    done
    if [ -n "$start" ]; then
        local day
        day=$(PGTZ=UTC psql -X -A -t "$url" -c "select to_char(now(), 'YYYY-MM-DD')")
        # The start day, or the next one: "year-end" starts 2 s before midnight and the server
        # start plus migrate take longer than that on a loaded machine.
        if [ "$day" != "${start%% *}" ] && [ "$day" != "$(date -u -d "${start%% *} + 1 day" +%F)" ]; then
            echo "shifted clock not in effect for $label: server date is $day, wanted ${start%% *}" >&2
            return 1
        fi
        echo "== pgTAP on a shifted clock: $label ($start UTC, TimeZone $zone) =="
    fi
    port=$(BEAMLINE_HOME="$home" "$beamline" db status --json | .venv/bin/python -c 'import json,sys; print(json.load(sys.stdin)["port"])')
    env PGHOST="$home" PGPORT="$port" PGUSER=postgres PGDATABASE=beamline ${zone:+PGTZ="$zone"} \
        PGOPTIONS='-c search_path=tap,pg_catalog' pg_prove "$@"
}

if [ "$shifted" = 0 ]; then
    run_suite real "" "" --failures "$@"
    exit 0
fi

[ -f "$FAKETIME_LIB" ] || { echo "libfaketime is missing: scripts/install_system_deps.sh --test installs it" >&2; exit 1; }
for entry in "${SHIFTED_DATES[@]}"; do
    IFS='|' read -r label start zone <<<"$entry"
    run_suite "$label" "$start" "$zone" --failures --reverse "$@"
done
