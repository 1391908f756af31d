"""The HTTP front of `serve`: waitress, with its own errors in our JSON shape.

Waitress reads every request (head and body) in one asyncore loop per process and hands it to
a worker thread only once it is complete, so an idle or slow client costs a socket and a few
kilobytes, never a thread. The requests it refuses itself before the app sees them (a head
over MAX_HEAD_BYTES, a malformed request line, a body over the limit) are answered here with
the same `{"error": {...}}` body and security headers the Flask app sends.

Two limits keep one client from holding every connection (issue 24: 2,050 sockets, each
sending a byte every 25 s, took the service down). A request head must arrive whole within
HEADER_TIMEOUT_SECONDS of its first byte (of the connect, for a connection's first request),
however often bytes trickle in: waitress's own channel_timeout restarts at every byte. And one
address may hold MAX_CONNECTIONS_PER_ADDRESS connections per worker (an IPv6 /64 counts as one
address); a connection over it is closed at once, unread. Behind trusted proxies
(TRUSTED_PROXIES > 0) every connection comes from a proxy, so that cap would throttle all
visitors together: it is not applied there, and the proxy caps its own clients (nginx:
limit_conn, client_header_timeout) while the head deadline still holds.
"""

from __future__ import annotations

import contextlib
import json
import socket
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser, ParsingError
from waitress.server import create_server
from waitress.task import ErrorTask, WSGITask

from relatedposts.visitors import visitor_key
from relatedposts.web.guard import (
    DEFAULT_CSP,
    MAX_BODY_BYTES,
    MAX_QUERY_STRING,
    REFERRER_POLICY,
)

# Request line plus headers. Above the app's query-string limit, so that a long query gets
# the app's own 414 and the front only refuses what no legitimate request needs.
MAX_HEAD_BYTES = 2 * MAX_QUERY_STRING
IDENT = "relatedposts"
MESSAGES = {
    400: "the request is malformed",
    413: f"the request body is too large: at most {MAX_BODY_BYTES} bytes",
    414: f"the address is too long: at most {MAX_QUERY_STRING} bytes of query string",
    431: f"the request headers are too large: at most {MAX_HEAD_BYTES} bytes in all",
    501: "this transfer encoding is not supported",
}


def error_body(status: int, message: str) -> bytes:
    """Return the one JSON error shape as bytes."""
    return json.dumps({"error": {"status": status, "message": message}}).encode()


def security_headers() -> list[tuple[str, str]]:
    """Return the headers every response carries (the same defaults as guard.py's)."""
    return [("Content-Security-Policy", DEFAULT_CSP), ("X-Content-Type-Options", "nosniff"),
            ("Referrer-Policy", REFERRER_POLICY)]


class LineAwareParser(HTTPRequestParser):
    """Waitress's parser, remembering whether the request line ended (to tell 414 from 431)."""

    line_done = False

    def parse_header(self, header_plus: bytes) -> None:
        """Refuse smuggling shapes first: obs-fold lines, Content-Length with Transfer-Encoding.

        Both are how a proxy and this server could disagree on where a request ends (RFC 9112
        6.1, 5.2); the 400 closes the connection.
        """
        lines = header_plus.split(b"\r\n")[1:]
        if any(line[:1] in (b" ", b"\t") for line in lines):
            raise ParsingError("obsolete line folding in a header")
        names = {line.split(b":", 1)[0].strip().lower() for line in lines}
        if {b"content-length", b"transfer-encoding"} <= names:
            raise ParsingError("both Content-Length and Transfer-Encoding")
        super().parse_header(header_plus)

    def received(self, data: bytes) -> int:
        """Parse data, noting the first line break of the head."""
        if not self.line_done and self.body_rcv is None and b"\n" in data:
            self.line_done = True
        return int(super().received(data))


class JsonErrorTask(ErrorTask):
    """Answer the front's own refusals in the JSON shape, with the security headers."""

    def execute(self) -> None:
        """Write the error response and close the connection."""
        status = int(self.request.error.code)
        if status == 431 and not getattr(self.request, "line_done", True):
            status = 414  # the request line alone was too long
        reason = {414: "URI Too Long"}.get(status, self.request.error.reason)
        body = error_body(status, MESSAGES.get(status, "internal error"))
        self.status = f"{status} {reason}"
        self.response_headers.extend([("Content-Type", "application/json"),
                                      *security_headers()])
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)
        self.channel.refused = True


class DrainingTask(WSGITask):
    """A WSGI task that says `Connection: close` once its worker drains (worker.py).

    A keep-alive client then sends its next request on a fresh connection, which one of the
    workers still accepting takes. (The app itself may not send hop-by-hop headers, PEP 3333.)
    """

    def build_response_header(self) -> Any:
        """Ask the client to close when the channel's worker is draining."""
        if self.channel.draining:
            self.set_close_on_finish()
        return super().build_response_header()


