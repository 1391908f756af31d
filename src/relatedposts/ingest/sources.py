"""What a crawl's sources name before any page is fetched: the URLs listed in text files, and
the web origins the crawl may visit."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from relatedposts.ingest.wordpress import is_wordpress, site_of
from relatedposts.urls import UnsafeURL, parse_web_url


def read_url_lists(sources: Iterable[str]) -> list[str]:
    """Replace each text file of URLs by the URLs it lists (one a line, # comments)."""
    out: list[str] = []
    for source in sources:
        path = Path(source)
        if ("://" not in source and path.is_file()
                and path.suffix not in (".html", ".htm")):
            out.extend(line.strip() for line in path.read_text("utf-8").splitlines()
                       if line.strip() and not line.strip().startswith("#"))
        else:
            out.append(source)
    return out


def web_origins(sources: list[str]) -> list[str]:
    """Return the web sources: their origins are the only ones the crawl may visit."""
    out = []
    for source in sources:
        if is_wordpress(source):
            source = site_of(source)
        if "://" in source and not source.startswith("file:"):
            try:
                out.append(str(parse_web_url(source)))
            except UnsafeURL:
                continue  # reported when the source is expanded
    return out
