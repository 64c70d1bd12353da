#!/usr/bin/env bash
# CI wrapper: verify exported DevState files offline, without any database:
#   scripts/devstate_verify.sh [DIR] [--expect-head HMAC]
# Needs BEAMLINE_HMAC_SECRET (and BEAMLINE_HMAC_KEY_ID / BEAMLINE_HMAC_PREVIOUS_KEYS after a key
# rotation). Exit 0 when the chain verifies; 9 with the first bad position and reason on stderr.
set -euo pipefail
dir=.trae
if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then dir=$1; shift; fi
beamline=${BEAMLINE_BIN:-beamline}
command -v "$beamline" >/dev/null 2>&1 || beamline="$(dirname "$0")/../.venv/bin/beamline"
exec "$beamline" devstate verify --files "$dir" "$@"
