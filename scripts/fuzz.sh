#!/usr/bin/env bash
# Runs every fuzz target in fuzz/ for SECONDS each (default 60), one after another, niced, then
# prints executions and findings per target and the slowest single input of each corpus.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`). Works on the stable toolchain: the targets are
# built without a sanitizer (`-s none`), which safe Rust does not need (`unsafe_code = forbid`).
# Corpora live in fuzz/corpus/<target> (kept between runs, not committed) and are seeded on every
# run from schemas/, the JSON Schema compatibility cases and a few hand-made frames and records.
# A crash or a timeout (an input running longer than 10 s) lands in fuzz/artifacts/<target>/:
# turn each into a regression test next to the code it found, then fix it.
set -euo pipefail

seconds="${1:-60}"
shift || true
root="$(cd "$(dirname "$0")/.." && pwd)"
fuzz="$root/fuzz"
all_targets=(avro_parse avro_compat json_schema wire avro_decode log_frames records)
if [ "$#" -gt 0 ]; then targets=("$@"); else targets=("${all_targets[@]}"); fi

if ! command -v cargo-fuzz >/dev/null 2>&1; then
    echo "cargo-fuzz is not installed: cargo install cargo-fuzz" >&2
    exit 2
fi

seed() {
    python3 - "$root" "$fuzz/corpus" <<'EOF'
import os, struct, sys, zlib, glob, hashlib
root, corpus = sys.argv[1], sys.argv[2]

def put(target, data):
    d = os.path.join(corpus, target)
    os.makedirs(d, exist_ok=True)
    name = "seed-" + hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)

def read(path):
    with open(path, "rb") as f:
        return f.read()

# Schemas: each alone, and each version with the next (a pair is "a NUL b").
for pattern, single, pair in [("*.avsc", "avro_parse", "avro_compat"), ("*.json", None, "json_schema")]:
    subjects = {}
    for path in sorted(glob.glob(os.path.join(root, "schemas", "**", pattern), recursive=True)
                       + glob.glob(os.path.join(root, "tests", "test_data", "**", pattern), recursive=True)):
        subjects.setdefault(os.path.dirname(path), []).append(read(path))
    for versions in subjects.values():
        for i, text in enumerate(versions):
            if single:
                put(single, text)
            nxt = versions[i + 1] if i + 1 < len(versions) else text
            put(pair, text + b"\0" + nxt)

# JSON Schema: every case of the compatibility table, original NUL update.
cases = os.path.join(root, "core", "test_data", "json_schema", "compat_cases.txt")
for line in read(cases).decode().splitlines():
    parts = line.split(" | ")
    if len(parts) == 3 and not line.startswith("#"):
        put("json_schema", parts[1].encode() + b"\0" + parts[2].encode())

# Inputs at the work budget: a union of 1,500 records checked against itself needs more than the
# default budget (every writer branch is tried against the reader's in turn), and the shrunk
# runaway JSON Schema (a `not` leading back to the root). The replay's slowest times show what
# running into the budget costs.
import json
union = [{"type": "record", "name": "R%d" % i, "fields": [{"name": "f", "type": "int"}]} for i in range(1500)]
wide = json.dumps({"type": "record", "name": "Top", "fields": [{"name": "u", "type": union}]}).encode()
put("avro_compat", wide + b"\0" + wide)
runaway = b'{"not":{"not":{"type":"object","properties":{"x":{},"self":{"$ref":"#"}}}}}'
put("json_schema", runaway + b"\0" + runaway)

# Wire frames: an id frame, a GUID frame, a Protobuf index array, bad magic, truncated.
put("wire", b"\x00\x00\x00\x00\x07payload")
put("wire", b"\x01" + bytes(range(16)) + b"payload")
put("wire", b"\x00\x00\x00\x00\x07\x04\x02\x06rest")
put("wire", b"\x05\x00")
put("wire", b"\x00\x00\x00")

# Avro data: a schema selector byte, then a datum (here: small longs, strings, a map block).
for selector in range(9):
    put("avro_decode", bytes([selector]) + b"\x02\x06abc\x00\x02\x02x\x04\x00\x01\x02")

