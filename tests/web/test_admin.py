"""POST /admin/ingest: one article published (or removed) live, and the hostile calls."""

from __future__ import annotations

import json
import threading
import time
from urllib.parse import quote

import pytest
import requests

from relatedposts.indexing import index as idx
from relatedposts.indexing.build import build_index
from relatedposts.indexing.embedders import FakeEmbedder
from relatedposts.indexing.versions import VersionStore
from relatedposts.ingest.crawl import scrape
from relatedposts.web.app import create_app
from tests.localsite import Page, article_page, publish_tiny
from tests.support import AUTH, TOKEN, json_error, serve_wsgi

NEW_TITLE = "Sleeping on your side with sciatica"
NEW_TEXT = "Sciatica leg pain at night eases with a pillow between the knees when sleeping."


@pytest.fixture
def served(site, settings):
    """The local site scraped and built without its sleep post; the app with the token."""
    publish_tiny(site, skip=("sleep",))
    settings = settings.replace(site=(site.base + "/sitemap.xml",), admin_token=TOKEN)
    build_index(scrape(settings.site, settings).articles, FakeEmbedder(), settings)
    app = create_app(settings, embedder=FakeEmbedder())
    site.pages["/blog/new.html"] = Page(article_page(NEW_TITLE, NEW_TEXT,
                                                     site.base + "/blog/new.html"))
    return app, app.test_client(), settings


def post(client, body, headers=AUTH):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post("/admin/ingest", data=data, headers=headers,
                       content_type="application/json")


def test_a_published_post_enters_older_posts_blocks_at_once(served, site) -> None:
    app, client, settings = served
    new = site.base + "/blog/new.html"
    resp = post(client, {"url": new})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    body = resp.get_json()
    assert body["status"] == "ok" and body["published"] is True and new in body["changed"]
    assert VersionStore(settings.index_dir).current_name() == body["version"]
    older = [u for u in body["changed"] if u != new]
    assert older  # reverse relations: older posts now recommend it
    html = client.get(f"/fragment/related?url={quote(older[0])}&limit=20").get_data(True)
    assert f'href="{new}"' in html
    assert client.get(f"/api/related?url={quote(new)}").status_code == 200
    again = post(client, {"url": new}).get_json()  # idempotent: no second version
    assert again["published"] is False and again["version"] == body["version"]
    assert again["changed"] == []


def test_unpublish_removes_the_post_from_every_list(served, site) -> None:
    app, client, settings = served
    new = site.base + "/blog/new.html"
    post(client, {"url": new})
    gone = post(client, {"url": new, "remove": True})
    assert gone.status_code == 200 and gone.get_json()["published"] is True
    data = idx.load(VersionStore(settings.index_dir).current())
    assert new not in [a.url for a in data.articles]
    assert client.get(f"/fragment/related?url={quote(new)}").status_code == 404
    for a in data.articles:
        html = client.get(f"/fragment/related?url={quote(a.url)}&limit=20").get_data(True)
        assert new not in html


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"},
                                     {"Authorization": f"Basic {TOKEN}"}])
def test_without_the_token_it_is_401_and_nothing_changes(served, site, headers) -> None:
    app, client, settings = served
    before = VersionStore(settings.index_dir).current_name()
    json_error(post(client, {"url": site.base + "/blog/new.html"}, headers), 401)
    assert VersionStore(settings.index_dir).current_name() == before
    assert [h for h in site.hits if h.path == "/blog/new.html"] == []


def test_another_sites_url_and_malformed_bodies_are_400(served, site) -> None:
    app, client, settings = served
    message = json_error(post(client, {"url": "https://evil.example/blog/x/"}), 400)
    assert "evil.example" in message and "only URLs of this site" in message
    for body in ("not json", "[1]", {"remove": True}, {"url": 5}, {"url": " "},
                 {"url": site.base + "/x", "remove": "yes"}, {"url": site.base, "extra": 1},
                 {"url": "javascript:alert(1)"}, {"url": "x" * 3000}):
        json_error(post(client, body), 400)
    assert client.get("/admin/ingest", headers=AUTH).status_code == 405


def test_a_page_that_cannot_be_fetched_is_a_clear_error(served, site) -> None:
    app, client, settings = served
    message = json_error(post(client, {"url": site.base + "/blog/missing.html"}), 502)
    assert "404" in message


def test_admin_off_hides_the_route(settings, built) -> None:
    client = create_app(built, embedder=FakeEmbedder()).test_client()
    assert client.post("/admin/ingest", json={"url": "x"}).status_code == 404


def test_a_hook_storm_of_100_publishes_loses_none(served, site) -> None:
    app, client, settings = served
    urls = []
    for i in range(100):
        path = f"/blog/storm-{i}.html"
        site.pages[path] = Page(article_page(f"Storm post {i} about back pain",
                                             f"Post {i} covers back pain and posture {i}.",
                                             site.base + path))
        urls.append(site.base + path)
    answers: list[int] = []
    with serve_wsgi(app) as base:
        def call(url: str) -> None:
            r = requests.post(base + "/admin/ingest", json={"url": url}, headers=AUTH,
                              timeout=60)
            answers.append(r.status_code)

        threads = [threading.Thread(target=call, args=(u,)) for u in urls]
        t0 = time.monotonic()
        for t in threads:  # 100 calls spread over about 10 s, as a CMS hook storm would
            t.start()
            time.sleep(0.1)
        for t in threads:
            t.join(90)
        elapsed = time.monotonic() - t0
    assert answers == [200] * 100 and elapsed < 60
    data = idx.load(VersionStore(settings.index_dir).current())
    assert set(urls) <= {a.url for a in data.articles}
