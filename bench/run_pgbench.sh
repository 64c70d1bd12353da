#!/usr/bin/env bash
# `make bench-sql`: the pgbench workloads of issue 4 point 9 against a throwaway embedded
# cluster (never ./.beamline), each beside its bare baseline measured in the same run, at 1, 8
# and 16 clients. Prints a markdown table: TPS, latency average / p50 / p99 (from pgbench's
# per-transaction logs) and the ratio to the baseline's TPS at the same client count.
# Environment: BENCH_SECONDS (10), BENCH_CLIENTS ("1 8 16"), BENCH_TENANTS (10),
# BENCH_USERS (100), BENCH_POLICIES (100), BENCH_BATCH (100, audit batch size),
# BENCH_WORKLOADS (names of bench/<name>.sql, default: all below).
set -euo pipefail
cd "$(dirname "$0")/.."
beamline=${BEAMLINE_BIN:-.venv/bin/beamline}
python=${PYTHON_BIN:-.venv/bin/python}
seconds=${BENCH_SECONDS:-10}
clients_list=${BENCH_CLIENTS:-"1 8 16"}
tenants=${BENCH_TENANTS:-10}
users=${BENCH_USERS:-100}
policies=${BENCH_POLICIES:-100}
batch=${BENCH_BATCH:-100}
workloads=${BENCH_WORKLOADS:-"baseline_select policy_read_workload rbac_check_workload baseline_insert policy_write_workload baseline_insert_notify audit_write_workload"}

home=$(mktemp -d /tmp/beamline-bench.XXXXXX)
chmod 755 "$home"
cleanup() { BEAMLINE_HOME="$home" "$beamline" db stop >/dev/null 2>&1 || true; rm -rf "$home"; }
trap cleanup EXIT
export BEAMLINE_HOME="$home"
unset DATABASE_URL PGOPTIONS PGDATABASE PGHOST PGPORT PGUSER

"$beamline" db start >/dev/null
"$beamline" migrate >/dev/null
port=$("$beamline" db status --json | "$python" -c 'import json,sys; print(json.load(sys.stdin)["port"])')
export PGHOST="$home" PGPORT="$port" PGUSER=postgres PGDATABASE=beamline
echo "seeding: $tenants tenants x $users users, $policies policies per tenant" >&2
psql -X -q -v ON_ERROR_STOP=1 -v tenants="$tenants" -v users="$users" -v policies="$policies" \
    -f bench/seed.sql >/dev/null

logs="$home/logs"
mkdir -p "$logs"
results="$home/results.tsv"
: >"$results"
for name in $workloads; do
    file="bench/$name.sql"
    [ -f "$file" ] || { echo "skip $name: $file missing" >&2; continue; }
    for clients in $clients_list; do
        threads=$(( clients < 2 ? 1 : 2 ))
        rm -f "$logs"/*
        out=$(pgbench -n -M prepared -c "$clients" -j "$threads" -T "$seconds" \
                -D tenants="$tenants" -D users="$users" -D policies="$policies" -D batch="$batch" \
                -l --log-prefix="$logs/tx" -f "$file" 2>&1) || { echo "$out" >&2; exit 1; }
        tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' <<<"$out" | head -1)
        stats=$(cat "$logs"/tx* | "$python" -c '
import sys
lat = sorted(int(line.split()[2]) for line in sys.stdin if line.strip())
n = len(lat)
pick = lambda q: lat[min(n - 1, int(q * n))] / 1000.0
print(f"{sum(lat) / n / 1000.0:.2f}\t{pick(0.50):.2f}\t{pick(0.99):.2f}")')
        printf '%s\t%s\t%s\t%s\n' "$name" "$clients" "$tps" "$stats" >>"$results"
        echo "  $name @ $clients clients: $tps tps" >&2
    done
done

"$python" - "$results" "$seconds" <<'PY'
import sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1]) if line.strip()]
base = {"policy_read_workload": "baseline_select", "rbac_check_workload": "baseline_select",
        "policy_write_workload": "baseline_insert", "baseline_insert_notify": "baseline_insert",
        "audit_write_workload": "baseline_insert"}
tps = {(r[0], r[1]): float(r[2]) for r in rows}
print(f"pgbench -M prepared, {sys.argv[2]} s per run, same cluster and seed for every row\n")
print("| workload | clients | TPS | avg ms | p50 ms | p99 ms | baseline | ratio |")
print("|---|---:|---:|---:|---:|---:|---|---:|")
for name, clients, t, avg, p50, p99 in rows:
    b = base.get(name)
    ratio = f"{float(t) / tps[(b, clients)]:.2f}" if b and (b, clients) in tps else "-"
    print(f"| {name} | {clients} | {float(t):,.0f} | {avg} | {p50} | {p99} | {b or '-'} | {ratio} |")
PY
