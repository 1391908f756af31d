"""The whole hostile crawl of issue 11, with DEFAULT settings, on loopback only.

Two listeners on 127.0.0.1: the hostile site, and a recording "forbidden" one on another
port. The site's sitemap index lists itself 10 times; its pages carry the issue's cases
(backslash/userinfo tricks, a redirect to another port, canonical and og:image tricks, a
page claiming another's canonical, a 1-byte-every-2-s drip, 5,000 nested divs, a latin-1
page) and its robots.txt is a ~510 KB gzip inflating to 512 MB. Prints wall time, peak RSS
and the forbidden listener's hit count.

    PYTHONPATH=src:. python scripts/bench_hostile.py
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
import zlib
from pathlib import Path

from tests.localsite import LocalSite, Page, article_page, sitemap

from relatedposts.config import Settings
from relatedposts.ingest.crawl import scrape

TEXT = "Gentle walking helps most people with back pain recover sooner. "


def gzip_bomb(prefix: bytes, inflated_mb: int) -> bytes:
    """Return gzip bytes of prefix + inflated_mb MiB of '#', compressed a MiB at a time."""
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b"#" * (1 << 20)
    parts = [comp.compress(prefix)] + [comp.compress(block) for _ in range(inflated_mb)]
    return b"".join(parts) + comp.flush()


def hostile_pages(site: LocalSite, forbidden: LocalSite) -> list[str]:
    """Fill the hostile site; return the page URLs its sitemap lists."""
    f, s = forbidden.base.rsplit(":", 1)[1], site.base.rsplit(":", 1)[1]
    forbidden.pages["/page"] = Page(article_page("Forbidden", TEXT, "/page"))
    robots = gzip_bomb(b"User-agent: *\nDisallow: /private/\n", 512)
    print(f"robots.txt: {len(robots) // 1024} KB of gzip, 512 MB inflated")
    site.pages["/robots.txt"] = Page(robots, content_type="text/plain",
                                     headers={"Content-Encoding": "gzip"})
    evil = f"http://evil.example\\@127.0.0.1:{s}"
    site.pages.update({
        "/ok.html": Page(article_page("Walking", TEXT, "/ok.html")),
        "/port.html": Page(status=302, headers={"Location": f"http://127.0.0.1:{f}/page"}),
        "/slash.html": Page(status=302, headers={
            "Location": f"http://127.0.0.1:{f}\\@127.0.0.1:{s}/page"}),
        "/canon.html": Page(article_page("Posture", TEXT, f"{evil}/x").replace(
            b"</head>", f'<meta property="og:image" content="{evil}/i.jpg"></head>'.encode())),
        "/copy.html": Page(article_page("Hijack", TEXT, f"{site.base}/ok.html")),
        "/drip.html": Page(article_page("Drip", TEXT, "/drip.html"), drip=2.0,
                           send_length=False),
        "/deep.html": Page(("<html><head><title>Deep</title></head><body>" + "<div>" * 5000
                            + f"<p>{TEXT * 5}</p>" + "</div>" * 5000 + "</body></html>")
                           .encode()),
        "/latin.html": Page(article_page("Naïve", TEXT + " naïve", "/latin.html").decode()
                            .encode("latin-1"), content_type="text/html; charset=ISO-8859-1"),
        "/private/x.html": Page(article_page("Secret", TEXT, "/private/x.html")),
    })
    tricks = [f"http://127.0.0.1:{f}\\@127.0.0.1:{s}/page", f"http://2130706433:{f}/page"]
    return tricks + [site.base + p for p in site.pages if p.endswith(".html")]


def main() -> int:
    with LocalSite() as site, LocalSite() as forbidden, \
            tempfile.TemporaryDirectory() as tmp:
        pages = hostile_pages(site, forbidden)
        me = f"{site.base}/sitemap.xml"
        site.pages["/sitemap.xml"] = Page((
            '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/'
            'sitemap/0.9">' + f"<sitemap><loc>{me}</loc></sitemap>" * 10
            + f"<sitemap><loc>{site.base}/pages.xml</loc></sitemap></sitemapindex>").encode())
        site.pages["/pages.xml"] = Page(sitemap("", pages))
        settings = Settings(corpus_dir=Path(tmp) / "corpus", index_dir=Path(tmp) / "idx")
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        start = time.monotonic()
        report = scrape([me], settings)
        seconds = time.monotonic() - start
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"articles: {sorted(a.title for a in report.articles)}")
        for f in report.failures + report.warnings + report.duplicates:
            print(f"  {f.url.replace(site.base, '')}: {f.reason}")
        print(f"sitemap.xml fetched {site.paths().count('/sitemap.xml')} time(s)")
        print(f"hostile crawl: {seconds:.1f} s, peak RSS {rss:.0f} MB "
              f"(before the crawl {rss_before:.0f} MB), forbidden listener hits: "
              f"{len(forbidden.hits)}")
        return 0 if not forbidden.hits and seconds < 60 and rss < 500 else 1


if __name__ == "__main__":
    sys.exit(main())
