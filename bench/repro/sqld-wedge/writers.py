#!/usr/bin/env python3
"""N concurrent clients, each sending one autocommit INSERT per request to a libSQL server
(sqld) over its HTTP API (`/v2/pipeline`, a new stream per request, closed with it), for D
seconds. Prints throughput, latency and how many requests timed out (10 s).

    python3 writers.py URL N D      e.g. python3 writers.py http://127.0.0.1:8080 32 20
"""
import http.client
import json
import sys
import threading
import time
import urllib.parse

url = urllib.parse.urlparse(sys.argv[1])
clients, duration = int(sys.argv[2]), int(sys.argv[3])


def pipeline(requests):
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    conn.request("POST", "/v2/pipeline", json.dumps({"requests": requests}),
                 {"content-type": "application/json"})
    body = conn.getresponse().read()
    conn.close()
    return json.loads(body)


pipeline([{"type": "execute", "stmt": {"sql": "CREATE TABLE IF NOT EXISTS t (x)"}}, {"type": "close"}])
latencies, timeouts, lock = [], [], threading.Lock()


def writer():
    end = time.time() + duration
    while time.time() < end:
        started = time.time()
        try:
            pipeline([{"type": "execute", "stmt": {"sql": "INSERT INTO t VALUES (1)"}}, {"type": "close"}])
        except Exception:
            with lock:
                timeouts.append(1)
            continue
        with lock:
            latencies.append(time.time() - started)


threads = [threading.Thread(target=writer) for _ in range(clients)]
for t in threads:
    t.start()
for t in threads:
    t.join()
latencies.sort()
n = len(latencies)
p = lambda q: latencies[min(n - 1, int(n * q))] * 1000 if n else float("nan")
print(f"clients={clients} inserts={n} rate={n / duration:.0f}/s p50={p(0.5):.1f}ms "
      f"p99={p(0.99):.1f}ms timed_out={len(timeouts)}")
