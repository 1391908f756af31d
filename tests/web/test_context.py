"""Many sites in one app: each request answered from its own site's index, per-site CORS,
tokens and overrides, lazy loading within the LRU bound.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from relatedposts.config import Settings
from relatedposts.indexing.build import build_index
from relatedposts.indexing.embedders import FakeEmbedder
from relatedposts.indexing.versions import current_version
from relatedposts.sites import settings_for
from relatedposts.web.app import create_app
from relatedposts.web.context import get_registry
from tests.support import OTHER, SUMMIT, TOKEN_A, TOKEN_B, summit_articles


def _client(settings: Settings, **changes):
    app = create_app(settings.replace(**changes), embedder=FakeEmbedder())
    app.config["TESTING"] = True
    return app.test_client()


def test_one_app_hosts_two_sites_each_answering_from_its_own_index(multi) -> None:
    client = _client(multi)
    for site, host in (("summit", SUMMIT), ("other", OTHER)):
        body = client.get(f"/api/search?site={site}&q=leg+pain&limit=50").get_json()
        assert body["results"] and all(r["url"].startswith(host) for r in body["results"])
        url = f"{host}/blog/sciatica/"
        rel = client.get("/api/related", query_string={"site": site, "url": url}).get_json()
        assert rel["results"] and all(r["url"].startswith(host) for r in rel["results"])
        assert client.get(f"/api/index?site={site}").get_json()["articles"] == (
            7 if site == "summit" else 5)
    # An article of one site is unknown to the other: no answer mixes sites.
    resp = client.get("/api/related", query_string={"site": "other",
                                                    "url": f"{SUMMIT}/blog/sleep/"})
    assert resp.status_code == 404


@pytest.mark.parametrize("query", ["site=nope", "site=..%2Fsummit", "site=summit%00",
                                   "site=SUMMIT", "site=" + "a" * 500])
def test_an_unknown_site_is_a_json_404(multi, query) -> None:
    client = _client(multi)
    for path in ("/api/search?q=back&", "/api/related?url=x&", "/api/index?", "/healthz?"):
        resp = client.get(path + query)
        assert resp.status_code == 404, path
        err = resp.get_json()["error"]
        assert err["status"] == 404 and len(err["message"]) < 200
    assert client.get("/search?q=back&" + query).status_code == 404  # the HTML page too
    assert get_registry(client.application).loaded_names() == []  # nothing was loaded


def test_a_missing_site_is_a_400_and_healthz_sums_up(multi) -> None:
    client = _client(multi)
    resp = client.get("/api/search?q=back")
    assert resp.status_code == 400 and "'site' is required" in resp.get_json()["error"]["message"]
    assert client.get("/healthz").get_json() == {"status": "ok", "sites": 2, "loaded": 0}
    assert client.get("/healthz?site=other").get_json()["articles"] == 5
    assert client.get("/widget.js").status_code == 200  # one widget for every site


def test_cors_origins_are_per_site(multi) -> None:
    client = _client(multi)
    for site, origin, allowed in (("summit", SUMMIT, True), ("other", SUMMIT, False),
                                  ("other", OTHER, True), ("nope", OTHER, False)):
        resp = client.get(f"/api/search?site={site}&q=back", headers={"Origin": origin})
        assert (resp.headers.get("Access-Control-Allow-Origin") == origin) is allowed
        pre = client.options(f"/api/related?site={site}&url=x", headers={
            "Origin": origin, "Access-Control-Request-Method": "GET"})
        assert pre.status_code == (204 if allowed else 403)


def test_admin_tokens_are_per_site(multi) -> None:
    client = _client(multi)
    old = client.get("/api/index?site=summit").get_json()["version"]
    new = build_index(summit_articles()[:6], FakeEmbedder(),
                      settings_for(multi, "summit")).version_dir.name
    wrong = client.post("/admin/reload?site=summit", headers={"Authorization": f"Bearer {TOKEN_B}"})
    assert wrong.status_code == 401
    assert client.get("/api/index?site=summit").get_json()["version"] == old
    ok = client.post("/admin/reload?site=summit", headers={"Authorization": f"Bearer {TOKEN_A}"})
    assert ok.status_code == 200 and ok.get_json()["version"] == new
    assert client.get("/api/index?site=other").get_json()["articles"] == 5  # untouched


def test_sites_load_lazily_within_the_lru_bound(multi) -> None:
    client = _client(multi, max_loaded_sites=1)
    registry = get_registry(client.application)
    assert registry.loaded_names() == []
    assert client.get("/api/search?site=summit&q=back").status_code == 200
    assert registry.loaded_names() == ["summit"]
    body = client.get("/api/search?site=other&q=back&limit=50").get_json()
    assert registry.loaded_names() == ["other"]  # summit was evicted
    assert all(r["url"].startswith(OTHER) for r in body["results"])
    body = client.get("/api/search?site=summit&q=back&limit=50").get_json()
    assert all(r["url"].startswith(SUMMIT) for r in body["results"])


def test_indexes_of_a_sites_file_are_memory_mapped(multi) -> None:
    client = _client(multi)
    assert client.get("/api/search?site=summit&q=back").status_code == 200
    live = current_version(settings_for(multi, "summit").index_dir) / "chunks.faiss"
    maps = Path("/proc/self/maps").read_text()
    assert str(live.resolve()) in maps


def test_pages_keep_the_site_in_links_forms_and_the_widget(multi) -> None:
    client = _client(multi)
    page = client.get("/search?site=other&q=leg+pain&limit=1").get_data(as_text=True)
    assert '<input type="hidden" name="site" value="other">' in page
    assert "site=other" in page.split('rel="next"')[1][:200]
    assert SUMMIT not in page
    demo = client.get("/demo?site=summit").get_data(as_text=True)
    assert 'data-site="summit"' in demo
    assert "data-site" in client.get("/widget.js").get_data(as_text=True)


def test_single_site_pages_are_unchanged(client) -> None:
    page = client.get("/search?q=leg+pain&limit=1").get_data(as_text=True)
    assert 'name="site"' not in page and "site=" not in page
    assert "data-site" not in client.get("/demo").get_data(as_text=True)


def test_admin_needs_a_known_site_and_never_loads_one_unauthorized(multi) -> None:
    client = _client(multi)
    for query in ("", "?site=nope", "?site=../summit"):
        assert client.post("/admin/reload" + query,
                           headers={"Authorization": f"Bearer {TOKEN_A}"}).status_code == 404
    assert client.post("/admin/reload?site=summit").status_code == 401
    assert client.get("/admin/reload?site=summit").status_code == 405
    assert get_registry(client.application).loaded_names() == []


def test_a_site_without_an_index_answers_503_and_others_still_serve(tmp_path, settings) -> None:
    path = tmp_path / "s.toml"
    path.write_text("[sites.built]\n[sites.empty]\n", "utf-8")
    base = settings.replace(sites_file=path)
    build_index(summit_articles(), FakeEmbedder(), settings_for(base, "built"))
    client = _client(base)
    resp = client.get("/api/search?site=empty&q=back")
    assert resp.status_code == 503 and "relatedposts build" in resp.get_json()["error"]["message"]
    assert client.get("/api/search?site=built&q=back").status_code == 200


def test_overrides_are_per_site(tmp_path, settings) -> None:
    overrides = tmp_path / "overrides.json"
    base = settings.replace(sites_file=tmp_path / "s.toml", overrides_file=overrides)
    (tmp_path / "s.toml").write_text("[sites.summit]\n[sites.other]\n", "utf-8")
    hidden = f"{SUMMIT}/blog/stenosis/"
    (tmp_path / "overrides.summit.json").write_text(json.dumps({"exclude": [hidden]}), "utf-8")
    same_urls = summit_articles()  # both sites hold the same posts: only summit excludes one
    for name in ("summit", "other"):
        build_index(same_urls, FakeEmbedder(), settings_for(base, name))
    client = _client(base)
    shown = {name: {r["url"] for a in same_urls for r in client.get(
        "/api/related", query_string={"site": name, "url": a.url, "limit": 6}).get_json()[
        "results"]} for name in ("summit", "other")}
    assert hidden not in shown["summit"] and hidden in shown["other"]
