"""Issue 24, high: one address trickling bytes on hundreds of connections must not starve a
normal client. Loopback only: the attacker is 127.0.0.1, the normal client 127.0.0.2 (Linux
routes all of 127.0.0.0/8 locally). Bounded: 300 sockets, about 10 s.
"""

from __future__ import annotations

import contextlib
import http.client
import resource
import socket
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from tests.servers import serve
from tests.support import built_tiny

ATTACKERS, CAP, HEAD_SECONDS = 300, 16, 3
ENV = {"RELATEDPOSTS_MAX_CONNECTIONS": "100",  # per worker: 300 sockets would fill both
       "RELATEDPOSTS_MAX_CONNECTIONS_PER_ADDRESS": str(CAP),
       "RELATEDPOSTS_HEADER_TIMEOUT_SECONDS": str(HEAD_SECONDS)}


@pytest.fixture(scope="module")
def port(tmp_path_factory) -> Iterator[int]:
    """Two workers of the tiny index with small limits, for the module."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 1024 and hard >= 1024:
        resource.setrlimit(resource.RLIMIT_NOFILE, (1024, hard))
    tmp = tmp_path_factory.mktemp("conns")
    settings = built_tiny(tmp)
    with serve(settings.index_dir, tmp / "serve.log", env=ENV) as base:
        yield urlsplit(base).port or 80


def _attack(port: int, n: int) -> list[socket.socket]:
    """Open n connections from 127.0.0.1, each sending the start of a request head."""
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.settimeout(5)
        s.bind(("127.0.0.1", 0))
        s.connect(("127.0.0.1", port))
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        s.setblocking(False)
        socks.append(s)
    return socks


def _open(socks: list[socket.socket]) -> int:
    """Return how many of socks the server has not closed (no EOF, no reset)."""
    alive = 0
    for s in socks:
        try:
            alive += s.recv(1) != b""
        except BlockingIOError:
            alive += 1
        except OSError:
            pass
    return alive


def _trickle(socks: list[socket.socket], stop: threading.Event) -> None:
    """Send one more header byte on every socket each 0.5 s (each resets waitress's idle clock)."""
    while not stop.wait(0.5):
        for s in socks:
            with contextlib.suppress(OSError):  # closed by the server: as it should be
                s.send(b"X")


def _normal(port: int, seconds: float) -> tuple[int, list[str]]:
    """Ask /healthz from 127.0.0.2 for seconds; return (answers, failures)."""
    ok, failures = 0, []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=3,
                                              source_address=("127.0.0.2", 0))
            conn.request("GET", "/healthz")
            status = conn.getresponse().status
            conn.close()
            ok += status == 200
            if status != 200:
                failures.append(str(status))
        except OSError as exc:
            failures.append(repr(exc))
        time.sleep(0.05)
    return ok, failures


def test_a_trickling_address_is_capped_and_timed_out_and_others_stay_served(port) -> None:
    socks = _attack(port, ATTACKERS)
    stop = threading.Event()
    trickler = threading.Thread(target=_trickle, args=(socks, stop))
    trickler.start()
    try:
        time.sleep(1.0)
        held = _open(socks)
        ok, failures = _normal(port, HEAD_SECONDS + 3.0)
        left = _open(socks)
    finally:
        stop.set()
        trickler.join(timeout=10)
        for s in socks:
            s.close()
    assert not failures and ok >= 20, (ok, failures[:5])
    assert held <= 2 * CAP, held  # two workers, CAP each: the rest closed unread
    assert left == 0, left  # trickled bytes did not keep a head alive past its deadline


def test_a_head_sent_in_time_is_served_after_the_cap_frees(port) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert s.recv(65536).startswith(b"HTTP/1.1 200")


@pytest.mark.parametrize("head", [
    b"POST /api/events HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
    b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n b\r\n\r\n",
])
def test_smuggling_shapes_get_400_and_the_connection_closed(port, head) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(head)
        raw = b""
        while data := s.recv(65536):  # a kept-alive connection would time out here
            raw += data
    assert raw.split(b" ", 2)[1] == b"400", raw[:80]
    assert b"connection: close" in raw.lower()
