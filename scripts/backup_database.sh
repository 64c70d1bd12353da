#!/usr/bin/env bash
# Back up everything beamline-store owns (docs/OPERATIONS.md):
#   scripts/backup_database.sh DIR [--format directory|custom] [--jobs N] [--json] [--quiet]
# The database is DATABASE_URL, else the embedded database (BEAMLINE_HOME). With
# BEAMLINE_HMAC_SECRET set the manifest is signed. Exit 0 written; 23 pg_dump failed; 20/21
# configuration / database unreachable (docs/CLI.md).
set -euo pipefail
if [ $# -lt 1 ] || [ "${1#-}" != "$1" ]; then
    echo "usage: $0 DIR [beamline backup options]" >&2
    exit 2
fi
dir=$1; shift
beamline=${BEAMLINE_BIN:-beamline}
command -v "$beamline" >/dev/null 2>&1 || beamline="$(dirname "$0")/../.venv/bin/beamline"
exec "$beamline" backup --output "$dir" "$@"
