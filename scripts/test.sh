#!/usr/bin/env bash
# Installs what the test suite needs on a fresh machine and runs all of it.
#   - a Python venv (.venv) with the pinned confluent-kafka reference client (tests/python/requirements.txt)
#   - then `cargo test --workspace --locked`
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

echo "==> cargo test --workspace"
cargo test --workspace --locked "$@"
