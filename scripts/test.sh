#!/usr/bin/env bash
# Installs what the test suite needs on a fresh machine and runs all of it.
#   - a Python venv (.venv) with the pinned confluent-kafka reference client (tests/python/requirements.txt)
#   - the tansu Kafka broker 0.6.0 (cargo install, ~30 min on a fresh 2-core machine, then cached
#     in ~/.cargo/bin), exported as SCHEMATA_TANSU for the Kafka tests and benchmark
#   - headless Chromium and chromedriver (Debian's `chromium` and `chromium-driver`, with apt) for
#     the web UI's browser test, exported as SCHEMATA_CHROMEDRIVER
#   - then `cargo test --workspace --locked`, and the registry suites again on the Kafka backend
# Everything installed is cached: the venv is rebuilt only when requirements.txt changes.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

venv=${SCHEMATA_VENV:-$root/.venv}
requirements=$root/tests/python/requirements.txt
if ! cmp -s "$requirements" "$venv/.installed-requirements" 2>/dev/null; then
  echo "==> creating the Python interop venv in $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
  cp "$requirements" "$venv/.installed-requirements"
fi
export SCHEMATA_PYTHON="$venv/bin/python"

# The broker the Kafka tests start: $SCHEMATA_TANSU, else tansu on PATH, else ~/.cargo/bin/tansu,
# else installed (newer releases are named nisshi and need a newer rustc, hence the pin).
tansu=${SCHEMATA_TANSU:-$(command -v tansu || true)}
cargo_bin=${CARGO_HOME:-$HOME/.cargo}/bin
if [[ -z "$tansu" && -x "$cargo_bin/tansu" ]]; then
  tansu=$cargo_bin/tansu
fi
if [[ -z "$tansu" ]] || ! "$tansu" --version 2>/dev/null | grep -q '^tansu 0\.6\.0'; then
  echo "==> installing the tansu 0.6.0 broker (about 30 minutes on a fresh machine, cached after)"
  cargo install tansu --version 0.6.0 --features dynostore --locked
  tansu=$cargo_bin/tansu
fi
export SCHEMATA_TANSU="$tansu"

# The web UI's browser test drives Debian's headless Chromium through chromedriver.
chromedriver=${SCHEMATA_CHROMEDRIVER:-$(command -v chromedriver || true)}
if [[ -z "$chromedriver" ]]; then
  echo "==> installing chromium and chromium-driver (apt, once)"
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then sudo=sudo; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium chromium-driver >/dev/null
  chromedriver=$(command -v chromedriver)
fi
export SCHEMATA_CHROMEDRIVER="$chromedriver"

echo "==> cargo test --workspace"
cargo test --workspace --locked "$@"

# The registry's API conformance, bad-input and concurrency suites, the export/import round
# trips, data contracts, the Confluent differences and the Python client's interop once more, on
# the Kafka backend: the harness switch makes every TestRegistry keep its records in a fresh
# topic on its own tansu broker.
echo "==> registry suites, export/import and Python interop on the Kafka backend"
SCHEMATA_TEST_STORAGE=kafka cargo test --locked -p schemata-tests --test it "$@" -- \
  registry_api registry_bad_input registry_concurrency cli_transfer contracts registry_confluent \
  registry_interop json_interop contexts
