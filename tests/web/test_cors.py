"""CORS: configured origins only, preflight, origins from the environment."""

from __future__ import annotations

import pytest

from relatedposts.config import Settings
from relatedposts.indexing.embedders import FakeEmbedder
from relatedposts.web.app import create_app
from relatedposts.web.cors import allowed_origins
from tests.support import BLOG, SCIATICA


@pytest.fixture
def cors_client(built: Settings):
    """A client for an app that allows two blog origins."""
    app = create_app(built.replace(cors_origins=(BLOG + "/", "https://other.example")),
                     embedder=FakeEmbedder())
    return app.test_client()


def test_cors_allows_configured_origins_only(cors_client) -> None:
    ok = cors_client.get(f"/api/related?url={SCIATICA}", headers={"Origin": BLOG})
    assert ok.status_code == 200 and ok.headers["Access-Control-Allow-Origin"] == BLOG
    assert "Origin" in ok.headers["Vary"]
    bad = cors_client.get(f"/api/related?url={SCIATICA}", headers={"Origin": "https://evil.example"})
    assert bad.status_code == 200 and "Access-Control-Allow-Origin" not in bad.headers
    assert "Origin" in bad.headers["Vary"]
    missing = cors_client.get("/api/related?url=https://x.example/", headers={"Origin": BLOG})
    assert missing.status_code == 404 and missing.headers["Access-Control-Allow-Origin"] == BLOG
    page = cors_client.get("/search?q=back", headers={"Origin": BLOG})
    assert "Access-Control-Allow-Origin" not in page.headers


def test_cors_preflight(cors_client) -> None:
    headers = {"Origin": BLOG, "Access-Control-Request-Method": "GET"}
    ok = cors_client.options("/api/search?q=back", headers=headers)
    assert ok.status_code == 204 and ok.headers["Access-Control-Allow-Origin"] == BLOG
    assert "GET" in ok.headers["Access-Control-Allow-Methods"]
    bad = cors_client.options("/api/search", headers={**headers, "Origin": "https://evil.example"})
    assert bad.status_code == 403 and "Access-Control-Allow-Origin" not in bad.headers


def test_cors_origins_come_from_the_environment() -> None:
    settings = Settings.from_env({"RELATEDPOSTS_CORS_ORIGINS": "https://A.example/, https://b.example"})
    assert allowed_origins(settings.cors_origins) == {"https://a.example", "https://b.example"}
    assert allowed_origins(Settings().cors_origins) == frozenset()


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
