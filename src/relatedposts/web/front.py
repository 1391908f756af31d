"""The HTTP front of `serve`: waitress, with its own errors in our JSON shape.

Waitress reads every request (head and body) in one asyncore loop per process and hands it to
a worker thread only once it is complete, so an idle or slow client costs a socket and a few
kilobytes, never a thread. The requests it refuses itself before the app sees them (a head
over MAX_HEAD_BYTES, a malformed request line, a body over the limit) are answered here with
the same `{"error": {...}}` body and security headers the Flask app sends.
"""

from __future__ import annotations

import contextlib
import json
import socket
from typing import Any

from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.server import create_server
from waitress.task import ErrorTask

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


class JsonErrorChannel(HTTPChannel):
    """A waitress channel using the parser and error task above."""

    error_task_class = JsonErrorTask
    parser_class = LineAwareParser
    refused = False

    def handle_close(self) -> None:
        """Close; after a refusal, first discard what the client already sent.

        Closing a socket with unread input sends a reset, which can make the client drop
        the error response it has not read yet.
        """
        if self.refused and self.socket is not None:
            drain(self.socket)
        super().handle_close()


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


def make_front(app: Any, sockets: list[Any], options: dict[str, Any]) -> Any:
    """Return a waitress server of app on already-bound sockets, with JSON errors."""
    server = create_server(app, sockets=sockets, **options)
    servers = getattr(server, "map", None)
    targets = [s for s in servers.values() if hasattr(s, "channel_class")] if servers else [
        server]
    for target in targets:
        target.channel_class = JsonErrorChannel
    return server
