#!/usr/bin/env bash
# Make sure the Debian packages the project needs are present:
#   postgresql-<major>                 server binaries for the embedded database
#   postgresql-<major>-pgtap           pgTAP extension          (only with --test)
#   libtap-parser-sourcehandler-pgtap-perl  pg_prove            (only with --test)
#   libfaketime                        shifted-clock pgTAP run  (only with --test)
#   postgresql-<major>-cron            pg_cron, for the scheduled-maintain test (only with --test)
#   pgbouncer                          pooler tests of the client (only with --test)
#   patroni, etcd-server, etcd-client  the HA drills of tests/ha (with --test or --ha)
#   wrk                                HTTP load generator of `make bench-http` (only with --bench)
# As root the missing ones are installed with apt-get; otherwise the exact command is printed
# and the script exits 1. Usage: scripts/install_system_deps.sh [--test | --ha | --bench]
set -euo pipefail

want_test=0 want_ha=0 want_bench=0
[ "${1:-}" = "--test" ] && want_test=1 && want_ha=1
[ "${1:-}" = "--ha" ] && want_ha=1
[ "${1:-}" = "--bench" ] && want_bench=1

major=""
for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4 -n -r); do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then major=$(basename "$(dirname "$dir")"); break; fi
done

missing=()
if [ -z "$major" ]; then
    major=15
    missing+=("postgresql-$major")
fi
if [ "$want_test" = 1 ]; then
    [ -f "/usr/share/postgresql/$major/extension/pgtap.control" ] || missing+=("postgresql-$major-pgtap")
    command -v pg_prove >/dev/null 2>&1 || missing+=("libtap-parser-sourcehandler-pgtap-perl")
    [ -f /usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1 ] || missing+=("libfaketime")
    [ -f "/usr/share/postgresql/$major/extension/pg_cron.control" ] || missing+=("postgresql-$major-cron")
    [ -x /usr/sbin/pgbouncer ] || missing+=("pgbouncer")
fi
if [ "$want_ha" = 1 ]; then
    command -v patroni >/dev/null 2>&1 || missing+=("patroni")
    command -v etcd >/dev/null 2>&1 || missing+=("etcd-server")
    command -v etcdctl >/dev/null 2>&1 || missing+=("etcd-client")
fi
if [ "$want_bench" = 1 ]; then
    command -v wrk >/dev/null 2>&1 || missing+=("wrk")
fi

[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
    echo "missing Debian packages: ${missing[*]}" >&2
    echo "install them with: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
fi

echo "installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y -qq "${missing[@]}" >/tmp/beamline-apt.log 2>&1; then
    apt-get update -qq >>/tmp/beamline-apt.log 2>&1
    apt-get install -y -qq "${missing[@]}" >>/tmp/beamline-apt.log 2>&1 || {
        echo "apt-get install ${missing[*]} failed; see /tmp/beamline-apt.log" >&2
        exit 1
    }
fi
