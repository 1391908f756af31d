"""Error responses: unexpected errors leak no trace or filesystem path."""

from __future__ import annotations

import pytest

from relatedposts.indexing.embedders import FakeEmbedder
from relatedposts.live.service import Service
from relatedposts.web.app import create_app
from tests.support import SCIATICA, json_error

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
        assert json_error(resp, 500) == "internal error"
    else:
        assert resp.mimetype == "text/html"


def test_5xx_messages_name_no_filesystem_path(settings) -> None:
    client = create_app(settings, embedder=FakeEmbedder()).test_client()
    assert settings.index_dir.is_absolute()
    message = json_error(client.get("/healthz"), 503)
    assert "relatedposts build" in message and str(settings.index_dir.parent) not in message
