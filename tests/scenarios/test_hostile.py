"""Issue 11's hostile site, cases 1-4 (5-8 are in test_hostile_limits.py), on loopback only:
the site on one port, a recording "forbidden" listener on another that must see no request
at all. One test per case of the issue.

Addresses outside 127.0.0.0/8 (169.254.169.254, 10.x...) appear only in unit tests of the
checking functions, which make no connection.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from relatedposts.errors import FetchError
from relatedposts.ingest.crawl import scrape
from relatedposts.ingest.fetch import Fetcher
from relatedposts.ingest.netguard import AddressPolicy, is_public
from relatedposts.urls import UnsafeURL, WebURL, parse_web_url, safe_link
from tests.localsite import LocalSite, Page, article_page, sitemap

TEXT = "Gentle walking helps most people with back pain recover sooner. "


@pytest.fixture
def site() -> Iterator[LocalSite]:
    with LocalSite() as s:
        yield s


@pytest.fixture
def forbidden() -> Iterator[LocalSite]:
    """The listener nobody may reach: it serves a tempting article and records every hit."""
    with LocalSite() as s:
        s.pages["/page"] = Page(article_page("Forbidden fruit", TEXT * 3, "/page"))
        s.pages["/admin/reload"] = Page(article_page("Admin", TEXT * 3, "/admin/reload"))
        yield s
    assert s.hits == [], "the forbidden listener was reached"


def _port(listener: LocalSite) -> str:
    return listener.base.rsplit(":", 1)[1]


def _records(settings) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(settings.corpus_dir.glob("*.json"))]


# 1. The backslash trick: the check and the connection must read one URL the same way.

def _tricks(site: LocalSite, forbidden: LocalSite) -> list[str]:
    f, s = _port(forbidden), _port(site)
    return [f"http://127.0.0.1:{f}\\@127.0.0.1:{s}/page",
            f"http://127.0.0.1:{f}\t\\@127.0.0.1:{s}/page",
            f"http://127.0.0.1:{f}%5C@127.0.0.1:{s}/page",
            f"http://127.0.0.1:{s}@127.0.0.1:{f}/page",
            f"http://127.0.0.1:{f}#@127.0.0.1:{s}/page",
            f"http://2130706433:{f}/page", f"http://0x7f.1:{f}/page"]


def test_backslash_and_userinfo_tricks_in_a_sitemap_reach_nothing(settings, site,
                                                                 forbidden) -> None:
    site.pages["/ok.html"] = Page(article_page("Walking", TEXT, site.base + "/ok.html"))
    site.pages["/sitemap.xml"] = Page(sitemap("", [*_tricks(site, forbidden),
                                                   site.base + "/ok.html"]))
    report = scrape([f"{site.base}/sitemap.xml"], settings)
    assert [a.title for a in report.articles] == ["Walking"]
    assert all(f.reason.startswith("refused") for f in report.failures)
    assert len(report.failures) == len(_tricks(site, forbidden))
    assert [r["url"] for r in _records(settings)] == [site.base + "/ok.html"]


def test_backslash_and_userinfo_tricks_in_a_redirect_reach_nothing(settings, site,
                                                                  forbidden) -> None:
    fetcher = Fetcher(settings, {site.base})
    for i, target in enumerate(_tricks(site, forbidden)):
        site.pages[f"/go{i}"] = Page(status=302, headers={"Location": target})
        with pytest.raises(FetchError, match="refused"):
            fetcher.get(f"{site.base}/go{i}")


def test_the_connection_itself_refuses_an_address_the_check_never_saw(settings, site,
                                                                     forbidden) -> None:
    fetcher = Fetcher(settings, {site.base})
    for url in (forbidden.base + "/page", _tricks(site, forbidden)[0]):
        with pytest.raises(FetchError, match="refused"):
            fetcher.session.get(url, timeout=2)  # past check_allowed, straight to the adapter


@pytest.mark.parametrize("raw, expected", [
    ("http://127.0.0.1:1\\@127.0.0.1:2/p", "http://127.0.0.1:1/@127.0.0.1:2/p"),
    ("HTTP://Blog.Example.:80/a b?q=1#frag", "http://blog.example/a%20b?q=1"),
    ("https://blog.example:443/", "https://blog.example/"),
    ("http://[::1]:8080/x", "http://[::1]:8080/x"),
    ("http://bücher.example/", "http://xn--bcher-kva.example/"),
])
def test_one_parser_normalizes_like_a_browser(raw: str, expected: str) -> None:
    assert str(parse_web_url(raw)) == expected


@pytest.mark.parametrize("raw", [
    "http://user:pass@blog.example/", "http://a.example%40b.example/",
    "http://%31%32%37.0.0.1/", "http://2130706433/", "http://0x7f.1/", "http://127.1/",
    "file:///etc/passwd", "javascript:alert(1)", "http://[::1", "http://blog.example:99999/",
    "ftp://blog.example/", "http:///nohost", "",
])
def test_one_parser_refuses_what_it_cannot_read_unambiguously(raw: str) -> None:
    with pytest.raises(UnsafeURL):
        parse_web_url(raw)


@pytest.mark.parametrize("ip, public", [
    ("169.254.169.254", False), ("10.0.0.7", False), ("172.16.3.4", False),
    ("192.168.1.1", False), ("127.0.0.1", False), ("0.0.0.0", False), ("100.64.0.1", False),
    ("::1", False), ("fe80::1", False), ("fd00::1", False), ("::ffff:127.0.0.1", False),
    ("::ffff:169.254.169.254", False), ("224.0.0.1", False),
    ("93.184.216.34", True), ("2606:4700::1111", True),
])
def test_address_check_without_connecting(ip: str, public: bool) -> None:
    assert is_public(ip) is public


def test_internal_addresses_only_for_the_sources_own_origin() -> None:
    policy = AddressPolicy([WebURL("http", "127.0.0.1", 8000, "/")])
    policy.check("127.0.0.1", "127.0.0.1", 8000)  # the site the operator pointed us at
    for host, ip, port in [("127.0.0.1", "127.0.0.1", 8001), ("other", "127.0.0.1", 8000),
                           ("meta", "169.254.169.254", 80), ("lan", "10.0.0.7", 8000)]:
        with pytest.raises(FetchError, match="private or loopback"):
            policy.check(host, ip, port)


# 2. Same host, another port: the service's own /admin/reload lives there.

def test_redirect_to_the_same_host_on_another_port_is_refused(settings, site,
                                                             forbidden) -> None:
    site.pages["/a.html"] = Page(status=302, headers={
        "Location": f"http://127.0.0.1:{_port(forbidden)}/admin/reload"})
    site.pages["/b.html"] = Page(status=302, headers={
        "Location": f"http://localhost:{_port(site)}/b2.html"})  # same listener, other name
    site.pages["/sitemap.xml"] = Page(sitemap(site.base, ["/a.html", "/b.html"]))
    report = scrape([f"{site.base}/sitemap.xml"], settings)
    assert report.articles == [] and _records(settings) == []
    assert [f.reason for f in report.failures] == [
        f"refused: 127.0.0.1:{_port(forbidden)} is not the site's own origin",
        f"refused: localhost:{_port(site)} is not the site's own origin"]
    assert "/b2.html" not in site.paths()


# 3. Stored URLs: canonical and og:image on the page's own origin, one parser's form.

def test_canonical_and_image_tricks_never_leave_the_pages_origin(settings, site) -> None:
    evil = f"http://evil.example\\@127.0.0.1:{_port(site)}"
    page = article_page("Posture", TEXT, f"{evil}/other.html").replace(
        b"</head>", f'<meta property="og:image" content="{evil}/i.jpg"></head>'.encode())
    site.pages["/p.html"] = Page(page)
    report = scrape([f"{site.base}/p.html"], settings)
    [article] = report.articles
    assert article.url == f"{site.base}/p.html" and article.image is None
    assert [r["url"] for r in _records(settings)] == [f"{site.base}/p.html"]
    assert safe_link(f"{evil}/x", site.base + "/p.html") is None


# 4. A canonical naming another page of the crawl never replaces that page's record.

def test_a_page_claiming_anothers_canonical_is_folded_not_stored(settings, site) -> None:
    site.pages["/real.html"] = Page(article_page("The real post", TEXT, "/real.html"))
    site.pages["/copy.html"] = Page(article_page("A hijacker", "Buy pills now. " * 30,
                                                 f"{site.base}/real.html"))
    site.pages["/sitemap.xml"] = Page(sitemap(site.base, ["/copy.html", "/real.html"]))
    report = scrape([f"{site.base}/sitemap.xml"], settings)
    assert [a.title for a in report.articles] == ["The real post"]
    assert [(r["url"], r["title"]) for r in _records(settings)] == [
        (f"{site.base}/real.html", "The real post")]
    assert [d.url for d in report.duplicates] == [f"{site.base}/copy.html"]
    assert "duplicate of" in report.duplicates[0].reason
