#!/usr/bin/env bash
# The registry on the Kafka backend (tansu on loopback) against the embedded backend in the same
# run, with wrk. Prints a Markdown table for BENCHMARKS.md.
#   1. Registrations/s with 8 concurrent writers (scripts/bench/register.lua: every request a new
#      schema, a new field with a default, at the default BACKWARD level), p50/p99: embedded vs
#      Kafka (one instance, the leader).
#   2. GET /schemas/ids/{id} on a follower vs on the leader (two instances on one topic).
#   3. Read-your-writes across instances: register on the leader, first 200 by id on the
#      follower (p50/p99, scripts/bench/ryw.py).
# Usage: scripts/bench-registry-kafka.sh [seconds per run, default 10]
#   SCHEMATA_BENCH_BIN=path runs a given registry binary instead of building the release one.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
seconds=${1:-10}

need() { command -v "$1" >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null; }; }
need wrk wrk
tansu=${SCHEMATA_TANSU:-$(command -v tansu || echo "$HOME/.cargo/bin/tansu")}
if [[ -n "${SCHEMATA_BENCH_BIN:-}" ]]; then
  bin=$SCHEMATA_BENCH_BIN
else
  cargo build --release -q -p schemata-registry
  bin=$root/target/release/schemata-registry
fi
work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() { for _ in $(seq 1 600); do curl -sf "$1" >/dev/null && return 0; sleep 0.05; done; echo "timed out waiting for $1" >&2; tail -5 "$work"/*.log >&2; return 1; }
start() { # name port args...; sets $pid
  local name=$1 port=$2; shift 2
  "$bin" --listen "127.0.0.1:$port" --data-dir "$work/$name" "$@" >"$work/$name.log" 2>&1 &
  pid=$!
  pids+=("$pid")
  wait_http "http://127.0.0.1:$port/"
}
rps() { awk '/Requests\/sec/ {print $2}'; }
pct() { awk -v p="$1" '$1 == p {print $2}'; }

kport=$(free_port)
"$tansu" broker --listener-url "tcp://127.0.0.1:$kport" --advertised-listener-url "tcp://127.0.0.1:$kport" \
  --storage-engine memory://tansu/ >"$work/tansu.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 200); do (echo >"/dev/tcp/127.0.0.1/$kport") 2>/dev/null && break; sleep 0.05; done
kafka=(--storage kafka --kafka-bootstrap "127.0.0.1:$kport")

# 1. Registrations, embedded then Kafka.
writes() { wrk -t2 -c8 -d"${seconds}s" --latency -s scripts/bench/register.lua "http://127.0.0.1:$1"; }
port=$(free_port); start embedded "$port"
embedded=$(writes "$port"); kill "$pid"
port=$(free_port); start kafka-writes "$port" "${kafka[@]}" --kafka-topic bench-writes
kafka_writes=$(writes "$port"); kill "$pid"

# 2. and 3. A leader and a follower on one topic.
lport=$(free_port); start leader "$lport" "${kafka[@]}" --kafka-topic bench-reads
fport=$(free_port); start follower "$fport" "${kafka[@]}" --kafka-topic bench-reads --kafka-leader-eligible false
schema='{"type":"record","name":"Order","namespace":"com.acme","fields":[{"name":"id","type":"string"}]}'
body=$(python3 -c 'import json,sys; print(json.dumps({"schema": sys.argv[1]}))' "$schema")
id=$(curl -sf -X POST -H 'Content-Type: application/vnd.schemaregistry.v1+json' -d "$body" "http://127.0.0.1:$lport/subjects/orders-value/versions" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
wait_http "http://127.0.0.1:$fport/schemas/ids/$id"
leader_rps=$(wrk -t1 -c32 -d"${seconds}s" "http://127.0.0.1:$lport/schemas/ids/$id" | rps)
follower_rps=$(wrk -t1 -c32 -d"${seconds}s" "http://127.0.0.1:$fport/schemas/ids/$id" | rps)
read -r ryw50 ryw99 reg50 reg99 < <(python3 scripts/bench/ryw.py "http://127.0.0.1:$lport" "http://127.0.0.1:$fport" 500)

python3 - "$(echo "$embedded" | rps)" "$(echo "$embedded" | pct 50%)" "$(echo "$embedded" | pct 99%)" \
  "$(echo "$kafka_writes" | rps)" "$(echo "$kafka_writes" | pct 50%)" "$(echo "$kafka_writes" | pct 99%)" \
  "$leader_rps" "$follower_rps" "$ryw50" "$ryw99" "$reg50" "$reg99" <<'PY'
import sys
e, e50, e99, k, k50, k99, lead, follow, ryw50, ryw99, reg50, reg99 = sys.argv[1:]
e, k, lead, follow = float(e), float(k), float(lead), float(follow)
print("| benchmark | Kafka backend | baseline (same run) | ratio | target |")
print("|---|---|---|---|---|")
print(f"| registrations, 8 writers, new schema each, BACKWARD | {k:,.0f} /s, p50 {k50}, p99 {k99} | embedded {e:,.0f} /s, p50 {e50}, p99 {e99} | {k / e:.2f}x | >= 1,000/s, p99 < 50 ms |")
print(f"| GET /schemas/ids/{{id}}, follower (wrk, 32 conns) | {follow:,.0f} req/s | leader {lead:,.0f} req/s | {follow / lead:.2f}x | >= 0.9x |")
print(f"| read-your-writes: register on leader, first 200 on follower (500 runs) | p50 {ryw50} ms, p99 {ryw99} ms | the registration alone: p50 {reg50} ms, p99 {reg99} ms | | p99 < 20 ms |")
PY
