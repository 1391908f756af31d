"""Bad input, one error shape, size limits, security headers, CORS on errors and rate limits."""

from __future__ import annotations

from urllib.parse import quote_from_bytes

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from relatedposts.errors import ConfigError
from relatedposts.indexing.embedders import FakeEmbedder
from relatedposts.live.service import Service
from relatedposts.web.app import create_app
from relatedposts.web.guard import DEFAULT_CSP
from tests.support import BLOG, SCIATICA, TOKEN

HUGE = str(10**30)


def _error(resp, status: int) -> str:
    """Assert resp is the one JSON error shape with this status; return its message."""
    assert resp.status_code == status, resp.get_data(as_text=True)[:300]
    body = resp.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"status", "message"}
    assert body["error"]["status"] == status and isinstance(body["error"]["message"], str)
    return body["error"]["message"]


@pytest.mark.parametrize("query, status", [
    ("", 400), ("q=", 400), ("q=%20%09", 400), ("q=" + "a" * 1001, 400), ("q=%ff%fe", 200),
    ("q=%00back", 200), ("q=back&limit=-1", 400), (f"q=back&limit={HUGE}", 400),
    ("q=back&limit=ten", 400), ("q=back&limit=" + "9" * 5000, 400),
    (f"q=back&offset={HUGE}", 400), ("q=back&offset=-5", 400), ("q=back&offset=1.5", 400),
    ("q=back&from=%ff", 400), ("q=back&to=2024-13-45", 400), ("q=back&tag=%ff%00", 200),
])
def test_api_search_bad_input(client, query: str, status: int) -> None:
    resp = client.get(f"/api/search?{query}")
    if status == 200:
        assert resp.status_code == 200 and "results" in resp.get_json()
    else:
        _error(resp, status)


@pytest.mark.parametrize("query, status", [
    ("", 400), ("url=", 400), ("url=%00", 404), ("url=javascript:alert(1)", 404),
    ("url=http://[::1", 404), ("url=https://clinic.example:99999/blog/x/", 404),
    ("url=https://clinic.example:abc/", 404), ("url=%ff%fe", 404),
    ("url=https://clinic.example/" + "a" * 3000, 400),
    (f"url={SCIATICA}&limit={HUGE}", 400), (f"url={SCIATICA}&limit=-1", 400),
])
def test_api_related_bad_input(client, query: str, status: int) -> None:
    _error(client.get(f"/api/related?{query}"), status)


@pytest.mark.parametrize("query, status", [
    ("q=%ff%fe", 200), ("q=%00", 200), (f"q=back&limit={HUGE}", 400),
    ("q=back&offset=-1", 400), ("q=back&offset=abc", 400), ("q=" + "b" * 1001, 400),
])
def test_search_page_bad_input_is_a_friendly_page(client, query: str, status: int) -> None:
    resp = client.get(f"/search?{query}")
    assert resp.status_code == status and resp.mimetype == "text/html"


# Property-based: any mix of known and unknown parameters with any bytes as values.
NAMES = st.one_of(st.sampled_from(["q", "limit", "offset", "url", "tag", "from", "to"]),
                  st.binary(max_size=6))
NUMBERS = st.one_of(st.integers(-(10**40), 10**40).map(str),
                    st.sampled_from(["", " 7 ", "1e3", "0x10", "NaN", "١٢", "1_0", "+5", "-0"]))
VALUES = st.one_of(
    st.binary(max_size=60),
    st.text(max_size=60).map(lambda t: t.encode("utf-8", "surrogatepass")),
    NUMBERS.map(str.encode),
    st.sampled_from([b"javascript:alert(1)", b"\x00", b"http://[::1", SCIATICA.encode(),
                     b"<script>alert(1)</script>", b"https://clinic.example:99999/"]),
)
PAIRS = st.lists(st.tuples(NAMES, VALUES), max_size=6)
PROPERTY = hsettings(max_examples=120, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])


def _qs(pairs: list[tuple[bytes | str, bytes]]) -> str:
    def enc(b: bytes | str) -> str:
        return quote_from_bytes(b.encode() if isinstance(b, str) else b, safe="")

    return "&".join(f"{enc(k)}={enc(v)}" for k, v in pairs)


@pytest.mark.parametrize("path", ["/api/search", "/api/related"])
@PROPERTY
@given(pairs=PAIRS)
def test_api_never_fails_on_any_parameters(client, path: str, pairs) -> None:
    resp = client.get(f"{path}?{_qs(pairs)}")
    assert resp.status_code in (200, 400, 404)
    if resp.status_code != 200:
        _error(resp, resp.status_code)


@PROPERTY
@given(pairs=PAIRS)
def test_search_page_never_fails_on_any_parameters(client, pairs) -> None:
    resp = client.get(f"/search?{_qs(pairs)}")
    assert resp.status_code in (200, 400) and resp.mimetype == "text/html"
    assert "Traceback" not in resp.get_data(as_text=True)


@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
@pytest.mark.parametrize("path", ["/api/search?q=x", f"/api/related?url={SCIATICA}", "/healthz",
                                  "/api/index"])
def test_unexpected_methods_are_405(client, method: str, path: str) -> None:
    resp = getattr(client, method)(path)
    _error(resp, 405)
    assert "GET" in resp.headers["Allow"]


@pytest.mark.parametrize("path", ["/api/search?q=", "/api/related?url=", "/search?q="])
def test_over_long_query_string_is_414(client, path: str) -> None:
    resp = client.get(path + "x" * 17000)
    assert resp.status_code == 414
    if path.startswith("/api/"):
        assert "too long" in _error(resp, 414)
    else:
        assert resp.mimetype == "text/html"
    assert client.get(path.replace("=", "=back") + "&tag=" + "t" * 5000).status_code != 414


