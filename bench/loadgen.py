"""A small closed-loop load generator, run as its own process by bench/submissions.py.

Each of CONNECTIONS threads keeps one HTTP/1.1 connection open and sends its share of
a fixed number of POSTs, one after another, recording every status, latency and the
uuid of every 201, so the caller can check each accepted answer left its row.
(wrk was tried first: on gunicorn it dropped a request now and then on reconnects,
which makes an exact count of accepted answers impossible.)
"""

from __future__ import annotations

import http.client
import json
import sys
import threading
import time


def worker(host: str, port: int, path: str, body: bytes, count: int, out: list) -> None:
    connection = http.client.HTTPConnection(host, port, timeout=30)
    headers = {"Content-Type": "application/json", "Connection": "keep-alive"}
    for _ in range(count):
        started = time.perf_counter()
        try:
            connection.request("POST", path, body=body, headers=headers)
            reply = connection.getresponse()
            data = reply.read()
            status = reply.status
        except (OSError, http.client.HTTPException):
            connection.close()
            connection = http.client.HTTPConnection(host, port, timeout=30)
            status, data = 0, b""
        elapsed = time.perf_counter() - started
        uuid = json.loads(data).get("uuid") if status == 201 else None
        out.append((status, elapsed, uuid))


def main() -> None:
    host, port, path, total, connections = sys.argv[1:6]
    body = sys.stdin.buffer.read()
    # The total exactly: the first total % connections threads send one more.
    shares = [len(range(n, int(total), int(connections))) for n in range(int(connections))]
    results: list[list] = [[] for _ in shares]
    threads = [
        threading.Thread(target=worker, args=(host, int(port), path, body, share, out))
        for share, out in zip(shares, results, strict=True)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    flat = [item for out in results for item in out]
    latencies = sorted(elapsed for _, elapsed, _ in flat)
    print(json.dumps({
        "ok": sum(1 for status, _, _ in flat if status == 201),
        "bad": sum(1 for status, _, _ in flat if status != 201),
        "uuids": [uuid for _, _, uuid in flat if uuid],
        "latencies_ms": [round(latency * 1000, 3) for latency in latencies],
        "seconds": seconds,
    }))  # fmt: skip


if __name__ == "__main__":
    main()
