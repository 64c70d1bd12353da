#!/usr/bin/env bash
# Printed at the end of `make run`: how to reach the embedded database and what to try next.
set -euo pipefail
cd "$(dirname "$0")/.."
url=$(.venv/bin/beamline db url)
cat <<TXT

beamline-store is up (embedded database in ${BEAMLINE_HOME:-./.beamline}).

  connect:   psql "\$(.venv/bin/beamline db url)"
             (${url})
  status:    .venv/bin/beamline db status
  stop:      .venv/bin/beamline db stop
  schemas:   \\dn+ beamline*|devstate      tables: \\dt+ beamline.*     functions: \\df+ beamline.*

Docs: README.md, docs/.
TXT
