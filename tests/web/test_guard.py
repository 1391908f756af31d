"""The request guard: unexpected methods 405, long query strings 414, large bodies 413,
security headers on every response, OPTIONS and odd paths.
"""

from __future__ import annotations

import pytest

from relatedposts.indexing.embedders import FakeEmbedder
from relatedposts.web.app import create_app
from tests.support import SCIATICA, TOKEN, assert_security_headers, json_error


@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
@pytest.mark.parametrize("path", ["/api/search?q=x", f"/api/related?url={SCIATICA}", "/healthz",
                                  "/api/index"])
def test_unexpected_methods_are_405(client, method: str, path: str) -> None:
    resp = getattr(client, method)(path)
    json_error(resp, 405)
    assert "GET" in resp.headers["Allow"]


@pytest.mark.parametrize("path", ["/api/search?q=", "/api/related?url=", "/search?q="])
def test_over_long_query_string_is_414(client, path: str) -> None:
    resp = client.get(path + "x" * 17000)
    assert resp.status_code == 414
    if path.startswith("/api/"):
        assert "too long" in json_error(resp, 414)
    else:
        assert resp.mimetype == "text/html"
    assert client.get(path.replace("=", "=back") + "&tag=" + "t" * 5000).status_code != 414


def test_over_large_body_is_413_before_anything_else(built) -> None:
    client = create_app(built.replace(admin_token=TOKEN), embedder=FakeEmbedder()).test_client()
    body = b"x" * (64 * 1024 + 1)
    for path in ("/api/search?q=back", "/admin/reload", "/healthz"):
        assert "too large" in json_error(client.post(path, data=body), 413)
    assert client.post("/admin/reload", data=b"x" * 100).status_code == 401


@pytest.mark.parametrize("path, method, status", [
    ("/api/search?q=back", "get", 200), ("/api/search?q=", "get", 400), ("/nope", "get", 404),
    ("/api/nope", "get", 404), ("/healthz", "post", 405), ("/widget.js", "get", 200),
    ("/api/search?q=" + "x" * 17000, "get", 414), ("/search?q=back", "get", 200),
    ("/search?q=back&limit=0", "get", 400), ("/demo?url=https://x.example/", "get", 404),
])
def test_security_headers_on_every_response(client, path, method, status) -> None:
    resp = getattr(client, method)(path)
    assert resp.status_code == status
    assert_security_headers(resp, html=resp.mimetype == "text/html")


HEADERS = {"content-security-policy", "x-content-type-options", "referrer-policy"}


@pytest.mark.parametrize("path", ["/api/search", "/api/related", "/healthz", "/widget.js",
                                  "/search", "/admin/reload"])
def test_options_without_origin_is_json(client, path: str) -> None:
    resp = client.options(path)
    if path.startswith("/admin/"):  # admin is off: the route does not exist
        json_error(resp, 404)
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
