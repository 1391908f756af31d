"""`serve` against idle and slow-drip clients: waiting for bytes never holds a request thread.

Loopback only. 200 sockets connect and send nothing, 16 send one header line per second for
about 20 s, while a normal client (a fresh connection per request, default settings with the
rate limit on) must see no failure and a p99 under 250 ms.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from tests.servers import serve
from tests.support import built_tiny

IDLE, DRIPS, SECONDS = 200, 16, 20.0


@pytest.fixture(scope="module")
def one_worker(tmp_path_factory) -> Iterator[str]:
    """One `serve` process (one worker) of the tiny index for the whole module."""
    tmp = tmp_path_factory.mktemp("front")
    settings = built_tiny(tmp)
    with serve(settings.index_dir, tmp / "serve.log", workers=1) as base:
        yield base
SCIATICA = "https://clinic.example/blog/sciatica/"


def _open(port: int, source: str = "127.0.0.1") -> socket.socket:
    # Issue 24 caps connections per address: the idle sockets, the drips and the normal
    # client each come from their own loopback address, as distinct visitors would.
    return socket.create_connection(("127.0.0.1", port), timeout=10,
                                    source_address=(source, 0))


def _drip(port: int, stop: threading.Event, done: list[bytes]) -> None:
    """Send a request one header line per second until stop, then finish it and read."""
    with _open(port, "127.0.0.4") as s:
        s.sendall(f"GET /api/related?url={SCIATICA} HTTP/1.1\r\nHost: x\r\n".encode())
        n = 0
        while not stop.wait(1.0):
            s.sendall(f"X-Drip-{n}: {'x' * 20}\r\n".encode())
            n += 1
        s.sendall(b"Connection: close\r\n\r\n")
        chunks = []
        while data := s.recv(65536):
            chunks.append(data)
        done.append(b"".join(chunks))


def _normal(port: int, seconds: float) -> tuple[list[float], list[str]]:
    """Request related lists, the widget, health and an occasional search for seconds."""
    paths = [f"/api/related?url={SCIATICA}", "/widget.js", "/healthz", "/api/related?url="
             "https://clinic.example/blog/neck/"]
    latencies, failures = [], []
    end, i = time.monotonic() + seconds, 0
    while time.monotonic() < end and i < 2000:
        path = "/api/search?q=leg+pain" if i % 40 == 0 else paths[i % len(paths)]
        t0 = time.perf_counter()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5,
                                              source_address=("127.0.0.2", 0))
            conn.request("GET", path)
            resp = conn.getresponse()
            resp.read()
            conn.close()
            if resp.status != 200:
                failures.append(f"{path}: {resp.status}")
        except OSError as exc:
            failures.append(f"{path}: {exc!r}")
        latencies.append(time.perf_counter() - t0)
        i += 1
        time.sleep(0.02)
    return latencies, failures


def test_idle_and_slow_clients_do_not_stall_a_normal_client(built, tmp_path) -> None:
    with serve(built.index_dir, tmp_path / "serve.log") as base:
        port = urlsplit(base).port or 80
        idle = [_open(port, "127.0.0.3") for _ in range(IDLE)]
        stop, done = threading.Event(), []
        drips = [threading.Thread(target=_drip, args=(port, stop, done)) for _ in range(DRIPS)]
        for t in drips:
            t.start()
        try:
            time.sleep(1.0)  # every drip and idle socket is connected and waiting
            latencies, failures = _normal(port, SECONDS)
        finally:
            stop.set()
            for t in drips:
                t.join(timeout=15)
            for s in idle:
                s.close()
    assert not failures, failures[:5]
    latencies.sort()
    p99 = latencies[int(0.99 * (len(latencies) - 1))]
    assert len(latencies) >= 100 and p99 < 0.25, (len(latencies), p99)
    # The slow requests were served too, once complete, each in the JSON API's shape.
    assert len(done) == DRIPS and all(r.startswith(b"HTTP/1.1 200") for r in done)


@pytest.mark.parametrize("head, status", [
    (b"GET /api/search?q=" + b"a" * 40_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
    (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 40_000 + b"\r\n\r\n", 431),
    (b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 999999\r\n\r\n", 413),
    (b"GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n", 400),
    (b"GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
])
def test_requests_the_front_refuses_get_the_json_shape_and_headers(one_worker, head,
                                                                   status) -> None:
    with _open(urlsplit(one_worker).port or 80) as s:
        s.sendall(head)
        raw = b""
        while data := s.recv(65536):
            raw += data
    top, _, body = raw.partition(b"\r\n\r\n")
    lines = top.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (h.partition(":") for h in lines[1:])}
    assert lines[0].split()[1] == str(status), lines[0]
    assert json.loads(body)["error"]["status"] == status
    assert headers["content-type"] == "application/json"
    assert {"content-security-policy", "x-content-type-options", "referrer-policy"} <= set(
        headers)
