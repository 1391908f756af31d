"""The waitress front over real HTTP: options that bound heads, bodies and connections;
queries counted in characters; a foreign Host never becomes a redirect.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from urllib.parse import quote, urlsplit

import pytest

from relatedposts.web.front import MAX_HEAD_BYTES, waitress_options
from relatedposts.web.guard import MAX_QUERY_STRING
from tests.servers import serve
from tests.support import built_tiny

HEADERS = {"content-security-policy", "x-content-type-options", "referrer-policy"}


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    """One `serve` process (two workers, default settings) for the module."""
    tmp = tmp_path_factory.mktemp("strict")
    settings = built_tiny(tmp)
    with serve(settings.index_dir, tmp / "serve.log") as base:
        yield base


def _raw(base: str, target: str, host: str = "127.0.0.1") -> tuple[int, dict, bytes]:
    """Send target verbatim (no client-side normalizing) on a fresh connection."""
    conn = http.client.HTTPConnection("127.0.0.1", urlsplit(base).port, timeout=10)
    conn.putrequest("GET", target, skip_host=True)
    conn.putheader("Host", host)
    conn.endheaders()
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp.status, {k.lower(): v for k, v in resp.getheaders()}, body


@pytest.mark.parametrize("q, status", [
    ("背" * 1000, 200), ("😀" * 1000, 200), ("ب" * 1000, 200), ("背" * 1001, 400),
    ("a" * 5000, 400), ("背" * 5000, 414),
])
def test_queries_are_counted_in_characters_over_http(server, q: str, status: int) -> None:
    got, headers, body = _raw(server, f"/api/search?q={quote(q)}")
    assert got == status and headers["content-type"] == "application/json"
    assert set(headers) >= HEADERS
    if status != 200:
        assert json.loads(body)["error"]["status"] == status


@pytest.mark.parametrize("target", ["//api/search?q=back", "//evil.example/healthz",
                                    "/search/", "http://evil.example/healthz"])
def test_foreign_host_never_becomes_a_redirect_over_http(server, target: str) -> None:
    status, headers, body = _raw(server, target, host="evil.example")
    assert not 300 <= status < 400 and "location" not in headers
    assert set(headers) >= HEADERS
    assert b"evil.example" not in body


def test_waitress_options_bound_heads_bodies_and_connections() -> None:
    opts = waitress_options(threads=5, connection_limit=700, channel_timeout=30.0)
    assert opts["threads"] == 5 and opts["connection_limit"] == 700
    assert opts["channel_timeout"] == 30.0 and opts["asyncore_use_poll"]
    assert opts["max_request_header_size"] == MAX_HEAD_BYTES > MAX_QUERY_STRING
