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


def test_a_30000_token_draft_is_a_quick_clear_400_and_embeds_nothing(settings) -> None:
    import time

    from tests.support import CountingEmbedder

    s = settings.replace(admin_token=TOKEN)
    build_index(TINY, FakeEmbedder(), s)
    embedder = CountingEmbedder()
    client = create_app(s, embedder=embedder).test_client()
    auth = {"Authorization": f"Bearer {TOKEN}"}
    started = time.perf_counter()
    resp = client.post("/admin/draft", json={"title": "Long", "text": "a " * 29_999 + "a"},
                       headers=auth)
    assert time.perf_counter() - started < 1.0
    assert resp.status_code == 400 and embedder.calls == 0
    assert f"at most {s.draft_max_words} words" in resp.get_json()["error"]["message"]
    form = client.post("/admin/draft", data={"title": "Long", "text": "a " * 29_999},
                       headers=auth)
    assert form.status_code == 400 and b"words" in form.data
    at_cap = " ".join(["sciatica"] * s.draft_max_words)
    ok = client.post("/admin/draft", json={"title": "At the cap", "text": at_cap}, headers=auth)
    assert ok.status_code == 200 and ok.get_json()["words"] == s.draft_max_words
