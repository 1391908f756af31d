"""Strict parsing and odd requests: ASCII-digit integers, ISO dates, OPTIONS, odd paths, no
redirect from a client's Host, and queries counted in characters (over a real `serve` too)."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from urllib.parse import quote, urlsplit

import pytest

from relatedposts.config import Settings
from relatedposts.indexing.build import build_index
from relatedposts.indexing.embedders import FakeEmbedder
from tests.servers import serve
from tests.support import TINY

SCIATICA = TINY[0].url
HEADERS = {"content-security-policy", "x-content-type-options", "referrer-policy"}


def _error(resp, status: int) -> None:
    assert resp.status_code == status, resp.get_data(as_text=True)[:200]
    assert resp.get_json()["error"]["status"] == status
    assert "Location" not in resp.headers


@pytest.mark.parametrize("value", ["１", "٥", "1_0", " 7", "7 ", "+5", "5.0", "0x5", "²",
                                   "5\u00a0", "-0"])
def test_integers_are_ascii_digits_only(client, value: str) -> None:
    _error(client.get(f"/api/search?q=back&limit={quote(value)}"), 400)
    _error(client.get(f"/api/related?url={SCIATICA}&limit={quote(value)}"), 400)
    _error(client.get(f"/api/search?q=back&offset={quote(value)}"), 400)
    page = client.get(f"/search?q=back&limit={quote(value)}")
    assert page.status_code == 400 and page.mimetype == "text/html"


def test_plain_integers_still_work(client) -> None:
    for value in ("5", "05", "50"):
        assert client.get(f"/api/search?q=back&limit={value}").status_code == 200
    _error(client.get("/api/search?q=back&limit=51"), 400)


@pytest.mark.parametrize("value", ["20200101", "2020-1-1", "2020-02-30", "２０２０-01-01",
                                   "2020-01-01T00:00", "2020-W01-1", " 2020-01-01"])
def test_dates_are_iso_yyyy_mm_dd_only(client, value: str) -> None:
    _error(client.get(f"/api/search?q=back&from={quote(value)}"), 400)
    _error(client.get(f"/api/search?q=back&to={quote(value)}"), 400)


def test_iso_dates_filter(client) -> None:
    body = client.get("/api/search?q=pain&from=2024-01-01&to=2024-12-31").get_json()
    assert body["results"] and all("2024" <= r["date"] < "2025" for r in body["results"])


@pytest.mark.parametrize("path", ["/api/search", "/api/related", "/healthz", "/widget.js",
                                  "/search", "/admin/reload"])
def test_options_without_origin_is_json(client, path: str) -> None:
    resp = client.options(path)
    if path.startswith("/admin/"):  # admin is off: the route does not exist
        _error(resp, 404)
        return
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    assert "GET" in resp.get_json()["allow"] and "GET" in resp.headers["Allow"]
    assert {k.lower() for k, _ in resp.headers.items()} >= HEADERS


@pytest.mark.parametrize("path", ["//api/search?q=back", "//evil.example/api/search",
                                  "/search/", "/api/search/?q=x", "/healthz/", "///healthz",
                                  "/api/../healthz", "/%2e%2e/healthz"])
def test_odd_paths_never_redirect(client, path: str) -> None:
    resp = client.get(path, headers={"Host": "evil.example"})
    assert resp.status_code < 300 or resp.status_code >= 400
    assert "Location" not in resp.headers
    if resp.status_code >= 400 and resp.mimetype == "application/json":
        assert resp.get_json()["error"]["status"] == resp.status_code


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    """One `serve` process (two workers, default settings) for the module."""
    tmp = tmp_path_factory.mktemp("strict")
    settings = Settings(corpus_dir=tmp / "corpus", index_dir=tmp / "idx", embedder="fake",
                        related_min_score=0.0)
    build_index(TINY, FakeEmbedder(), settings)
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
