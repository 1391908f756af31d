"""Scrape a site (sitemap, page URLs, URL list, local HTML files, or a WordPress site's REST API
written wp+URL) into JSON article records."""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import re
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from relatedposts.config import Settings
from relatedposts.errors import ExtractError, FetchError, FetchHTTPStatus, NotAnArticle, NotAPage
from relatedposts.ingest import store
from relatedposts.ingest.charset import decode_html
from relatedposts.ingest.extract import EXTRACT_FORMAT, extract_page
from relatedposts.ingest.fetch import Fetcher
from relatedposts.ingest.sitemap import SitemapWalk, walk_sitemaps
from relatedposts.ingest.sources import read_url_lists, web_origins
from relatedposts.ingest.wordpress import is_wordpress, read_site
from relatedposts.models import Article, Failure, ScrapeReport
from relatedposts.urls import safe_link, url_key

log = logging.getLogger(__name__)

GONE = frozenset({404, 410})  # a listed page answering this was deleted: prune drops it


@dataclass(frozen=True)
class Target:
    """One page to scrape: a URL, or a local file with the URL it stands for."""

    url: str
    path: Path | None = None
    article: Article | None = None  # already read (from the WordPress API): nothing to fetch


@dataclass(frozen=True)
class Scraped:
    """One page's outcome: the article, its record's validators and any warnings."""

    article: Article
    validators: dict
    warnings: tuple[str, ...] = ()
    fetched: str = ""  # the URL the page was read from (after redirects)


@dataclass(frozen=True)
class Gone:
    """A listed page that answered 404 or 410: reported as a failure, and pruned."""

    failure: Failure


@dataclass
class _Placement:
    """Which stored URL belongs to which page, so no page's record is replaced by another."""

    targets: dict[str, str]
    claimed: dict[str, str] = field(default_factory=dict)


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
    sources = read_url_lists(sources)
    report = ScrapeReport()
    fetcher = Fetcher(settings, web_origins(sources))
    targets = list(_dedupe(_targets(sources, fetcher, settings, report)))
    listing_failed = [f for f in report.failures if f.url in sources or _is_sitemap(f.url)]
    state = store.load_state(corpus)
    place = _Placement({url_key(t.url): t.url for t in targets})
    gone: set[str] = set()
    if progress is not None:
        progress.reset(total=len(targets))
    limits = _Limits.of(settings)
    with ThreadPoolExecutor(max_workers=max(1, settings.crawl_concurrency)) as pool:
        for target, outcome in zip(targets, pool.map(
                lambda t: _scrape_one(t, fetcher, state.get(t.url), limits), targets),
                strict=True):
            if progress is not None:
                progress.update(1)
            if isinstance(outcome, Gone):
                gone.add(target.url)
                outcome = outcome.failure
            if isinstance(outcome, Failure):
                report.failures.append(outcome)
            elif outcome is None:
                report.unchanged += 1
            elif _place(article := _trusted(outcome, target, place, report), target.url,
                        place, report):
                store.write_record(corpus, article, target.url, outcome.validators)
                report.articles.append(article)
                report.warnings.extend(Failure(target.url, w) for w in outcome.warnings)
                if article.word_count < settings.thin_words:
                    report.warnings.append(Failure(target.url, thin_warning(article)))
    if prune and listing_failed:
        report.prune_skipped = f"a source could not be read ({listing_failed[0].url})"
    elif prune:
        folded = {f.url for f in report.duplicates}
        report.removed = store.prune(corpus, {t.url for t in targets} - gone - folded)
    return report


def thin_warning(article: Article) -> str:
    """Return the warning for an article with little text (kept, but worth a look)."""
    return f"thin article: {article.word_count} words of text"


def _trusted(outcome: Scraped, target: Target, place: _Placement,
             report: ScrapeReport) -> Article:
    """Return the article under its canonical only if that names a page of this crawl.

    A canonical may name the page itself, the URL a redirect ended on, or another page the
    crawl lists (a copy, then folded by _place); any other same-origin URL is a claim nothing
    checked (a page could stand in for one not crawled), so the page keeps its own URL. Local
    files are exempt: their canonical is the only web address they have.
    """
    article = outcome.article
    key = url_key(article.url)
    if target.path is not None or key in place.targets or key == url_key(outcome.fetched):
        return article
    own = safe_link(target.url, target.url) or target.url
    report.warnings.append(Failure(target.url, f"canonical {article.url} is not a page of "
                                               "this crawl: the page keeps its own URL"))
    return dataclasses.replace(article, url=own)


