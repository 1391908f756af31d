"""Sitemaps and sitemap indexes: each read once, with depth, file and URL caps reported."""

from __future__ import annotations

import zlib
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field

from lxml import etree

from relatedposts.config import Settings
from relatedposts.errors import FetchError, FetchTooLarge
from relatedposts.ingest.decompress import gzip_decoder
from relatedposts.ingest.fetch import Fetcher
from relatedposts.models import Failure


@dataclass
class SitemapWalk:
    """What reading one crawl's sitemaps found besides page URLs."""

    failures: list[Failure] = field(default_factory=list)  # sitemaps or entries refused
    warnings: list[Failure] = field(default_factory=list)  # caps reached, repeats skipped
    read: list[str] = field(default_factory=list)  # sitemap URLs fetched, in order


def walk_sitemaps(root: str, fetcher: Fetcher, settings: Settings,
                  walk: SitemapWalk) -> Iterator[str]:
    """Yield the page URLs (normalized, on our origin) listed under the sitemap root."""
    queue: deque[tuple[str, int]] = deque([(root, 0)])
    seen: set[str] = set()
    pages: set[str] = set()
    repeats = 0
    while queue:
        url, depth = queue.popleft()
        try:
            key = str(fetcher.own_url(url))
        except FetchError as exc:
            walk.failures.append(Failure(url, exc.message))
            continue
        if key in seen:
            repeats += 1
            continue
        seen.add(key)
        if depth > settings.sitemap_max_depth:
            walk.failures.append(Failure(url, f"sitemap nesting deeper than "
                                              f"{settings.sitemap_max_depth} levels"))
            continue
        if len(walk.read) >= settings.sitemap_max_files:
            walk.warnings.append(Failure(url, f"sitemap cap reached: only "
                                              f"{settings.sitemap_max_files} sitemaps read"))
            break
        walk.read.append(key)
        children, locs = _read(key, fetcher, settings.fetch_max_page_bytes, walk, depth == 0)
        queue.extend((c, depth + 1) for c in children)
        for page in _own_pages(locs, fetcher, walk):
            if page in pages:
                continue
            if len(pages) >= settings.sitemap_max_urls:
                walk.warnings.append(Failure(key, f"sitemap URL cap reached: only "
                                                  f"{settings.sitemap_max_urls} pages listed"))
                return
            pages.add(page)
            yield page
    if repeats:
        walk.warnings.append(Failure(root, f"{repeats} repeated sitemap entries read once"))


def _own_pages(locs: list[str], fetcher: Fetcher, walk: SitemapWalk) -> list[str]:
    """Return locs normalized; those off our origin (or unreadable) are reported, not kept."""
    out = []
    for loc in locs:
        try:
            out.append(str(fetcher.own_url(loc)))
        except FetchError as exc:
            walk.failures.append(Failure(loc, exc.message))
    return out


def _read(url: str, fetcher: Fetcher, limit: int, walk: SitemapWalk,
          is_root: bool) -> tuple[list[str], list[str]]:
    """Fetch one sitemap; return (child sitemap URLs, page URLs). The root's errors raise."""
    try:
        body = fetcher.get(url).body
        if body[:2] == b"\x1f\x8b":  # sitemap.xml.gz: inflate under the same cap
            inflated = gzip_decoder().decompress(body, limit + 1)
            if len(inflated) > limit:
                raise FetchTooLarge(f"sitemap too large (over {limit} bytes inflated)")
            body = inflated
    except FetchError as exc:
        if is_root:
            raise
        walk.failures.append(Failure(url, exc.message))
        return [], []
    except zlib.error as exc:
        walk.failures.append(Failure(url, f"sitemap does not decompress ({exc})"))
        return [], []
    return parse_sitemap(body)


def parse_sitemap(body: bytes) -> tuple[list[str], list[str]]:
    """Return (sitemap locs, url locs) of a sitemap document; no entities, no network."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True,
                             huge_tree=False, load_dtd=False)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError:
        return [], []
    if root is None:
        return [], []
    children: list[str] = []
    pages: list[str] = []
    for el in root.iter("{*}loc"):
        parent = el.getparent()
        text = (el.text or "").strip()
        if parent is None or not text:
            continue
        kind = etree.QName(parent).localname
        if kind == "sitemap":
            children.append(text)
        elif kind == "url":
            pages.append(text)
    return children, pages