def test_over_large_body_is_413_before_anything_else(built) -> None:
    client = create_app(built.replace(admin_token=TOKEN), embedder=FakeEmbedder()).test_client()
    body = b"x" * (64 * 1024 + 1)
    for path in ("/api/search?q=back", "/admin/reload", "/healthz"):
        assert "too large" in _error(client.post(path, data=body), 413)
    assert client.post("/admin/reload", data=b"x" * 100).status_code == 401


BOOM = "exploded in /work/main/src/relatedposts/search.py at line 42"


def _explode(*args, **kwargs):
    raise RuntimeError(BOOM)


@pytest.mark.parametrize("target, path", [
    ("search", "/api/search?q=back"), ("related", f"/api/related?url={SCIATICA}"),
    ("live", "/healthz"), ("live", "/api/index"), ("search", "/search?q=back"),
])
def test_unexpected_errors_leak_no_trace_or_path(client, monkeypatch, target, path) -> None:
    replacement = property(_explode) if target == "live" else _explode
    monkeypatch.setattr(Service, target, replacement)
    resp = client.get(path)
    assert resp.status_code == 500
    text = resp.get_data(as_text=True)
    for leak in ("Traceback", "/work/", ".py", "exploded", "RuntimeError"):
        assert leak not in text, leak
    if path.startswith(("/api/", "/healthz")):
        assert _error(resp, 500) == "internal error"
    else:
        assert resp.mimetype == "text/html"


def test_5xx_messages_name_no_filesystem_path(settings) -> None:
    client = create_app(settings, embedder=FakeEmbedder()).test_client()
    assert settings.index_dir.is_absolute()
    message = _error(client.get("/healthz"), 503)
    assert "relatedposts build" in message and str(settings.index_dir.parent) not in message


def _assert_security_headers(resp, html: bool) -> None:
    csp = resp.headers["Content-Security-Policy"]
    assert ("script-src 'self'" in csp) if html else csp == DEFAULT_CSP
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"]


@pytest.mark.parametrize("path, method, status", [
    ("/api/search?q=back", "get", 200), ("/api/search?q=", "get", 400), ("/nope", "get", 404),
    ("/api/nope", "get", 404), ("/healthz", "post", 405), ("/widget.js", "get", 200),
    ("/api/search?q=" + "x" * 17000, "get", 414), ("/search?q=back", "get", 200),
    ("/search?q=back&limit=0", "get", 400), ("/demo?url=https://x.example/", "get", 404),
])
def test_security_headers_on_every_response(client, path, method, status) -> None:
    resp = getattr(client, method)(path)
    assert resp.status_code == status
    _assert_security_headers(resp, html=resp.mimetype == "text/html")


def test_cors_headers_on_error_responses_only_for_configured_origins(built) -> None:
    app = create_app(built.replace(cors_origins=(BLOG,), rate_limit="1/minute"),
                     embedder=FakeEmbedder())
    client = app.test_client()

    def get(path: str, origin: str, ip: str):
        return client.get(path, headers={"Origin": origin}, environ_base={"REMOTE_ADDR": ip})

    for origin, ip in ((BLOG, "10.0.0.1"), ("https://evil.example", "10.0.0.2")):
        statuses = [get(path, origin, ip) for path in (
            "/api/search?q=", "/api/nope", "/api/search?q=back", "/api/search?q=back")]
        assert [r.status_code for r in statuses] == [400, 404, 200, 429]
        for resp in statuses:
            assert resp.headers.get("Access-Control-Allow-Origin") == (
                BLOG if origin == BLOG else None)
            assert "Origin" in resp.vary


def _limited_client(built, limit: str = "3/minute"):
    app = create_app(built.replace(rate_limit=limit), embedder=FakeEmbedder())
    return app.test_client()


def test_search_limit_answers_429_with_retry_after_and_spares_lookups(built) -> None:
    client = _limited_client(built)
    for path in ("/api/search?q=back", "/search?q=back", "/api/search?q=neck"):
        assert client.get(path).status_code == 200  # one budget for both searches
    assert client.get("/api/search?q=").status_code == 400  # no search run: not counted
    resp = client.get("/api/search?q=back")
    assert "too many searches" in _error(resp, 429)
    assert 1 <= int(resp.headers["Retry-After"]) <= 61
    _assert_security_headers(resp, html=False)
    page = client.get("/search?q=back")
    assert page.status_code == 429 and page.mimetype == "text/html"
    assert int(page.headers["Retry-After"]) >= 1
    for path in (f"/api/related?url={SCIATICA}", "/api/index", "/healthz", "/widget.js",
                 "/search", "/demo"):
        assert {client.get(path).status_code for _ in range(10)} == {200}, path


def test_search_limit_counts_per_client(built) -> None:
    client = _limited_client(built, "2/minute")
    for _ in range(2):
        assert client.get("/api/search?q=back").status_code == 200
    assert client.get("/api/search?q=back").status_code == 429
    other = {"REMOTE_ADDR": "10.1.2.3"}
    assert client.get("/api/search?q=back", environ_base=other).status_code == 200


def test_rate_limit_can_be_disabled_and_is_validated(built) -> None:
    client = _limited_client(built, "")
    assert {client.get("/api/search?q=back").status_code for _ in range(30)} == {200}
    with pytest.raises(ConfigError, match="RELATEDPOSTS_RATE_LIMIT="):
        _limited_client(built, "lots")
    with pytest.raises(ConfigError, match="RELATEDPOSTS_RATE_LIMIT_STORAGE="):
        create_app(built.replace(rate_limit="5/minute", rate_limit_storage="bogus://x"),
                   embedder=FakeEmbedder())
