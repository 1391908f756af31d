"""Security cases not covered elsewhere: crawler targets, stored links, escaping, admin auth.

tests/test_crawl.py already shows robots.txt Disallow never fetched, oversized pages dropped,
a redirect loop bounded, file:// and cross-host redirects and DNS rebinding to loopback
refused; tests/test_reload.py shows admin 401 without the token and 404 when it is unset.
"""

from __future__ import annotations

import io
import json
import socket
from collections.abc import Iterator

import pytest
import requests

from relatedposts.errors import FetchError
from relatedposts.indexing.build import build_index
from relatedposts.indexing.embedders import FakeEmbedder
from relatedposts.ingest import fetch as fetch_mod
from relatedposts.ingest.crawl import scrape
from relatedposts.ingest.extract import extract
from relatedposts.ingest.fetch import Fetcher
from relatedposts.models import Article, Section
from relatedposts.urls import host_of
from relatedposts.web.app import create_app
from tests.localsite import LocalSite, Page, article_page, sitemap
from tests.support import TINY, TOKEN

PUBLIC = "blog.example"  # the configured site: elsewhere (never resolved in these tests)


@pytest.fixture
def recorder() -> Iterator[LocalSite]:
    """A listener on 127.0.0.1 that records every hit: forbidden targets point here."""
    with LocalSite() as s:
        yield s


class PublicSite(requests.Session):
    """A requests session that answers for http://blog.example itself, from memory.

    Requests to any other host go out for real, so a forbidden one would reach the recorder.
    """

    def __init__(self, pages: dict[str, tuple[int, dict[str, str], bytes]] | None = None):
        super().__init__()
        self.pages = pages if pages is not None else {}

    def get(self, url, **kwargs):
        """Answer for blog.example from self.pages; send anything else out for real."""
        if host_of(url) != PUBLIC:
            return super().get(url, **kwargs)
        path = url.split(PUBLIC, 1)[1] or "/"
        status, headers, body = self.pages.get(path, (404, {}, b"not found"))
        resp = requests.Response()
        resp.status_code, resp.url, resp.raw = status, url, io.BytesIO(body)
        resp.headers.update({"Content-Type": "text/html", **headers})
        return resp


def forbidden_targets(recorder: LocalSite) -> list[str]:
    """Addresses the crawler of blog.example must never request."""
    port = recorder.base.rsplit(":", 1)[1]
    return [f"{recorder.base}/secret", f"http://localhost:{port}/secret",
            f"http://[::1]:{port}/secret", f"http://2130706433:{port}/secret",
            "http://169.254.169.254/latest/meta-data/", "file:///etc/passwd", "http://[::1"]


def test_redirects_to_loopback_link_local_and_files_are_refused(settings, recorder) -> None:
    session = PublicSite()
    fetcher = Fetcher(settings, {PUBLIC}, session=session)
    for i, target in enumerate(forbidden_targets(recorder)[:-1]):  # not "http://[::1":
        session.pages[f"/go{i}"] = (302, {"Location": target}, b"")  # requests refuses it
        with pytest.raises(FetchError, match="refused"):
            fetcher.get(f"http://{PUBLIC}/go{i}")
    assert recorder.hits == []


def test_sitemap_entries_off_the_site_are_never_fetched(settings, recorder,
                                                       monkeypatch) -> None:
    targets = forbidden_targets(recorder)
    page = article_page("Safe walking", "Walking keeps the spine healthy. " * 10,
                        f"http://{PUBLIC}/ok.html")
    pages = {"/sitemap.xml": (200, {"Content-Type": "application/xml"}, (
        sitemap("", [*targets, f"http://{PUBLIC}/ok.html"]))), "/ok.html": (200, {}, page)}
    monkeypatch.setattr(fetch_mod.requests, "Session", lambda: PublicSite(pages))
    report = scrape([f"http://{PUBLIC}/sitemap.xml"], settings)
    assert [a.title for a in report.articles] == ["Safe walking"]
    refused = {f.url for f in report.failures if f.reason.startswith("refused")}
    assert refused == set(targets)
    assert recorder.hits == []


@pytest.mark.parametrize("address", ["169.254.169.254", "127.0.0.1", "10.0.0.7", "::1"])
def test_own_host_resolving_to_an_internal_address_is_refused(settings, monkeypatch,
                                                             address: str) -> None:
    session = PublicSite()
    fetcher = Fetcher(settings, {PUBLIC}, session=session)  # resolves to nothing yet
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, *a, **k: [
        (family, socket.SOCK_STREAM, 6, "", (address, 0))])
    calls = []
    monkeypatch.setattr(session, "get", lambda url, **kw: calls.append(url))
    with pytest.raises(FetchError, match="private or loopback"):
        fetcher.get(f"http://{PUBLIC}/blog/x.html")
    assert calls == []


def test_redirect_into_a_robots_disallowed_path_is_not_followed(settings) -> None:
    with LocalSite() as site:
        site.pages["/robots.txt"] = Page(b"User-agent: *\nDisallow: /private/\n",
                                         content_type="text/plain")
        site.pages["/open"] = Page(status=302, headers={"Location": "/private/x.html"})
        with pytest.raises(FetchError, match="robots.txt"):
            Fetcher(settings, {site.base}).get(site.base + "/open")
        assert "/private/x.html" not in site.paths()


PAGE = "https://clinic.example/blog/x/"


