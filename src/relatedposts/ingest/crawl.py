"""Scrape a site (sitemap, page URLs, URL list, or local HTML files) into JSON article records."""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from bs4 import BeautifulSoup

from relatedposts.config import Settings
from relatedposts.errors import ExtractError, FetchError, RelatedPostsError
from relatedposts.ingest.extract import extract
from relatedposts.ingest.fetch import Fetcher
from relatedposts.models import Article, Failure, ScrapeReport
from relatedposts.urls import host_of, url_key

MAX_SITEMAP_DEPTH = 3
GONE = ("HTTP 404", "HTTP 410")  # a listed page answering this was deleted: prune drops it


@dataclass(frozen=True)
class Target:
    """One page to scrape: a URL, or a local file with the URL it stands for."""

    url: str
    path: Path | None = None


class Progress(Protocol):
    """A progress bar (tqdm fits): told the total, then advanced page by page."""

    def reset(self, total: int | None = None) -> None:
        """Start over with a new total."""

    def update(self, n: float | None = 1) -> bool | None:
        """Advance by n."""


def scrape(sources: Iterable[str], settings: Settings, corpus_dir: Path | None = None,
           prune: bool = False, progress: Progress | None = None) -> ScrapeReport:
    """Scrape every source into corpus_dir; bad pages are reported and skipped, never fatal."""
    corpus = Path(corpus_dir or settings.corpus_dir)
    corpus.mkdir(parents=True, exist_ok=True)
    sources = _read_url_lists(sources)
    hosts = {host_of(s) for s in sources if s.startswith(("http://", "https://"))}
    fetcher = Fetcher(settings, hosts)
    report = ScrapeReport()
    targets = list(_dedupe(_targets(sources, fetcher, report)))
    listing_failed = [f for f in report.failures if f.url in sources or _is_sitemap(f.url)]
    state = _load_state(corpus)
    if progress is not None:
        progress.reset(total=len(targets))
    with ThreadPoolExecutor(max_workers=max(1, settings.crawl_concurrency)) as pool:
        for target, outcome in zip(targets, pool.map(
                lambda t: _scrape_one(t, fetcher, state.get(t.url)), targets), strict=True):
            if progress is not None:
                progress.update(1)
            if isinstance(outcome, Failure):
                report.failures.append(outcome)
            elif outcome is None:
                report.unchanged += 1
            else:
                article, validators = outcome
                write_record(corpus, article, target.url, validators)
                report.articles.append(article)
    if prune and listing_failed:
        report.prune_skipped = f"a source could not be read ({listing_failed[0].url})"
    elif prune:
        gone = {f.url for f in report.failures if f.reason in GONE}
        report.removed = _prune(corpus, {t.url for t in targets} - gone)
    return report


def read_corpus(corpus_dir: Path) -> list[Article]:
    """Load every article record from a corpus directory, sorted by URL."""
    corpus = Path(corpus_dir)
    if not corpus.is_dir():
        raise RelatedPostsError(f"corpus directory {corpus} does not exist: run "
                                "'relatedposts scrape SOURCE' first", status=404)
    articles = []
    for path in sorted(corpus.glob("*.json")):
        try:
            articles.append(Article.from_dict(json.loads(path.read_text("utf-8"))))
        except (ValueError, KeyError, TypeError) as exc:
            raise RelatedPostsError(f"corpus record {path} is malformed: {exc}") from exc
    return sorted(articles, key=lambda a: a.url)


def _targets(sources: list[str], fetcher: Fetcher, report: ScrapeReport) -> Iterator[Target]:
    """Expand each source into page targets; an unusable source is a failure, not a crash."""
    for source in sources:
        try:
            yield from _expand(source, fetcher, report)
        except (FetchError, OSError, ValueError) as exc:
            report.failures.append(Failure(source, _reason(exc)))


def _expand(source: str, fetcher: Fetcher, report: ScrapeReport) -> Iterator[Target]:
    """Turn one source into targets: sitemap, page, directory, URL list or HTML file."""
    if source.startswith(("http://", "https://")):
        if re.search(r"sitemap[^/]*\.xml(\.gz)?$|\.xml$", source):
            yield from _sitemap(source, fetcher, report, 0)
        else:
            yield Target(source)
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


