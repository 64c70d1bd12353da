#!/usr/bin/env bash
# Verify a backup without touching the backed-up database (docs/OPERATIONS.md):
#   scripts/verify_backup_integrity.sh DIR [--server-url URL] [--json] [--quiet]
# Checks every file against the manifest, restores into a scratch database (a new database on
# --server-url / BEAMLINE_VERIFY_SERVER_URL, else a throwaway embedded cluster), then compares
# migrations, row counts and checksums, sequences, functions and ACLs, and verifies the DevState
# HMAC chain (needs BEAMLINE_HMAC_SECRET) and the audit chain when the schema has one.
# Exit 0 verified; 24 a check failed (the first problem is named on stderr); 23 restore failed.
set -euo pipefail
if [ $# -lt 1 ] || [ "${1#-}" != "$1" ]; then
    echo "usage: $0 DIR [beamline backup verify options]" >&2
    exit 2
fi
dir=$1; shift
beamline=${BEAMLINE_BIN:-beamline}
command -v "$beamline" >/dev/null 2>&1 || beamline="$(dirname "$0")/../.venv/bin/beamline"
exec "$beamline" backup verify "$dir" "$@"
