#!/usr/bin/env bash
# Mixed-load benchmark of the registry (issue 15): p99 of GET /subjects/{s}/versions/latest over
# 1,000 subjects, alone and while 8 clients register new schemas (each a durable write), in the
# same run and against the same server, three times. The target: p99 with writers within 1.5x of
# p99 without. Loopback only. Prints a Markdown table for BENCHMARKS.md.
# Usage: scripts/bench-registry-mixed.sh [seconds per run, default 10] [repeats, default 3]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
seconds=${1:-10}
repeats=${2:-3}
subjects=${SCHEMATA_BENCH_SUBJECTS:-1000}
export SCHEMATA_BENCH_SUBJECTS=$subjects

command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }

cargo build --release -q -p schemata-registry
bin=$root/target/release/schemata-registry
work=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" --listen "127.0.0.1:$port" --data-dir "$work/data" >"$work/registry.log" 2>&1 &
pid=$!
base="http://127.0.0.1:$port"
for _ in $(seq 1 600); do curl -sf "$base/" >/dev/null && break; sleep 0.05; done
curl -sf -X PUT -H 'Content-Type: application/json' -d '{"compatibility":"NONE"}' "$base/config" >/dev/null

# The subjects the readers read: one version each, registered by one client (not measured).
python3 - "$base" "$subjects" <<'PY'
import json, sys, urllib.request
base, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    schema = {"type": "record", "name": "M", "fields": [{"name": f"m_{i}", "type": "long"}]}
    body = json.dumps({"schema": json.dumps(schema)}).encode()
    request = urllib.request.Request(f"{base}/subjects/mixed-{i}/versions", body,
                                     {"Content-Type": "application/vnd.schemaregistry.v1+json"})
    urllib.request.urlopen(request, timeout=10).read()
PY

p99_ms() { # wrk output -> p99 in ms
  awk '/ 99%/ {v=$2; if (v ~ /us$/) {sub(/us$/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v=v*1000}; print v}'
}
rps() { awk '/Requests\/sec/ {print $2}'; }

echo "| run | p99 latest, no writers (ms) | p99 latest, 8 writers (ms) | ratio | writes/s meanwhile |"
echo "|---|---|---|---|---|"
for run in $(seq 1 "$repeats"); do
  idle=$(wrk -t1 -c16 -d"${seconds}s" --latency -s scripts/bench/latest.lua "$base")
  wrk -t2 -c8 -d"$((seconds + 2))s" -s scripts/bench/register.lua "$base" >"$work/writes-$run.txt" 2>&1 &
  writers=$!
  sleep 1
  loaded=$(wrk -t1 -c16 -d"${seconds}s" --latency -s scripts/bench/latest.lua "$base")
  wait "$writers"
  a=$(echo "$idle" | p99_ms)
  b=$(echo "$loaded" | p99_ms)
  ratio=$(python3 -c "print(f'{$b / $a:.2f}')")
  echo "| $run | $a | $b | $ratio | $(rps <"$work/writes-$run.txt") |"
done