class JsonErrorChannel(HTTPChannel):
    """A waitress channel using the parser and tasks above."""

    error_task_class = JsonErrorTask
    task_class = DrainingTask
    parser_class = LineAwareParser
    refused = False
    draining = False  # set on the front's channel class by a retiring worker

    def handle_close(self) -> None:
        """Close; after a refusal, first discard what the client already sent.

        Closing a socket with unread input sends a reset, which can make the client drop
        the error response it has not read yet.
        """
        if self.refused and self.socket is not None:
            drain(self.socket)
        super().handle_close()


@dataclass(frozen=True)
class ConnectionLimits:
    """Per-address connection cap (0: none) and the deadline of a request head, in seconds."""

    per_address: int = 0
    head_seconds: float = 0.0  # 0: no deadline


class GuardedChannel(JsonErrorChannel):
    """A channel counted against its address's cap, closed when its head is overdue.

    make_front subclasses it per server with the limits and that server's counts.
    """

    limits = ConnectionLimits()
    peers: Counter[str] = Counter()
    counted = False

    def __init__(self, server: Any, sock: Any, addr: Any, adj: Any, map: Any = None) -> None:
        super().__init__(server, sock, addr, adj, map)
        self.peer = visitor_key(str(addr[0])) if isinstance(addr, tuple) else ""
        # The first head is due from the connect: a silent connection counts too.
        self.head_started: float | None = time.monotonic()
        cap = self.limits.per_address
        if cap and self.peers[self.peer] >= cap:
            self.handle_close()  # over the cap: closed before reading anything
            return
        self.peers[self.peer] += 1
        self.counted = True

    def received(self, data: bytes) -> bool:
        """Parse data; start the head's clock at its first byte, stop it once it is whole."""
        if self.head_started is None and (self.request is None
                                          or not self.request.headers_finished):
            self.head_started = time.monotonic()
        done = bool(super().received(data))
        if self.request is None or self.request.headers_finished:
            self.head_started = None
        return done

    def readable(self) -> bool:
        """Close the connection once its head is overdue (the loop asks every second)."""
        limit = self.limits.head_seconds
        if (limit and self.head_started is not None
                and time.monotonic() - self.head_started > limit):
            self.will_close = True  # handle_write closes it
            return False
        return bool(super().readable())

    def del_channel(self, map: Any = None) -> None:
        """Forget the channel, and give its address's slot back."""
        if self.counted:
            self.counted = False
            self.peers[self.peer] -= 1
            if self.peers[self.peer] <= 0:
                del self.peers[self.peer]
        super().del_channel(map)


def drain(sock: socket.socket, limit: int = 1 << 20) -> None:
    """Stop sending, then read and drop the input already buffered (never wait for more)."""
    with contextlib.suppress(OSError):  # BlockingIOError: nothing more buffered
        sock.shutdown(socket.SHUT_WR)
        sock.setblocking(False)
        total = 0
        while total < limit and (data := sock.recv(65536)):
            total += len(data)


def waitress_options(threads: int, connection_limit: int, channel_timeout: float) -> dict[
        str, Any]:
    """Return waitress adjustments: bounded heads and bodies, poll() for many sockets."""
    return {
        "threads": threads,
        "connection_limit": connection_limit,
        "channel_timeout": channel_timeout,  # idle keep-alive connections are closed after
        "max_request_header_size": MAX_HEAD_BYTES,
        "max_request_body_size": MAX_BODY_BYTES + 1,  # the app answers 413 up to here
        "asyncore_use_poll": True,  # select() cannot watch descriptors above 1023
        "backlog": 2048,
        "ident": IDENT,
        "expose_tracebacks": False,
        "clear_untrusted_proxy_headers": False,  # the app decides (TRUSTED_PROXIES)
    }


def make_front(app: Any, sockets: list[Any], options: dict[str, Any],
               limits: ConnectionLimits | None = None) -> Any:
    """Return a waitress server of app on already-bound sockets, with JSON errors and limits."""
    server = create_server(app, sockets=sockets, **options)
    servers = getattr(server, "map", None)
    targets = [s for s in servers.values() if hasattr(s, "channel_class")] if servers else [
        server]
    # channel_class is waitress's documented hook for its server's connections; one subclass
    # per front keeps the counts of two fronts (tests) apart.
    channel = type("Channel", (GuardedChannel,), {"limits": limits or ConnectionLimits(),
                                                  "peers": Counter()})
    for target in targets:
        target.channel_class = channel
    return server
