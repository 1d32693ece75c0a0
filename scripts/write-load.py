#!/usr/bin/env python3
"""registerOrganisation from 16 keep-alive connections against a running `serve` for a fixed time;
prints the rate and, when the service exports them, the largest audit sealer lag seen on /metrics.

usage: write-load.py URL TOKEN [SECONDS] [CONNECTIONS]"""
import http.client, json, sys, threading, time, urllib.parse, uuid

url, token = sys.argv[1], sys.argv[2]
seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 10
connections = int(sys.argv[4]) if len(sys.argv) > 4 else 16
host = urllib.parse.urlparse(url)
run = uuid.uuid4().hex[:8]
ok = [0] * connections
errors = [0] * connections
lag = {"max_lag": 0.0, "max_unsealed": 0.0}
stop = time.monotonic() + seconds
QUERY = "mutation($input: RegisterOrganisationInput!) { registerOrganisation(input: $input) { id } }"


def writer(w):
    conn = http.client.HTTPConnection(host.hostname, host.port, timeout=10)
    i = 0
    while time.monotonic() < stop:
        body = json.dumps({"query": QUERY, "variables": {"input": {
            "name": f"Load {run}-{w}-{i}", "kind": "SUPPLIER", "country": "US"}}})
        i += 1
        try:
            conn.request("POST", "/graphql", body, {"Content-Type": "application/json",
                                                    "Authorization": f"Bearer {token}"})
            answer = json.loads(conn.getresponse().read())
            if answer.get("data", {}).get("registerOrganisation") and not answer.get("errors"):
                ok[w] += 1
            else:
                errors[w] += 1
        except Exception:
            errors[w] += 1
            conn = http.client.HTTPConnection(host.hostname, host.port, timeout=10)


def sampler():
    conn = http.client.HTTPConnection(host.hostname, host.port, timeout=10)
    while time.monotonic() < stop:
        try:
            conn.request("GET", "/metrics")
            for line in conn.getresponse().read().decode().splitlines():
                for name, key in (("transfer_register_audit_seal_lag_seconds ", "max_lag"),
                                  ("transfer_register_audit_unsealed_events ", "max_unsealed")):
                    if line.startswith(name):
                        lag[key] = max(lag[key], float(line.split()[1]))
        except Exception:
            conn = http.client.HTTPConnection(host.hostname, host.port, timeout=10)
        time.sleep(0.1)


threads = [threading.Thread(target=writer, args=(w,)) for w in range(connections)]
threads.append(threading.Thread(target=sampler))
start = time.monotonic()
for t in threads:
    t.start()
for t in threads:
    t.join()
took = time.monotonic() - start
print(f"{sum(ok)} writes in {took:.1f} s: {sum(ok) / took:.0f}/s, {sum(errors)} errors; "
      f"sealer: at most {lag['max_unsealed']:.0f} events unsealed, oldest {lag['max_lag'] * 1000:.0f} ms")
