#!/usr/bin/env python3
"""Raw-socket HTTP/1.1 keep-alive client: N sequential GETs on one connection.

usage: kaclient.py PORT PATH [N] [quickack]
Prints median / p99 / max latency (ms) and how many requests took > 20 ms.
With 'quickack', TCP_QUICKACK is re-armed after every recv() (Linux clears it).
"""
import socket, statistics, sys, time

port, path = int(sys.argv[1]), sys.argv[2]
n = int(sys.argv[3]) if len(sys.argv) > 3 else 200
quick = len(sys.argv) > 4 and sys.argv[4] == "quickack"

s = socket.create_connection(("127.0.0.1", port))
# deliberately NO TCP_NODELAY tweaks on our side beyond the default (request fits one write)
req = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
buf = b""


def recv():
    global buf
    d = s.recv(65536)
    if quick:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
    if not d:
        raise EOFError("server closed")
    buf += d


def read_response():
    global buf
    while b"\r\n\r\n" not in buf:
        recv()
    head, _, buf = buf.partition(b"\r\n\r\n")
    hdrs = {}
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        hdrs[k.strip().lower()] = v.strip()
    if b"content-length" in hdrs:
        need = int(hdrs[b"content-length"])
        while len(buf) < need:
            recv()
        body, buf = buf[:need], buf[need:]
        return body
    if hdrs.get(b"transfer-encoding", b"").lower() == b"chunked":
        body = b""
        while True:
            while b"\r\n" not in buf:
                recv()
            size_line, _, buf = buf.partition(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            if size == 0:
                while b"\r\n" not in buf:  # no trailers expected: final CRLF
                    recv()
                _, _, buf = buf.partition(b"\r\n")
                return body
            while len(buf) < size + 2:
                recv()
            body += buf[:size]
            buf = buf[size + 2:]
    raise ValueError("no framing")


if quick:
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
lat = []
for i in range(n):
    t0 = time.perf_counter()
    s.sendall(req)
    read_response()
    lat.append((time.perf_counter() - t0) * 1000)
s.close()
lat_sorted = sorted(lat)
p99 = lat_sorted[min(len(lat) - 1, int(round(0.99 * len(lat))) - 1)]
slow = sum(1 for x in lat if x > 20)
print(f"median={statistics.median(lat):.2f}ms p99={p99:.2f}ms max={max(lat):.2f}ms slow(>20ms)={slow}/{n}")
