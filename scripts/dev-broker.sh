#!/usr/bin/env bash
# A Kafka-API broker for the README's tour in one command: tansu 0.6.0 on loopback (in-memory
# storage, nothing kept), installed first when missing (about 30 minutes once, then cached in
# ~/.cargo/bin). tansu does not auto-create topics: `schemata produce --create-topic` creates one.
#   scripts/dev-broker.sh            # listens on 127.0.0.1:9092, stops with Ctrl-C
#   SCHEMATA_BROKER_PORT=19092 scripts/dev-broker.sh
set -euo pipefail
port=${SCHEMATA_BROKER_PORT:-9092}

tansu=${SCHEMATA_TANSU:-$(command -v tansu || true)}
cargo_bin=${CARGO_HOME:-$HOME/.cargo}/bin
if [[ -z "$tansu" && -x "$cargo_bin/tansu" ]]; then
  tansu=$cargo_bin/tansu
fi
if [[ -z "$tansu" ]] || ! "$tansu" --version 2>/dev/null | grep -q '^tansu 0\.6\.0'; then
  echo "==> installing the tansu 0.6.0 broker (about 30 minutes on a fresh machine, cached after)" >&2
  cargo install tansu --version 0.6.0 --features dynostore --locked
  tansu=$cargo_bin/tansu
fi

url=tcp://127.0.0.1:$port
echo "==> tansu broker on 127.0.0.1:$port (in memory; Ctrl-C stops it)" >&2
exec "$tansu" broker --listener-url "$url" --advertised-listener-url "$url" \
  --storage-engine memory://tansu/
