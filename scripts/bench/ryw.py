"""Read-your-writes latency across instances: register a new schema on instance A, then read it
by id on instance B until it answers 200; prints the p50 and p99 of that time (ms) and of the
registration alone. Usage: python3 ryw.py A_URL B_URL COUNT"""
import json
import sys
import time
import urllib.error
import urllib.request


def call(method, url, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/vnd.schemaregistry.v1+json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, None


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


a, b, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
registered, visible = [], []
for n in range(count):
    schema = {"type": "record", "name": "Ryw", "fields": [{"name": f"f_{n}_{time.time_ns()}", "type": "long", "default": 0}]}
    started = time.perf_counter()
    status, body = call("POST", f"{a}/subjects/ryw-{n % 16}/versions", {"schema": json.dumps(schema)})
    if status != 200:
        sys.exit(f"register on A answered {status}")
    acked = time.perf_counter()
    deadline = acked + 10
    while True:
        status, _ = call("GET", f"{b}/schemas/ids/{body['id']}")
        if status == 200:
            break
        if time.perf_counter() > deadline:
            sys.exit(f"id {body['id']} not readable on B within 10 s")
    done = time.perf_counter()
    registered.append((acked - started) * 1000)
    visible.append((done - started) * 1000)
print(f"{percentile(visible, 50):.2f} {percentile(visible, 99):.2f} {percentile(registered, 50):.2f} {percentile(registered, 99):.2f}")
