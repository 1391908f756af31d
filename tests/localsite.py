"""Helpers for the crawl and rebuild tests: a scriptable local site that records every hit."""

from __future__ import annotations

import html
import http.server
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path

from click.testing import Result

from relatedposts.config import Settings
from relatedposts.indexing.versions import current_version
from tests.support import TINY, Cli


@dataclass
class Page:
    """What the site answers for one path."""

    body: bytes = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: float | None = None  # epoch seconds: sent as Last-Modified
    send_length: bool = True  # False: no Content-Length, the body ends when the socket closes
    delay: float = 0.0  # seconds to wait before answering
    drip: float = 0.0  # > 0: send the body one byte at a time, this many seconds apart


@dataclass
class Hit:
    """One request the site received."""

    path: str
    headers: dict[str, str]
    status: int
    start: float
    end: float = 0.0


class LocalSite:
    """Serve Pages (or callables returning one per request) and record hits; use `with`."""

    def __init__(self) -> None:
        self.pages: dict[str, Page | Callable[[int], Page]] = {}
        self.hits: list[Hit] = []
        self.lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> LocalSite:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def paths(self) -> list[str]:
        """Return the requested paths, in order."""
        with self.lock:
            return [h.path for h in self.hits]

    def answer(self, path: str, request_headers: dict[str, str], earlier: int) -> Page:
        """Return the page for path (earlier: prior hits on it), 304 when validators match."""
        entry = self.pages.get(path, Page(b"not found", 404, "text/plain"))
        page = entry(earlier) if callable(entry) else entry
        if page.status == 200 and _not_modified(page, request_headers):
            return Page(b"", 304, page.content_type, etag=page.etag,
                        last_modified=page.last_modified)
        return page

    def _handler(self) -> type[http.server.BaseHTTPRequestHandler]:
        site = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - the http.server API
                hit = Hit(self.path, dict(self.headers.items()), 0, time.monotonic())
                with site.lock:
                    earlier = sum(1 for h in site.hits if h.path == self.path)
                    site.hits.append(hit)
                    site.in_flight += 1
                    site.max_in_flight = max(site.max_in_flight, site.in_flight)
                try:
                    page = site.answer(self.path, hit.headers, earlier)
                    hit.status = page.status
                    time.sleep(page.delay)
                    _send(self, page)
                finally:
                    hit.end = time.monotonic()
                    with site.lock:
                        site.in_flight -= 1

        return Handler


def _send(handler: http.server.BaseHTTPRequestHandler, page: Page) -> None:
    """Write page as the response."""
    handler.send_response(page.status)
    handler.send_header("Content-Type", page.content_type)
    if page.etag:
        handler.send_header("ETag", page.etag)
    if page.last_modified is not None:
        handler.send_header("Last-Modified", formatdate(page.last_modified, usegmt=True))
    for name, value in page.headers.items():
        handler.send_header(name, value)
    if page.send_length:
        handler.send_header("Content-Length", str(len(page.body)))
    handler.end_headers()
    if page.status != 304 and page.drip > 0:
        for i in range(len(page.body)):
            try:
                handler.wfile.write(page.body[i:i + 1])
                handler.wfile.flush()
            except OSError:  # the client gave up: stop dripping
                return
            time.sleep(page.drip)
    elif page.status != 304:
        handler.wfile.write(page.body)


def _not_modified(page: Page, headers: dict[str, str]) -> bool:
    """Apply If-None-Match (preferred) or If-Modified-Since as a real server would."""
    if page.etag and "If-None-Match" in headers:
        return page.etag in [t.strip() for t in headers["If-None-Match"].split(",")]
    since = headers.get("If-Modified-Since")
    if page.last_modified is not None and since:
        try:
            return int(page.last_modified) <= parsedate_to_datetime(since).timestamp()
        except (TypeError, ValueError):
            return False
    return False


def article_page(title: str, text: str, canonical: str, extra: str = "") -> bytes:
    """Return an article page the extractor accepts (over 60 words of body)."""
    body = html.escape((text + " ") * 4 + extra)
    return (f"<!doctype html><html><head><title>{html.escape(title)}</title>"
            f'<link rel="canonical" href="{canonical}"></head><body><main><article>'
            f"<h1>{html.escape(title)}</h1><p>{body}</p><h2>More</h2><p>{body}</p>"
            "</article></main></body></html>").encode()


def sitemap(base: str, paths: list[str]) -> bytes:
    """Return a sitemap listing base + each path."""
    urls = "".join(f"<url><loc>{base}{p}</loc></url>" for p in paths)
    return (f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns='
            f'"http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>').encode()


def publish_tiny(site: LocalSite, skip: tuple[str, ...] = ()) -> list[str]:
    """Serve the TINY articles (minus the skipped slugs) and a sitemap; return the page URLs."""
    paths = []
    for article in TINY:
        slug = article.url.rstrip("/").rsplit("/", 1)[-1]
        if slug in skip:
            site.pages.pop(f"/blog/{slug}.html", None)
            continue
        path = f"/blog/{slug}.html"
        text = article.sections[0].text.split(". ")[0]
        site.pages[path] = Page(article_page(article.title, text, site.base + path),
                                etag=f'"{slug}-1"', last_modified=1_700_000_000)
        paths.append(path)
    site.pages["/sitemap.xml"] = Page(sitemap(site.base, paths), content_type="application/xml")
    return [site.base + p for p in paths]


def run_cli(settings: Settings, *args: str, **env: str) -> Result:
    """Run the CLI on settings' directories with the fake embedder (the `runner` fixture's)."""
    return Cli(settings)(*args, **env)


def live(settings: Settings) -> Path:
    """Return the live version directory."""
    return current_version(settings.index_dir)


def leftovers(settings: Settings) -> list[str]:
    """Return the temp version directories left in the index."""
    return [p.name for p in (settings.index_dir / "versions").glob(".tmp-*")]
