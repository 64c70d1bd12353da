"""A normalised ``pg_dump --schema-only`` of the project's schemas, for the committed snapshot
(``sql/schema_snapshot.sql``) that makes every schema change visible in review.

Normalisation drops what varies between runs and servers: pg_dump's version banner, ``SET``
lines, the search_path reset, and runs of blank lines. Run ``make schema-snapshot`` to refresh.
"""

from __future__ import annotations

import re
import subprocess
import sys

from .embedded import find_bindir

__all__ = ["SCHEMAS", "normalised_schema_dump"]

SCHEMAS = ("beamline", "beamline_internal", "beamline_admin", "beamline_ext", "devstate")

_DROP = re.compile(
    r"^(-- Dumped (from|by) .*|SET .*|SELECT pg_catalog\.set_config\('search_path'.*"
    r"|\\restrict .*|\\unrestrict .*)$"
)


def normalised_schema_dump(url: str) -> str:
    """The normalised schema-only dump of the database at *url*."""
    args = [str(find_bindir() / "pg_dump"), "--schema-only", "--no-tablespaces", "--dbname", url]
    for schema in SCHEMAS:
        args += ["--schema", schema]
    # The audit log's partitions are named and bounded by the month migrate ran in
    # (migration 0085): the snapshot keeps the partitioned parent, not the dated partitions.
    args += ["--exclude-table", "beamline_internal.policy_audit_log_*"]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    lines = [line.rstrip() for line in out.splitlines() if not _DROP.match(line)]
    text = "\n".join(lines)
    text = re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
    return text


if __name__ == "__main__":  # python -m beamline_store.schema_dump URL
    sys.stdout.write(normalised_schema_dump(sys.argv[1]))
