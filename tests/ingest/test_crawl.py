"""The polite, safe crawler against a local site that records every request."""

from __future__ import annotations

import json
import re
import socket
import time

import pytest

from relatedposts.errors import FetchError
from relatedposts.ingest.crawl import scrape
from relatedposts.ingest.fetch import MAX_REDIRECTS, Fetcher
from tests.localsite import Page, article_page, publish_tiny, sitemap


def _records(settings) -> dict[str, dict]:
    return {p.name: json.loads(p.read_text()) for p in settings.corpus_dir.glob("*.json")}


def _mtimes(settings) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in settings.corpus_dir.glob("*.json")}


def test_robots_disallowed_pages_are_never_fetched(settings, site) -> None:
    site.pages["/robots.txt"] = Page(b"User-agent: *\nDisallow: /private/\n",
                                     content_type="text/plain")
    publish_tiny(site)
    site.pages["/sitemap.xml"] = Page(sitemap(site.base, ["/blog/neck.html", "/private/x.html"]))
    site.pages["/private/x.html"] = Page(article_page("Secret", "Do not fetch me. " * 20, "x"))
    report = scrape([f"{site.base}/sitemap.xml"], settings)
    assert [a.title for a in report.articles] == ["Neck pain at the desk"]
    assert [(f.url, f.reason) for f in report.failures] == [
        (f"{site.base}/private/x.html", "refused: disallowed by robots.txt")]
    assert "/private/x.html" not in site.paths()


def test_redirects_to_other_hosts_or_schemes_are_refused(settings, site) -> None:
    site.pages["/moved"] = Page(status=301, headers={"Location": "https://example.com/blog/"})
    site.pages["/inside"] = Page(status=302, headers={"Location": "http://10.0.0.1/admin"})
    site.pages["/file"] = Page(status=302, headers={"Location": "file:///etc/passwd"})
    fetcher = Fetcher(settings, {site.base})
    for path, reason in [("/moved", "example.com is not the site's own origin"),
                         ("/inside", "10.0.0.1 is not the site's own origin"),
                         ("/file", "scheme 'file' is not http(s)")]:
        with pytest.raises(FetchError, match=re.escape(reason)):
            fetcher.get(site.base + path)
    assert site.paths() == ["/robots.txt", "/moved", "/inside", "/file"]


def test_allowed_host_that_turns_private_is_refused(settings, site, monkeypatch) -> None:
    """DNS rebinding: the site's name resolved to a public address, now to loopback."""
    real = socket.getaddrinfo
    answers = {"blog.example": "93.184.216.34"}

    def fake(host, *args, **kwargs):
        if host in answers:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[host], 0))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    port = site.base.rsplit(":", 1)[1]
    fetcher = Fetcher(settings, {site.base, f"http://blog.example:{port}"})
    answers["blog.example"] = "127.0.0.1"
    site.pages["/go"] = Page(status=302, headers={"Location": f"http://blog.example:{port}/x"})
    with pytest.raises(FetchError, match="blog.example resolves to a private or loopback"):
        fetcher.get(site.base + "/go")
    assert "/x" not in site.paths()


def test_redirect_loop_is_bounded(settings, site) -> None:
    site.pages["/loop"] = Page(status=302, headers={"Location": "/loop"})
    with pytest.raises(FetchError, match="too many redirects"):
        Fetcher(settings, {site.base}).get(site.base + "/loop")
    assert site.paths().count("/loop") == MAX_REDIRECTS + 1


@pytest.mark.parametrize("send_length", [True, False])
def test_oversized_page_is_dropped(settings, site, send_length: bool) -> None:
    site.pages["/big.html"] = Page(article_page("Big", "word " * 20_000, "x"),
                                   send_length=send_length)
    small = settings.replace(fetch_max_page_bytes=20_000)
    report = scrape([f"{site.base}/big.html"], small)
    assert report.articles == [] and not _records(small)
    reason = report.failures[0].reason
    assert reason.startswith("page too large") and "20000" in reason