# The embedded log: magic, version, then frames (len, payload crc, header crc, payload).
def frame(entries):
    payload = struct.pack("<I", len(entries))
    for key, value in entries:
        payload += struct.pack("<I", len(key)) + key
        payload += b"\x00" if value is None else b"\x01" + struct.pack("<I", len(value)) + value
    head = struct.pack("<II", len(payload), zlib.crc32(payload))
    return head + struct.pack("<I", zlib.crc32(head)) + payload
key = b'{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}'
value = b'{"subject":"s","version":1,"id":1,"schema":"\\"string\\"","deleted":false}'
log = b"SCHMLOG\0" + struct.pack("<I", 1) + frame([(key, value)]) + frame([(key, None), (b"k", b"v")])
put("log_frames", log)
put("log_frames", log[:-3])

# _schemas records (key NUL value; no NUL = tombstone), one per keytype.
for record in [
    key + b"\0" + value,
    key,
    b'{"keytype":"CONFIG","subject":"s","magic":0}\0{"compatibilityLevel":"FULL"}',
    b'{"keytype":"CONFIG","magic":0}\0{"compatibilityLevel":"BACKWARD"}',
    b'{"keytype":"MODE","subject":"s","magic":0}\0{"mode":"IMPORT"}',
    b'{"keytype":"DELETE_SUBJECT","subject":"s","magic":0}\0{"subject":"s","version":3}',
    b'{"keytype":"CLEAR_SUBJECT","subject":"s","magic":0}\0{"subject":"s"}',
    b'{"keytype":"NOOP","magic":0}',
    b'{"keytype":"SCHEMA","subject":"s","version":2,"magic":1}\0{"subject":"s","version":2,"id":7,"schemaType":"JSON","references":[{"name":"a","subject":"b","version":1}],"schema":"{}","deleted":true}',
]:
    put("records", record)
EOF
}

cd "$fuzz"
echo "building the fuzz targets (stable, no sanitizer)..."
nice cargo fuzz build -s none >/dev/null
seed

summary=()
for target in "${targets[@]}"; do
    mkdir -p "corpus/$target" "artifacts/$target"
    log="$(mktemp)"
    before="$(ls "artifacts/$target" | wc -l)"
    echo "fuzzing $target for ${seconds}s..."
    # -timeout: an input running longer than 10 s is a finding (the work budget keeps every
    # check and parse far below that); -rss_limit_mb: a bound on memory per input.
    nice cargo fuzz run -s none "$target" "corpus/$target" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        >"$log" 2>&1 || true
    executions="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')"
    per_second="$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')"
    slowest="$(grep -o 'stat::slowest_unit_time_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')"
    after="$(ls "artifacts/$target" | wc -l)"
    findings=$((after - before))
    if [ "$findings" -gt 0 ] || grep -q "ERROR: libFuzzer\|panicked at" "$log"; then
        grep -m5 "panicked at\|ERROR: libFuzzer\|SUMMARY\|Test unit written" "$log" || true
    fi
    summary+=("$(printf '%-12s %12s execs %8s/s  slowest %ss  new findings %s' \
        "$target" "$executions" "$per_second" "$slowest" "$findings")")
    rm -f "$log"
done

echo
echo "== fuzz summary (${seconds}s per target) =="
printf '%s\n' "${summary[@]}"
echo
echo "== slowest single input per target (each corpus input run once by the fuzz binary) =="
# libFuzzer runs the files given as arguments once each and prints "Executed FILE in N ms": the
# slowest of those is the longest single parse/check the corpus holds (an upper bound: the
# binaries carry coverage instrumentation).
bin_dir="$fuzz/target/x86_64-unknown-linux-gnu/release"
for target in "${targets[@]}"; do
    slowest="$(find "corpus/$target" -type f -print0 \
        | xargs -0 -n 500 nice "$bin_dir/$target" -runs=1 2>&1 \
        | grep -o 'Executed .* in [0-9]* ms' | sort -t' ' -k4 -n | tail -1 || true)"
    printf '%-12s %6s inputs  slowest: %s\n' "$target" \
        "$(find "corpus/$target" -type f | wc -l)" "${slowest:-none}"
done
