#!/usr/bin/env bash
# Kill -9 the leader of three registry instances on one Kafka topic, CYCLES times (default 100),
# during concurrent writes, through the integration test that does 10 in `cargo test`
# (registry_kafka_cluster::killing_the_leader_loses_no_acknowledged_write). Fails like the test
# if a write acknowledged before a kill is missing anywhere afterwards, an id names two schemas, a
# version is reused, or writes do not resume within 10 s; prints the fail-over distribution.
#   scripts/kafka-failover-stress.sh [CYCLES]
set -euo pipefail
cd "$(dirname "$0")/.."
cycles=${1:-100}
out=$(mktemp)
export SCHEMATA_TANSU=${SCHEMATA_TANSU:-$(command -v tansu || echo "$HOME/.cargo/bin/tansu")}
SCHEMATA_KAFKA_KILL_CYCLES=$cycles SCHEMATA_KAFKA_FAILOVER_OUT=$out \
  cargo test -p schemata-tests --test it -- --exact \
  registry_kafka_cluster::killing_the_leader_loses_no_acknowledged_write
# One fail-over time (ms, kill -9 to the first write acknowledged by a survivor) per line, sorted.
awk -v cycles="$cycles" '{ t[NR] = $1 } END {
  printf "fail-over over %d kill cycles (ms): min %d  p50 %d  p90 %d  p99 %d  max %d\n", NR,
    t[1], t[int((NR - 1) * 0.5) + 1], t[int((NR - 1) * 0.9) + 1], t[int((NR - 1) * 0.99) + 1], t[NR]
}' "$out"
rm -f "$out"
