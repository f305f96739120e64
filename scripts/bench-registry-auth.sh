#!/usr/bin/env bash
# What security costs a read: GET /schemas/ids/{id} under wrk against the same registry build
# (release) in one run, as ratios of the plain read:
#   plain HTTP, no authentication      (the baseline)
#   HTTP Basic (users file, argon2id; the verified-credential cache makes it one hash lookup)
#   Bearer JWT (RS256 against a JWKS file; verified tokens are cached the same way)
#   HTTPS (TLS 1.3, keep-alive), and nginx serving the same body as a static file over TLS
#   (and plain), so the TLS ratio can be told apart from the registry's own cost.
# Certificates, keys and tokens are made here with openssl and python3's standard library.
# Usage: scripts/bench-registry-auth.sh [seconds per run, default 10]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
seconds=${1:-10}

need() { command -v "$1" >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null; }; }
need wrk wrk
need nginx nginx-light
need openssl openssl

cargo build --release -q -p schemata-registry
bin=$root/target/release/schemata-registry
work=$(mktemp -d)
chmod 755 "$work" # nginx workers run as nobody and must read the static files
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() { for _ in $(seq 1 600); do curl -skf "${@:2}" "$1" >/dev/null && return 0; sleep 0.05; done; echo "timed out waiting for $1" >&2; tail -5 "$work"/*.log >&2; return 1; }
rps() { awk '/Requests\/sec/ {print $2}'; }
load() { wrk -t1 -c32 -d"${seconds}s" "$@" | rps; }

# Test PKI: a CA and a server certificate for 127.0.0.1.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=bench-ca -keyout "$work/ca.key" -out "$work/ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout "$work/server.key" -out "$work/server.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' > "$work/san.ext"
openssl x509 -req -in "$work/server.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial -days 2 -extfile "$work/san.ext" -out "$work/server.pem" 2>/dev/null

# A user (argon2id hash from the binary itself) and an RS256 key with its JWKS and a token.
hash=$(echo 'bench-password' | "$bin" hash-password)
printf '[users.bench]\npassword_hash = "%s"\nroles = ["reader"]\n' "$hash" > "$work/users.toml"
basic=$(printf 'bench:bench-password' | base64 -w0)
openssl genrsa -out "$work/jwt.key" 2048 2>/dev/null
python3 - "$work" <<'PY'
import base64, json, subprocess, sys, time
work = sys.argv[1]
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
modulus = subprocess.run(["openssl", "rsa", "-in", f"{work}/jwt.key", "-noout", "-modulus"],
                         capture_output=True, text=True, check=True).stdout.strip().split("=", 1)[1]
n = bytes.fromhex(modulus)
json.dump({"keys": [{"kty": "RSA", "alg": "RS256", "use": "sig", "kid": "bench", "n": b64(n), "e": "AQAB"}]},
          open(f"{work}/jwks.json", "w"))
header = b64(json.dumps({"alg": "RS256", "typ": "JWT", "kid": "bench"}).encode())
claims = b64(json.dumps({"sub": "bench", "roles": ["reader"], "exp": int(time.time()) + 3600}).encode())
signing_input = f"{header}.{claims}".encode()
signature = subprocess.run(["openssl", "dgst", "-sha256", "-sign", f"{work}/jwt.key"], input=signing_input,
                           capture_output=True, check=True).stdout
open(f"{work}/token", "w").write(f"{header}.{claims}.{b64(signature)}")
PY
token=$(cat "$work/token")

start() { # name, extra args...; sets $port
  port=$(free_port)
  "$bin" --listen "127.0.0.1:$port" --storage memory "${@:2}" >"$work/$1.log" 2>&1 &
  pids+=($!)
}
schema='{"type":"record","name":"Order","namespace":"com.acme","fields":[{"name":"id","type":"string"},{"name":"amount","type":"long","default":0},{"name":"note","type":["null","string"],"default":null}]}'
body=$(python3 -c 'import json,sys; print(json.dumps({"schema": sys.argv[1]}))' "$schema")
register() { # base url, curl args...
  curl -skf "${@:2}" -X POST -H 'Content-Type: application/vnd.schemaregistry.v1+json' -d "$body" "$1/subjects/orders-value/versions" >/dev/null
}

start plain; plain=http://127.0.0.1:$port
start auth --auth-users-file "$work/users.toml" --auth-jwks-file "$work/jwks.json" --auth-anonymous-role admin
auth=http://127.0.0.1:$port
start tls --tls-cert "$work/server.pem" --tls-key "$work/server.key"; tls=https://127.0.0.1:$port
wait_http "$plain/"; wait_http "$auth/" -H "Authorization: Basic $basic"; wait_http "$tls/" --cacert "$work/ca.pem"
register "$plain"; register "$auth"; register "$tls" --cacert "$work/ca.pem"
# The anonymous admin above only registers the schema; reads below carry credentials.
path=/schemas/ids/1
curl -sf -H "Authorization: Basic $basic" "$auth$path" >/dev/null
curl -sf -H "Authorization: Bearer $token" "$auth$path" >/dev/null
test "$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Basic YmVuY2g6d3Jvbmc=' "$auth$path")" = 401

# nginx: the same body as a static file, plain and over TLS (same certificate).
mkdir -p "$work/www/schemas/ids"
curl -sf "$plain$path" > "$work/www$path"
nport=$(free_port); nsport=$(free_port)
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
  server {
    listen 127.0.0.1:$nsport ssl;
    ssl_certificate $work/server.pem;
    ssl_certificate_key $work/server.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    root $work/www;
  }
}
CONF
nginx -c "$work/nginx.conf" &
pids+=($!)
wait_http "http://127.0.0.1:$nport$path"; wait_http "https://127.0.0.1:$nsport$path" --cacert "$work/ca.pem"

plain_rps=$(load "$plain$path")
basic_rps=$(load -H "Authorization: Basic $basic" "$auth$path")
jwt_rps=$(load -H "Authorization: Bearer $token" "$auth$path")
tls_rps=$(load "$tls$path")
nginx_rps=$(load "http://127.0.0.1:$nport$path")
nginx_tls_rps=$(load "https://127.0.0.1:$nsport$path")

python3 - "$plain_rps" "$basic_rps" "$jwt_rps" "$tls_rps" "$nginx_rps" "$nginx_tls_rps" <<'PY'
import sys
plain, basic, jwt, tls, nginx, nginx_tls = map(float, sys.argv[1:])
print("| GET /schemas/ids/{id} (wrk, 32 conns, keep-alive) | req/s | vs plain schemata | target |")
print("|---|---|---|---|")
print(f"| schemata, plain HTTP (baseline) | {plain:,.0f} | 1.00x | |")
print(f"| schemata, HTTP Basic (argon2id user, cached) | {basic:,.0f} | {basic / plain:.2f}x | >= 0.9x |")
print(f"| schemata, Bearer JWT (RS256, cached) | {jwt:,.0f} | {jwt / plain:.2f}x | >= 0.9x |")
print(f"| schemata, HTTPS (TLS 1.3) | {tls:,.0f} | {tls / plain:.2f}x | >= 0.6x |")
print(f"| nginx static file, plain | {nginx:,.0f} | {nginx / plain:.2f}x | |")
print(f"| nginx static file, HTTPS | {nginx_tls:,.0f} | {nginx_tls / plain:.2f}x (nginx TLS/plain {nginx_tls / nginx:.2f}x) | |")
PY