def _page(canonical: str = "", og_url: str = "", og_image: str = "", img: str = "") -> str:
    head = (f'<link rel="canonical" href="{canonical}">' if canonical else "") + \
        (f'<meta property="og:url" content="{og_url}">' if og_url else "") + \
        (f'<meta property="og:image" content="{og_image}">' if og_image else "")
    body = "Gentle stretching helps a stiff back recover. " * 12
    pic = f'<img src="{img}" alt="">' if img else ""
    return (f"<html><head><title>Stretching</title>{head}</head><body><article>"
            f"<h1>Stretching</h1>{pic}<p>{body}</p></article></body></html>")


@pytest.mark.parametrize("canonical, og_url, expected", [
    ("javascript:alert(1)", "", PAGE), ("file:///etc/passwd", "", PAGE),
    ("https://evil.example/blog/x/", "", PAGE), ("http://[::1", "", PAGE),
    ("data:text/html,hi", "https://clinic.example/blog/y/", "https://clinic.example/blog/y/"),
    ("https://www.clinic.example/blog/y/", "", PAGE),  # another host: not the page's origin
    ("/blog/x/?utm=1", "", "https://clinic.example/blog/x/?utm=1"),
    ("http://clinic.example/blog/x/", "", PAGE),  # another scheme: not the page's origin
    ("https://evil.example\\@clinic.example/blog/x/", "", PAGE),  # the backslash trick
    ("https://clinic.example:8443/blog/x/", "", PAGE),  # another port
])
def test_stored_article_url_is_http_on_the_pages_own_origin(canonical, og_url, expected) -> None:
    assert extract(_page(canonical, og_url), PAGE).url == expected


@pytest.mark.parametrize("og_image, img, expected", [
    ("javascript:alert(1)", "", None), ("file:///etc/passwd", "", None),
    ("data:image/png;base64,AAAA", "", None), ("javascript:alert(1)", "javascript:x()", None),
    ("javascript:alert(1)", "/img/a.jpg", "https://clinic.example/img/a.jpg"),
    ("https://cdn.example/a.jpg", "", None),  # stored images stay on the page's origin
    ("https://evil.example\\@clinic.example/a.jpg", "", None),
    ("/img/b.jpg", "", "https://clinic.example/img/b.jpg"),
    ("", "http://[::1", None),
])
def test_stored_image_is_http_on_the_pages_own_origin(og_image, img, expected) -> None:
    assert extract(_page(PAGE, "", og_image, img), PAGE).image == expected


def test_scraped_records_hold_only_web_links_and_a_bad_redirect_skips_one_page(settings) -> None:
    with LocalSite() as site:
        evil = _page("file:///etc/passwd", "", "javascript:alert(1)")
        site.pages["/a.html"] = Page(evil.encode())
        site.pages["/b.html"] = Page(status=302, headers={"Location": "http://[::1"})
        site.pages["/sitemap.xml"] = Page(sitemap(site.base, ["/a.html", "/b.html"]))
        report = scrape([f"{site.base}/sitemap.xml"], settings)
    records = [json.loads(p.read_text()) for p in settings.corpus_dir.glob("*.json")]
    assert [(r["url"], r["image"]) for r in records] == [(f"{site.base}/a.html", None)]
    assert [f.reason for f in report.failures] == [
        f"refused: malformed address or redirect from {site.base}/b.html"]


EVIL = Article(url="https://clinic.example/blog/evil/", title="<script>alert(1)</script> Back",
               sections=(Section("", "<script>alert(2)</script> back pain payload here. " * 4),),
               date="2026-01-01", summary="<img src=x onerror=alert(3)>", image=None)


def test_json_api_snippets_are_escaped_and_titles_are_plain_json(settings) -> None:
    build_index([*TINY, EVIL], FakeEmbedder(), settings)
    client = create_app(settings, embedder=FakeEmbedder()).test_client()
    resp = client.get("/api/search", query_string={"q": "<script>payload back pain"})
    assert resp.mimetype == "application/json"
    hit = next(r for r in resp.get_json()["results"] if r["url"] == EVIL.url)
    plain = hit["snippet"].replace("<mark>", "").replace("</mark>", "")
    assert "&lt;script&gt;alert(2)" in plain and "<" not in plain
    assert hit["title"] == EVIL.title  # data, not markup: the widget sets it as textContent
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    related = client.get(f"/api/related?url={TINY[3].url}&limit=10")
    assert related.mimetype == "application/json"
    assert related.headers["X-Content-Type-Options"] == "nosniff"
    # The payload article is listed (every other post fits in 10) as data, unchanged.
    evil = next(r for r in related.get_json()["results"] if r["url"] == EVIL.url)
    assert (evil["title"], evil["summary"]) == (EVIL.title, EVIL.summary)


@pytest.mark.parametrize("header", [
    f"Basic {TOKEN}", "Bearer", "Bearer ", f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}",
    f"Token {TOKEN}", f"{TOKEN} Bearer"])
def test_admin_refuses_anything_but_the_exact_bearer_token(built, header: str) -> None:
    client = create_app(built.replace(admin_token=TOKEN), embedder=FakeEmbedder()).test_client()
    assert client.post("/admin/reload", headers={"Authorization": header}).status_code == 401
    assert client.post(f"/admin/reload?token={TOKEN}").status_code == 401
    assert client.post("/admin/reload", headers={
        "Authorization": f"bearer {TOKEN}"}).status_code == 200