def _place(article: Article, source: str, place: _Placement, report: ScrapeReport) -> bool:
    """Return whether to store article; a copy whose canonical names another page is folded."""
    key, own = url_key(article.url), url_key(source)
    other = place.targets.get(key) if key != own else None
    if other is None and key in place.claimed and place.claimed[key] != source:
        other = place.claimed[key]
    if other is not None:
        report.duplicates.append(Failure(source, f"duplicate of {other}: its canonical is "
                                                 f"{article.url}"))
        return False
    place.claimed[key] = source
    return True


def _targets(sources: list[str], fetcher: Fetcher, settings: Settings,
             report: ScrapeReport) -> Iterator[Target]:
    """Expand each source into page targets; an unusable source is a failure, not a crash."""
    for source in sources:
        try:
            yield from _expand(source, fetcher, settings, report)
        except FetchError as exc:
            report.failures.append(Failure(source, exc.message))
        except (OSError, ValueError) as exc:
            report.failures.append(Failure(source, _reason(exc)))


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


@dataclass(frozen=True)
class _Limits:
    """The crawl's deadline (monotonic clock, None: none) and each page's CPU budget."""

    deadline: float | None
    seconds: float
    cpu_seconds: float

    @classmethod
    def of(cls, settings: Settings) -> _Limits:
        """Return the limits of a crawl starting now."""
        seconds = settings.crawl_deadline
        return cls(time.monotonic() + seconds if seconds else None, seconds,
                   settings.extract_cpu_seconds)


def _scrape_one(target: Target, fetcher: Fetcher, previous: dict | None,
                limits: _Limits) -> Scraped | Failure | Gone | None:
    """Fetch and extract one page; None means unchanged since the last scrape."""
    if target.article is not None:
        same = previous and previous.get("content_hash") == target.article.content_hash()
        return None if same else Scraped(target.article, {})
    if limits.deadline is not None and time.monotonic() > limits.deadline:
        return Failure(target.url, f"skipped: the crawl deadline ({limits.seconds:g} s, "
                                   "RELATEDPOSTS_CRAWL_DEADLINE) was reached")
    try:
        # A record the extractor of today did not write is extracted again (no 304 for it).
        current = (previous or {}).get("extract_format") == EXTRACT_FORMAT
        if target.path is not None:
            raw, charset = target.path.read_bytes(), None
            validators: dict[str, object] = {}
            fetched = target.url
        else:
            prev = previous if current and previous is not None else {}
            resp = fetcher.get(target.url, prev.get("etag"), prev.get("last_modified"))
            if resp.not_modified:
                return None
            raw, charset, fetched = resp.body, resp.charset, resp.url
            validators = {"etag": resp.etag, "last_modified": resp.last_modified}
        text, _ = decode_html(raw, charset)
        page = extract_page(text, target.url, limits.cpu_seconds)
        if current and previous and previous.get("content_hash") == page.article.content_hash():
            return None  # the same article again: leave its record alone
        validators["page_hash"] = hashlib.sha256(raw).hexdigest()[:16]
        validators["extract_format"] = EXTRACT_FORMAT
        return Scraped(page.article, validators, page.warnings, fetched)
    except FetchHTTPStatus as exc:
        failure = Failure(target.url, exc.message)
        return Gone(failure) if exc.status_code in GONE else failure
    except (FetchError, ExtractError) as exc:
        return Failure(target.url, exc.message, isinstance(exc, NotAnArticle | NotAPage))
    except OSError as exc:
        return Failure(target.url, _reason(exc))
    except Exception as exc:  # noqa: BLE001 - one page's surprise never stops the crawl
        log.warning("page %s could not be read", target.url, exc_info=True)
        return Failure(target.url, f"could not be read: {type(exc).__name__}: {exc}")


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


def fetch_article(url: str, settings: Settings, origins: Iterable[str]) -> Article:
    """Fetch and extract one page of the site (publish-time ingest); raise FetchError/ExtractError.

    The Fetcher's rules hold: only the given origins (FetchRefused otherwise), robots.txt,
    byte caps, deadlines. A canonical naming another origin is refused too.
    """
    fetcher = Fetcher(settings, origins)
    resp = fetcher.get(str(fetcher.own_url(url)))
    text, _ = decode_html(resp.body, resp.charset)
    article = extract_page(text, url).article
    fetcher.own_url(article.url)
    return article
