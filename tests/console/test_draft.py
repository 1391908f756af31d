"""Issue 24: hostile bodies on /api/events and /admin/draft get a 400 in the JSON shape."""

from __future__ import annotations

import pytest

from relatedposts.console.app import create_app
from relatedposts.indexing.build import build_index
from relatedposts.indexing.embedders import FakeEmbedder
from tests.support import TINY

TOKEN = "s3cret-editor-token"
DEEP = b"[" * 1020 + b"]" * 1020  # within /api/events' 2,048-byte cap


@pytest.fixture
def client(settings):
    s = settings.replace(admin_token=TOKEN)
    build_index(TINY, FakeEmbedder(), s)
    return create_app(s, embedder=FakeEmbedder()).test_client()


@pytest.mark.parametrize("path, headers", [
    ("/api/events", {}), ("/admin/draft", {"Authorization": f"Bearer {TOKEN}"})])
def test_deeply_nested_json_is_a_json_400(client, path, headers) -> None:
    resp = client.post(path, data=DEEP, headers={**headers, "Content-Type": "application/json"})
    assert resp.status_code == 400, resp.get_data()[:200]
    assert resp.get_json()["error"]["status"] == 400