def _read_url_lists(sources: Iterable[str]) -> list[str]:
    """Replace each text file of URLs by the URLs it lists (one a line, # comments)."""
    out: list[str] = []
    for source in sources:
        path = Path(source)
        if (not source.startswith(("http://", "https://")) and path.is_file()
                and path.suffix not in (".html", ".htm")):
            out.extend(line.strip() for line in path.read_text("utf-8").splitlines()
                       if line.strip() and not line.strip().startswith("#"))
        else:
            out.append(source)
    return out


def _sitemap(url: str, fetcher: Fetcher, report: ScrapeReport, depth: int) -> Iterator[Target]:
    """Yield the page URLs of a sitemap, recursing into sitemap indexes."""
    if depth > MAX_SITEMAP_DEPTH:
        report.failures.append(Failure(url, "sitemap nesting too deep"))
        return
    soup = BeautifulSoup(fetcher.get(url).body, "xml")
    for loc in soup.select("sitemap > loc"):
        try:
            yield from _sitemap(loc.get_text(strip=True), fetcher, report, depth + 1)
        except FetchError as exc:
            report.failures.append(Failure(loc.get_text(strip=True), _reason(exc)))
    for loc in soup.select("url > loc"):
        page = loc.get_text(strip=True)
        if host_of(page) not in fetcher.allowed_hosts:
            report.failures.append(Failure(page, "refused: not the site's own host"))
        else:
            yield Target(page)


def _scrape_one(target: Target, fetcher: Fetcher,
                previous: dict | None) -> tuple[Article, dict] | Failure | None:
    """Fetch and extract one page; None means unchanged since the last scrape."""
    try:
        if target.path is not None:
            html, validators = target.path.read_bytes(), {}
        else:
            prev = previous or {}
            resp = fetcher.get(target.url, prev.get("etag"), prev.get("last_modified"))
            if resp.not_modified:
                return None
            html = resp.body
            validators = {"etag": resp.etag, "last_modified": resp.last_modified}
        article = extract(html, target.url)
        if previous and previous.get("content_hash") == article.content_hash():
            return None  # the same article again: leave its record alone
        validators["page_hash"] = hashlib.sha256(html).hexdigest()[:16]
        return article, validators
    except (FetchError, ExtractError, OSError) as exc:
        return Failure(target.url, _reason(exc))


def _is_sitemap(url: str) -> bool:
    return bool(re.search(r"\.xml(\.gz)?$", url))


def _reason(exc: Exception) -> str:
    return getattr(exc, "message", None) or str(exc) or type(exc).__name__


def _dedupe(targets: Iterable[Target]) -> Iterator[Target]:
    seen: set[str] = set()
    for t in targets:
        if t.url not in seen:
            seen.add(t.url)
            yield t


def record_name(url: str) -> str:
    """Return the file name of an article's record: readable slug plus a short hash."""
    key = url_key(url)
    slug = re.sub(r"[^a-z0-9]+", "-", key.rsplit("/", 1)[-1].lower()).strip("-")[:60] or "page"
    return f"{slug}-{hashlib.sha1(key.encode()).hexdigest()[:8]}.json"


def write_record(corpus: Path, article: Article, source_url: str,
                 validators: dict | None = None) -> None:
    """Write one article record atomically (temp file, then rename)."""
    record = article.to_dict() | {"source_url": source_url, "content_hash":
                                  article.content_hash()} | (validators or {})
    path = corpus / record_name(article.url)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(record, ensure_ascii=False, indent=1), "utf-8")
    os.replace(tmp, path)


def _load_state(corpus: Path) -> dict[str, dict]:
    """Map each source URL to its last validators, from the existing records."""
    state = {}
    for path in corpus.glob("*.json"):
        try:
            rec = json.loads(path.read_text("utf-8"))
        except ValueError:
            continue
        state[rec.get("source_url", rec.get("url"))] = rec | {"_file": path.name}
    return state


def _prune(corpus: Path, seen_urls: set[str]) -> int:
    """Delete records whose source was not listed this time (a page removed from the site)."""
    removed = 0
    for path in corpus.glob("*.json"):
        try:
            rec = json.loads(path.read_text("utf-8"))
        except ValueError:
            continue
        if rec.get("source_url", rec.get("url")) not in seen_urls:
            path.unlink()
            removed += 1
    return removed
