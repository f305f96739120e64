#!/usr/bin/env bash
# Load benchmarks of the registry with a real HTTP load generator (wrk), against named baselines
# measured in the same run, on loopback only. Prints a Markdown table for BENCHMARKS.md.
#   1. GET /schemas/ids/{id}: schemata vs nginx serving the same JSON body as a static file.
#   2. Durable registrations/s with 8 concurrent writers (each request a new schema), p99 latency.
#   3. Cold start with N registered schemas (default 100,000): time to first answer, RSS.
# Usage: scripts/bench-registry.sh [seconds per run, default 10]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
seconds=${1:-10}
schemas=${SCHEMATA_BENCH_SCHEMAS:-100000}

need() { command -v "$1" >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null; }; }
need wrk wrk
need nginx nginx-light

cargo build --release -q -p schemata-registry
bin=$root/target/release/schemata-registry
work=$(mktemp -d)
chmod 755 "$work" # nginx workers run as nobody and must read the static file
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() { for _ in $(seq 1 600); do curl -sf "$1" >/dev/null && return 0; sleep 0.05; done; echo "timed out waiting for $1" >&2; tail -5 "$work"/registry-*.log >&2; return 1; }
start_registry() { # data-dir port; sets $pid
  "$bin" --listen "127.0.0.1:$2" --data-dir "$1" >"$work/registry-$2.log" 2>&1 &
  pid=$!
  pids+=("$pid")
}
stop_registry() { kill "$pid"; wait "$pid" 2>/dev/null || true; }
rps() { awk '/Requests\/sec/ {print $2}'; }
p99() { awk '/ 99%/ {print $2}'; }

# 1. Reads by id against nginx.
port=$(free_port)
start_registry "$work/reads" "$port"
wait_http "http://127.0.0.1:$port/"
empty_rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
schema='{"type":"record","name":"Order","namespace":"com.acme","fields":[{"name":"id","type":"string"},{"name":"amount","type":"long","default":0},{"name":"note","type":["null","string"],"default":null}]}'
body=$(python3 -c 'import json,sys; print(json.dumps({"schema": sys.argv[1]}))' "$schema")
id=$(curl -sf -X POST -H 'Content-Type: application/vnd.schemaregistry.v1+json' -d "$body" "http://127.0.0.1:$port/subjects/orders-value/versions" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
mkdir -p "$work/www/schemas/ids"
curl -sf "http://127.0.0.1:$port/schemas/ids/$id" > "$work/www/schemas/ids/$id"
nport=$(free_port)
cat > "$work/nginx.conf" <<CONF
worker_processes auto;
daemon off;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  default_type application/vnd.schemaregistry.v1+json;
  server { listen 127.0.0.1:$nport; root $work/www; }
}
CONF
nginx -c "$work/nginx.conf" &
pids+=($!)
wait_http "http://127.0.0.1:$nport/schemas/ids/$id"
nginx_rps=$(wrk -t1 -c32 -d"${seconds}s" "http://127.0.0.1:$nport/schemas/ids/$id" | rps)
ours_rps=$(wrk -t1 -c32 -d"${seconds}s" "http://127.0.0.1:$port/schemas/ids/$id" | rps)
stop_registry

# 2. Durable registrations with 8 concurrent writers.
port=$(free_port)
start_registry "$work/writes" "$port"
wait_http "http://127.0.0.1:$port/"
curl -sf -X PUT -H 'Content-Type: application/json' -d '{"compatibility":"NONE"}' "http://127.0.0.1:$port/config" >/dev/null
writes=$(wrk -t2 -c8 -d"${seconds}s" --latency -s scripts/bench/register.lua "http://127.0.0.1:$port")
write_rps=$(echo "$writes" | rps)
write_p99=$(echo "$writes" | p99)
stop_registry

# 3. Cold start with many schemas: load them over HTTP, restart, time the first answer.
port=$(free_port)
start_registry "$work/cold" "$port"
wait_http "http://127.0.0.1:$port/"
curl -sf -X PUT -H 'Content-Type: application/json' -d '{"compatibility":"NONE"}' "http://127.0.0.1:$port/config" >/dev/null
SCHEMATA_BENCH_REQUESTS_PER_THREAD=$((schemas / 2)) wrk -t2 -c8 -d600s -s scripts/bench/register.lua "http://127.0.0.1:$port" >/dev/null
stop_registry
log_bytes=$(du -sb "$work/cold" | cut -f1)
start=$(date +%s.%N)
start_registry "$work/cold" "$port"
wait_http "http://127.0.0.1:$port/schemas/ids/1"
ready=$(python3 -c "print(round($(date +%s.%N) - $start, 3))")
rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
# Number of schemas and the bytes of their texts, from the registry's own listing.
read -r count text_bytes < <(curl -sf "http://127.0.0.1:$port/schemas?limit=1000000" \
  | python3 -c 'import json,sys; s=json.load(sys.stdin); print(len(s), sum(len(x["schema"]) for x in s))')

python3 - "$nginx_rps" "$ours_rps" "$write_rps" "$write_p99" "$ready" "$rss_kb" "$empty_rss_kb" "$count" "$text_bytes" "$log_bytes" <<'PY'
import sys
nginx, ours, writes, p99, ready, rss_kb, empty_kb, count, text_bytes, log_bytes = sys.argv[1:]
nginx, ours, writes, ready = float(nginx), float(ours), float(writes), float(ready)
rss, empty, count, text = int(rss_kb) * 1024, int(empty_kb) * 1024, int(count), int(text_bytes)
print("| benchmark | schemata | baseline | ratio | target |")
print("|---|---|---|---|---|")
print(f"| GET /schemas/ids/{{id}} (wrk, 32 conns) | {ours:,.0f} req/s | nginx static file {nginx:,.0f} req/s | {ours / nginx:.2f}x | >= 0.8x |")
print(f"| durable registrations, 8 writers | {writes:,.0f} /s, p99 {p99} | 2,000 /s target | {writes / 2000:.2f}x of target | >= 2,000/s, p99 < 20 ms |")
print(f"| cold start, {count:,} schemas | {ready:.2f} s to first answer | 2 s target | | < 2 s |")
per_schema = (rss - empty - text) / max(count, 1)
print(f"| memory after cold start | RSS {rss / 2**20:.1f} MiB (empty registry {empty / 2**20:.1f} MiB; schema texts {text / 2**20:.1f} MiB; log file {int(log_bytes) / 2**20:.1f} MiB) | | {per_schema:,.0f} B/schema beyond its text | < 1 KB/schema |")
PY
