#!/usr/bin/env bash
# Restore a backup made by scripts/backup_database.sh (docs/OPERATIONS.md):
#   scripts/restore_database.sh DIR [--target-url URL] [--force] [--no-check] [--json] [--quiet]
# The target is --target-url, else DATABASE_URL, else the embedded database. A target holding
# beamline's schemas or any table is refused (exit 25) unless --force. Afterwards the database
# is compared with the manifest (exit 24 on a mismatch; BEAMLINE_HMAC_SECRET is needed to verify
# the DevState chain). Exit 23: creating roles or pg_restore failed.
set -euo pipefail
if [ $# -lt 1 ] || [ "${1#-}" != "$1" ]; then
    echo "usage: $0 DIR [beamline restore options]" >&2
    exit 2
fi
dir=$1; shift
beamline=${BEAMLINE_BIN:-beamline}
command -v "$beamline" >/dev/null 2>&1 || beamline="$(dirname "$0")/../.venv/bin/beamline"
exec "$beamline" restore "$dir" "$@"
