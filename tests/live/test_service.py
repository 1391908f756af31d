"""The Service: related lists memoized per article, limit and version; bad arrays refused."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from relatedposts.indexing.build import build_index
from relatedposts.indexing.embedders import FakeEmbedder
from relatedposts.indexing.versions import VersionStore, current_version
from relatedposts.live import service as service_mod
from relatedposts.live.service import Service
from relatedposts.web.app import create_app
from tests.support import TINY, spoil_related


def test_related_lists_are_built_once_per_article_and_limit(built, monkeypatch) -> None:
    service = Service(built)
    service.reload()
    _, five = service.related(TINY[0].url, 5)
    _, three = service.related(TINY[0].url, 3)
    assert [p.url for p in three] == [p.url for p in five][:3]
    calls: list[int] = []
    real = service_mod.related_posts
    monkeypatch.setattr(service_mod, "related_posts",
                        lambda data, pos, limit: calls.append(pos) or real(data, pos, limit))
    assert service.related(TINY[0].url, 5)[1] == five  # memoized: not rebuilt
    assert calls == []
    five.clear()  # a caller changing its list must not change the memo
    assert len(service.related(TINY[0].url, 5)[1]) == 5


def test_the_related_memo_is_bounded_and_belongs_to_one_version(built, monkeypatch) -> None:
    monkeypatch.setattr(service_mod, "RELATED_MEMO", 2)
    service = Service(built)
    service.reload()
    for article in TINY:
        service.related(article.url, 4)
        assert len(service.live.related_memo) <= 2
    build_index(TINY[1:], FakeEmbedder(), built)  # a new version without the first post
    service.reload()
    assert service.live.related_memo == {}  # the old version's lists are not served
    _, posts = service.related(TINY[1].url, 4)
    assert TINY[0].url not in {p.url for p in posts}


AUTH = {"Authorization": "Bearer t"}




@pytest.mark.parametrize("how", ["id_too_big", "nan", "self"])
def test_service_never_loads_a_version_with_bad_related_arrays(built, how: str) -> None:
    client = create_app(built.replace(admin_token="t"), embedder=FakeEmbedder()).test_client()
    old = client.get("/healthz").get_json()["version"]
    bad = built.index_dir / "versions" / "29990101T000000.000000Z"
    shutil.copytree(current_version(built.index_dir), bad)
    spoil_related(bad, how)
    VersionStore(built.index_dir).set_current(bad)
    assert client.post("/admin/reload", headers=AUTH).status_code == 503
    health = client.get("/healthz").get_json()
    assert health["version"] == old and health["reload_failed"] is True
    for article in TINY:
        resp = client.get(f"/api/related?url={article.url}")
        assert resp.status_code == 200
        json.loads(resp.get_data(as_text=True), parse_constant=_no_constants)


def _no_constants(name: str) -> None:
    raise AssertionError(f"{name} in a response")


def test_current_pointing_outside_the_store_keeps_the_last_good_version(built, tmp_path) -> None:
    service = Service(built, FakeEmbedder())
    assert service.try_reload()
    good = service.live.data.manifest.version
    elsewhere = tmp_path / "elsewhere"
    build_index(TINY[:3], FakeEmbedder(), built.replace(index_dir=elsewhere))
    (Path(built.index_dir) / "CURRENT").write_text(str(current_version(elsewhere)) + "\n")
    assert service.try_reload()  # still serving
    assert service.live.data.manifest.version == good
    assert "outside the version store" in (service.load_error or "")
    fresh = Service(built, FakeEmbedder())  # at start-up: the newest version in the store
    assert fresh.try_reload() and fresh.live.data.manifest.version == good
    assert "last good version" in (fresh.load_error or "")
