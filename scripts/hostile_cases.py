"""Issue 11's hostile cases through scrape() of whichever relatedposts is on PYTHONPATH.

Loopback only: the site and a "forbidden" listener on two ports of 127.0.0.1. Prints one
line per case, so the same script shows the behaviour before and after a change:

    PYTHONPATH=src:. python scripts/hostile_cases.py              # this tree
    git archive 7f8e864 src | tar -x -C /tmp/old                  # the code before issue 11
    PYTHONPATH=/tmp/old/src:. python scripts/hostile_cases.py
"""

from __future__ import annotations

import json
import resource
import tempfile
import time
import zlib
from pathlib import Path

from tests.localsite import LocalSite, Page, article_page, sitemap

from relatedposts.config import Settings
from relatedposts.ingest.crawl import scrape
from relatedposts.ingest.extract import extract

T = "Gentle walking helps most people with back pain recover sooner. "
TMP = Path(tempfile.mkdtemp(prefix="hostile-"))


def fresh(**kw: object) -> Settings:
    """Return settings on a new empty corpus."""
    d = Path(tempfile.mkdtemp(dir=TMP))
    return Settings(corpus_dir=d / "c", index_dir=d / "i", **kw)  # type: ignore[arg-type]


def records(s: Settings) -> list[dict]:
    """Return the stored records."""
    return [json.loads(p.read_text()) for p in sorted(s.corpus_dir.glob("*.json"))]


def tricks(site: LocalSite, bad: LocalSite) -> dict[str, str]:
    """Cases 1-4: URL tricks, another port, canonical/og:image tricks, canonical hijack."""
    out, f, p = {}, bad.base.rsplit(":", 1)[1], site.base.rsplit(":", 1)[1]
    bad.pages["/page"] = Page(article_page("Forbidden", T, "/page"))
    trick = f"http://127.0.0.1:{f}\\@127.0.0.1:{p}/page"
    site.pages["/sm1.xml"] = Page(sitemap("", [trick]))
    site.pages["/r1.html"] = Page(status=302, headers={"Location": trick})
    site.pages["/r2.html"] = Page(status=302, headers={"Location": f"http://127.0.0.1:{f}/page"})
    for name, source in (("1 backslash <loc>", "/sm1.xml"), ("1 backslash redirect", "/r1.html"),
                         ("2 redirect to another port", "/r2.html")):
        before, s = len(bad.hits), fresh()
        scrape([site.base + source], s)
        out[name] = (f"forbidden listener hits +{len(bad.hits) - before}, stored "
                     f"{[r['title'] for r in records(s)]}")
    evil = f"http://evil.example\\@127.0.0.1:{p}"
    site.pages["/c3.html"] = Page(article_page("Posture", T, f"{evil}/x").replace(
        b"</head>", f'<meta property="og:image" content="{evil}/i.jpg"></head>'.encode()))
    s = fresh()
    scrape([f"{site.base}/c3.html"], s)
    rec = records(s)[0]
    out["3 canonical/og:image trick"] = (f"stored url {rec['url'].replace(site.base, 'SITE')!r},"
                                         f" image {rec['image']!r}")
    site.pages["/real.html"] = Page(article_page("The real post", T, "/real.html"))
    site.pages["/copy.html"] = Page(article_page("A hijacker", "Buy pills. " * 30,
                                                 f"{site.base}/real.html"))
    site.pages["/sm4.xml"] = Page(sitemap(site.base, ["/real.html", "/copy.html"]))
    s = fresh()
    scrape([f"{site.base}/sm4.xml"], s)
    out["4 canonical naming another page"] = f"records {[r['title'] for r in records(s)]}"
    return out


def robots_cases() -> dict[str, str]:
    """Case 5: robots.txt behind a redirect; a gzip bomb (64 MB inflated, to spare RAM)."""
    out = {}
    with LocalSite() as site:
        site.pages["/robots.txt"] = Page(status=301, headers={"Location": "/r/robots.txt"})
        site.pages["/r/robots.txt"] = Page(b"User-agent: *\nDisallow: /private/\n",
                                           content_type="text/plain")
        site.pages["/private/x.html"] = Page(article_page("Secret", T, "/private/x.html"))
        scrape([f"{site.base}/private/x.html"], fresh())
        out["5 robots.txt behind a redirect"] = (
            f"disallowed page fetched: {'/private/x.html' in site.paths()}")
    with LocalSite() as site:
        comp = zlib.compressobj(9, zlib.DEFLATED, 31)
        bomb = comp.compress(b"User-agent: *\nDisallow: /private/\n") + b"".join(
            comp.compress(b"#" * (1 << 20)) for _ in range(64)) + comp.flush()
        site.pages["/robots.txt"] = Page(bomb, content_type="text/plain",
                                         headers={"Content-Encoding": "gzip"})
        site.pages["/ok.html"] = Page(article_page("Walking", T, "/ok.html"))
        rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        scrape([f"{site.base}/ok.html"], fresh())
        rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        out["5 robots.txt gzip bomb (64 MB)"] = f"peak RSS {rss0} -> {rss1} MB"
    return out


def bounded_cases() -> dict[str, str]:
    """Cases 6-8: a self-listing sitemap, a dripping page, nested divs, a latin-1 page."""
    out = {}
    with LocalSite() as site:
        me = f"{site.base}/sitemap.xml"
        site.pages["/sitemap.xml"] = Page((
            '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/'
            'sitemap/0.9">' + f"<sitemap><loc>{me}</loc></sitemap>" * 10
            + "</sitemapindex>").encode())
        report = scrape([me], fresh())
        out["6 sitemap index listing itself x10"] = (
            f"{site.paths().count('/sitemap.xml')} fetches, {len(report.failures)} failure lines")
        site.pages["/drip.html"] = Page(b"<html><body><p>" + b"x" * 120 + b"</p></body></html>",
                                        drip=0.1, send_length=False)
        kw = {"fetch_deadline": 1.0} if "fetch_deadline" in Settings.__dataclass_fields__ else {}
        start = time.monotonic()
        scrape([f"{site.base}/drip.html"], fresh(**kw))
        out["7 drip, 1 byte / 0.1 s (150 B)"] = (f"held {time.monotonic() - start:.1f} s "
                                                  f"({kw or 'no deadline setting'})")
        site.pages["/l.html"] = Page(article_page("Naïve questions", T, "/l.html").decode()
                                     .encode("latin-1"),
                                     content_type="text/html; charset=ISO-8859-1")
        s = fresh()
        scrape([f"{site.base}/l.html"], s)
        out["8 latin-1, charset in the header only"] = f"title {records(s)[0]['title']!r}"
    html = ("<html><head><title>Deep</title></head><body>" + "<div>" * 5000
            + f"<p>{T * 5}</p>" + "</div>" * 5000 + "</body></html>")
    start = time.process_time()
    try:
        extract(html, "http://127.0.0.1:9/deep.html")
    except Exception as exc:  # noqa: BLE001 - the old extractor refuses it: still timed
        print(f"(deep page: {exc})")
    out["7 5,000 nested divs"] = f"{time.process_time() - start:.2f} s CPU to extract"
    return out


def main() -> None:
    with LocalSite() as site, LocalSite() as bad:
        out = tricks(site, bad)
    out |= robots_cases() | bounded_cases()
    for case, outcome in sorted(out.items()):
        print(f"{case}: {outcome}")


if __name__ == "__main__":
    main()
