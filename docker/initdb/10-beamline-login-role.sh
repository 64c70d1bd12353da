#!/bin/sh
# Run once by the postgres image on an empty data directory (/docker-entrypoint-initdb.d):
# a login role for the MCP server that holds nothing but membership in the application role
# (EXECUTE on the API functions, no table rights). beamline migrate keeps an existing
# beamline_app as it is and grants it its privileges.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
     -v pw="$BEAMLINE_DB_PASSWORD" <<'SQL'
create role beamline_app nologin;
create role beamline_mcp login password :'pw' in role beamline_app;
SQL
