#!/usr/bin/env bash
# CI wrapper: export the DevState to .trae/ (or $1) with `beamline devstate export`.
# Needs DATABASE_URL (or a running embedded database), BEAMLINE_ACTOR and, for nothing but the
# connection, BEAMLINE_HMAC_SECRET (exporting reads; the secret is never written to the files).
# Prints the head hmac on stdout: record it outside the repository (a CI artifact, a protected
# variable) and pass it to devstate_verify.sh --expect-head to catch a cut tail.
set -euo pipefail
dir=${1:-.trae}
beamline=${BEAMLINE_BIN:-beamline}
command -v "$beamline" >/dev/null 2>&1 || beamline="$(dirname "$0")/../.venv/bin/beamline"
"$beamline" devstate export --dir "$dir" --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["head"])'