def test_429_with_retry_after_is_retried_then_succeeds(settings, site) -> None:
    ok = Page(article_page("Patience", "Waiting is part of healing. " * 12, "x"))
    busy = Page(b"slow down", 429, "text/plain", headers={"Retry-After": "1"})
    site.pages["/p.html"] = lambda n: busy if n == 0 else ok
    report = scrape([f"{site.base}/p.html"], settings)
    assert [a.title for a in report.articles] == ["Patience"]
    hits = [h for h in site.hits if h.path == "/p.html"]
    assert [h.status for h in hits] == [429, 200]
    assert hits[1].start - hits[0].end >= 0.9  # Retry-After was honoured


def test_retries_are_few_then_the_page_is_skipped(settings, site) -> None:
    site.pages["/down.html"] = Page(b"down", 503, "text/plain", headers={"Retry-After": "0"})
    report = scrape([f"{site.base}/down.html"], settings)
    assert report.failures[0].reason == "HTTP 503"
    assert site.paths().count("/down.html") == settings.retry_max + 1


def test_concurrency_is_bounded(settings, site) -> None:
    paths = [f"/p{i}.html" for i in range(8)]
    for p in paths:
        site.pages[p] = Page(article_page(p, "Slow pages take a while to load. " * 10, "x"),
                             delay=0.3)
    scrape([site.base + p for p in paths], settings.replace(crawl_concurrency=2))
    assert site.max_in_flight == 2


def test_crawl_delay_spaces_requests(settings, site) -> None:
    paths = [f"/p{i}.html" for i in range(4)]
    for p in paths:
        site.pages[p] = Page(article_page(p, "Gentle crawling keeps servers happy. " * 10, "x"))
    scrape([site.base + p for p in paths], settings.replace(crawl_delay=0.25,
                                                            crawl_concurrency=4))
    starts = sorted(h.start for h in site.hits if h.path in paths)
    assert len(starts) == 4
    assert min(b - a for a, b in zip(starts, starts[1:], strict=False)) >= 0.2


@pytest.mark.parametrize("validator", ["etag", "last_modified"])
def test_conditional_requests_skip_unchanged_pages(settings, site, validator: str) -> None:
    publish_tiny(site)
    for page in site.pages.values():
        if validator == "last_modified":
            page.etag = None
        else:
            page.last_modified = None
    first = scrape([f"{site.base}/sitemap.xml"], settings)
    assert len(first.articles) == 7
    before, site.hits[:] = _mtimes(settings), []
    time.sleep(0.01)
    second = scrape([f"{site.base}/sitemap.xml"], settings)
    assert (len(second.articles), second.unchanged) == (0, 7)
    pages = [h for h in site.hits if h.path.startswith("/blog/")]
    header = "If-None-Match" if validator == "etag" else "If-Modified-Since"
    assert all(header in h.headers for h in pages) and {h.status for h in pages} == {304}
    assert _mtimes(settings) == before  # no record rewritten


def test_records_of_an_older_extractor_are_fetched_again_despite_validators(settings,
                                                                           site) -> None:
    """Issue 25: a 304 must not keep a record whose lists an older extractor ran together."""
    publish_tiny(site)
    scrape([f"{site.base}/sitemap.xml"], settings)
    for path in settings.corpus_dir.glob("*.json"):  # as the extractor before lists wrote it
        record = json.loads(path.read_text("utf-8"))
        del record["extract_format"]
        path.write_text(json.dumps(record), "utf-8")
    site.hits[:] = []
    again = scrape([f"{site.base}/sitemap.xml"], settings)
    pages = [h for h in site.hits if h.path.startswith("/blog/")]
    assert pages and not any("If-None-Match" in h.headers for h in pages)
    assert (len(again.articles), again.unchanged) == (7, 0)  # same text: nothing re-embeds
    site.hits[:] = []
    third = scrape([f"{site.base}/sitemap.xml"], settings)
    assert third.unchanged == 7 and {h.status for h in site.hits if h.path.startswith(
        "/blog/")} == {304}


