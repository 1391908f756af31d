"""Which pages a crawl visits: each source (WordPress site, sitemap, page URL, directory of HTML
files, text file of URLs) expanded into page targets, and the origins the crawl may visit."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from relatedposts.config import Settings
from relatedposts.errors import FetchError
from relatedposts.ingest.fetch import Fetcher
from relatedposts.ingest.sitemap import SitemapWalk, walk_sitemaps
from relatedposts.ingest.wordpress import is_wordpress, read_site, site_of
from relatedposts.models import Article, Failure, ScrapeReport
from relatedposts.urls import UnsafeURL, parse_web_url


@dataclass(frozen=True)
class Target:
    """One page to scrape: a URL, or a local file with the URL it stands for."""

    url: str
    path: Path | None = None
    article: Article | None = None  # already read (from the WordPress API): nothing to fetch


def origins(sources: list[str]) -> list[str]:
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


def targets(sources: list[str], fetcher: Fetcher, settings: Settings,
             report: ScrapeReport) -> Iterator[Target]:
    """Expand each source into page targets; an unusable source is a failure, not a crash."""
    for source in sources:
        try:
            yield from _expand(source, fetcher, settings, report)
        except FetchError as exc:
            report.failures.append(Failure(source, exc.message))
        except (OSError, ValueError) as exc:
            report.failures.append(Failure(source, getattr(exc, "message", None) or str(exc)
                                               or type(exc).__name__))


def _expand(source: str, fetcher: Fetcher, settings: Settings,
            report: ScrapeReport) -> Iterator[Target]:
    """Turn one source into targets: WordPress, sitemap, page, directory, URL list or file."""
    if is_wordpress(source):
        read = read_site(source, fetcher, settings)
        report.failures.extend(read.failures)
        if read.incomplete:  # reported against the source: --prune then deletes nothing
            report.failures.append(Failure(source, f"WordPress API read incomplete: "
                                                   f"{read.incomplete}"))
        yield from (Target(a.url, article=a) for a in read.articles)
        return
    if "://" in source and not source.startswith("file:"):
        url = str(fetcher.own_url(source))
        if re.search(r"sitemap[^/]*\.xml(\.gz)?$|\.xml(\.gz)?$", url):
            walk = SitemapWalk()
            try:
                yield from (Target(u) for u in walk_sitemaps(url, fetcher, settings, walk))
            finally:
                report.failures.extend(walk.failures)
                report.warnings.extend(walk.warnings)
        else:
            yield Target(url)
        return
    path = Path(source)
    if path.is_dir():
        for html in sorted(p for p in path.rglob("*") if p.suffix in (".html", ".htm")):
            yield Target(html.resolve().as_uri(), html)
    elif path.is_file() and path.suffix in (".html", ".htm"):
        yield Target(path.resolve().as_uri(), path)
    else:
        raise ValueError(f"source not found: {source} (give a URL, a sitemap URL, a "
                         "directory of HTML files or a text file of URLs)")


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


def is_sitemap(url: str) -> bool:
    """Return whether a URL names a sitemap file (.xml or .xml.gz)."""
    return bool(re.search(r"\.xml(\.gz)?$", url))


def dedupe(targets: Iterable[Target]) -> Iterator[Target]:
    """Yield each target once, in order (two sources may list the same page)."""
    seen: set[str] = set()
    for t in targets:
        if t.url not in seen:
            seen.add(t.url)
            yield t