def test_changed_pages_are_refetched_and_same_bodies_not_rewritten(settings, site) -> None:
    publish_tiny(site)
    for page in site.pages.values():  # a server that ignores conditional requests
        page.etag = page.last_modified = None
    scrape([f"{site.base}/sitemap.xml"], settings)
    before = _mtimes(settings)
    neck = site.pages["/blog/neck.html"]
    neck.body = neck.body.replace(b"Neck pain from", b"Stiff neck pain from")
    report = scrape([f"{site.base}/sitemap.xml"], settings)
    assert ([a.title for a in report.articles], report.unchanged) == (
        ["Neck pain at the desk"], 6)
    after = _mtimes(settings)
    changed = [name for name in after if after[name] != before[name]]
    assert len(changed) == 1 and changed[0].startswith("neck")


def test_pages_that_now_404_are_pruned_but_failing_ones_kept(settings, site) -> None:
    publish_tiny(site)
    scrape([f"{site.base}/sitemap.xml"], settings)
    site.pages["/blog/neck.html"] = Page(b"gone", 404, "text/plain")
    site.pages["/blog/sleep.html"] = Page(b"oops", 500, "text/plain")
    report = scrape([f"{site.base}/sitemap.xml"], settings, prune=True)
    assert report.removed == 1
    titles = {r["title"] for r in _records(settings).values()}
    assert "Neck pain at the desk" not in titles and "Sleeping positions for your spine" in titles


def test_prune_is_skipped_when_the_sitemap_cannot_be_read(settings, site) -> None:
    publish_tiny(site)
    scrape([f"{site.base}/sitemap.xml"], settings)
    site.pages["/sitemap.xml"] = Page(b"down", 500, "text/plain")
    report = scrape([f"{site.base}/sitemap.xml"], settings, prune=True)
    assert report.removed == 0 and "could not be read" in report.prune_skipped
    assert len(_records(settings)) == 7


def test_robots_txt_server_error_means_crawl_nothing(settings, site) -> None:
    site.pages["/robots.txt"] = Page(b"oops", 503, "text/plain")
    publish_tiny(site)
    report = scrape([f"{site.base}/blog/neck.html"], settings)
    assert [f.reason for f in report.failures] == [
        "refused: disallowed by robots.txt (robots.txt answered HTTP 503)"]
    assert site.paths() == ["/robots.txt"]


TEXT = "Gentle walking helps most people with back pain recover sooner. "


def test_a_canonical_naming_a_page_outside_the_crawl_is_not_trusted(settings, site) -> None:
    # /pricing.html exists but is not in this crawl: /pills.html may not speak for it.
    site.pages["/pills.html"] = Page(article_page("Buy pills", TEXT, "/pricing.html"))
    site.pages["/a.html"] = Page(article_page("Walking", TEXT, "/a.html"))
    # a canonical naming the page a redirect ended on, or another page of the crawl, holds
    site.pages["/old.html"] = Page(status=301, headers={"Location": "/new.html"})
    site.pages["/new.html"] = Page(article_page("Moved", TEXT, "/new.html"))
    site.pages["/a-print.html"] = Page(article_page("Walking (print)", TEXT, "/a.html"))
    site.pages["/sitemap.xml"] = Page(sitemap(site.base, ["/pills.html", "/a.html", "/old.html",
                                                          "/a-print.html"]))
    report = scrape([f"{site.base}/sitemap.xml"], settings)
    urls = {a.title: a.url for a in report.articles}
    assert urls == {"Buy pills": f"{site.base}/pills.html", "Walking": f"{site.base}/a.html",
                    "Moved": f"{site.base}/new.html"}
    assert [d.url for d in report.duplicates] == [f"{site.base}/a-print.html"]
    assert any("not a page of this crawl" in w.reason for w in report.warnings)
    assert "/pricing.html" not in site.paths()  # not fetched to find out
    assert f"{site.base}/pricing.html" not in {r["url"] for r in _records(settings).values()}
