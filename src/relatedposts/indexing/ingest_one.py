"""Publish-time ingest: one article in (or out) without a rebuild, live in seconds.

`ingest(changes)` takes fetched articles (or removals), and publishes one new version made from
the live one: the changed article's chunks embedded alone (through the embedding cache), the
chunk index, BM25 and vectors re-assembled from the stored vectors, and every related list
recomputed as a build would (related_update.py). The version goes through the same gate and
VersionStore as a build, under the build lock: a publish arriving during a build waits for it
(up to ingest_wait_seconds, then 409).

Calls within one process are group-committed: while one publish holds the lock, the others
queue, and the next holder applies every queued change in one version (a hook storm of 100
publishes makes a handful of versions, none lost). Each caller returns once the version with its
change is live. The same publish twice is a no-op: no new version, `published` False.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from relatedposts.config import Settings
from relatedposts.errors import BadRequest, FetchRefused, IndexFormatError, IndexNotReady
from relatedposts.indexing import index as idx
from relatedposts.indexing.build import publish
from relatedposts.indexing.buildlock import wait_build_lock
from relatedposts.indexing.embedders import Embedder
from relatedposts.indexing.incremental import Change, apply_changes
from relatedposts.indexing.versions import VersionStore
from relatedposts.ingest import store
from relatedposts.ingest.crawl import fetch_article
from relatedposts.ingest.fetch import Fetcher, origin_of
from relatedposts.ingest.wordpress import is_wordpress, site_of
from relatedposts.models import Article
from relatedposts.urls import UnsafeURL

_QUEUES: dict[str, _Queue] = {}
_QUEUES_LOCK = threading.Lock()


@dataclass(frozen=True)
class IngestResult:
    """What a publish did: the live version, the articles whose lists changed, the timings."""

    version: str
    changed: list[str]
    published: bool
    seconds: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        """Return the JSON answer of POST /admin/ingest and `ingest --json`."""
        return {"status": "ok", "version": self.version, "changed": self.changed,
                "published": self.published, "seconds": self.seconds}


@dataclass
class _Job:
    change: Change
    result: IngestResult | None = None
    error: BaseException | None = None
    done: bool = False


@dataclass
class _Queue:
    pending: list[_Job] = field(default_factory=list)
    turn: threading.Lock = field(default_factory=threading.Lock)
    guard: threading.Lock = field(default_factory=threading.Lock)


def publish_url(url: str, settings: Settings, embedder: Embedder, remove: bool = False,
                base: idx.IndexData | None = None) -> IngestResult:
    """Fetch url (unless remove) from the site's own origins and publish it; raise BadRequest
    for a URL of another site, FetchError/ExtractError when the page cannot be read."""
    live = base.articles if base is not None else _live_articles(settings)
    origins = allowed_origins(settings, live)
    try:
        checked = Fetcher(settings, origins).own_url(url)  # no request: origin and syntax
    except FetchRefused as exc:
        raise BadRequest(f"{exc.message}: only URLs of this site can be published "
                         f"({', '.join(sorted(origins)) or 'no web origin configured'})"
                         ) from None
    if remove:
        change = Change(str(checked))
    else:
        try:
            change = Change(str(checked), fetch_article(str(checked), settings, origins))
        except FetchRefused as exc:
            raise BadRequest(exc.message) from None
    result = ingest(change, settings, embedder, base)
    _record(change, settings)
    return result


def allowed_origins(settings: Settings, articles: list[Article]) -> list[str]:
    """Return the origins a publish may fetch: the site's web sources' and its articles'."""
    sources = [site_of(s) if is_wordpress(s) else s for s in settings.site]  # wp+https://...
    found = {str(origin_of(s)) for s in sources if "://" in s and not s.startswith("file:")}
    for article in articles:
        try:
            found.add(str(origin_of(article.url)))
        except UnsafeURL:
            continue  # a stored oddity (e.g. javascript:) names no origin
    return sorted(found)


def _live_articles(settings: Settings) -> list[Article]:
    """Return the live version's articles ([] without one)."""
    try:
        return idx.load_articles(VersionStore(settings.index_dir).current())
    except (IndexNotReady, IndexFormatError):
        return []


def _record(change: Change, settings: Settings) -> None:
    """Keep the corpus in step, so the next full rebuild keeps what was published."""
    corpus = Path(settings.corpus_dir)
    if change.article is None:
        (corpus / store.record_name(change.url)).unlink(missing_ok=True)
        return
    corpus.mkdir(parents=True, exist_ok=True)
    store.write_record(corpus, change.article, change.url)


def ingest(change: Change, settings: Settings, embedder: Embedder,
           base: idx.IndexData | None = None) -> IngestResult:
    """Publish one change (queued with concurrent ones); return once its version is live.

    base: the version already loaded in memory (the service's), used when it is still live.
    """
    queue = _queue(Path(settings.index_dir))
    job = _Job(change)
    with queue.guard:
        queue.pending.append(job)
    with queue.turn:  # one holder at a time; it takes every change queued so far
        if not job.done:
            with queue.guard:
                batch, queue.pending = queue.pending, []
            _run(batch, settings, embedder, base)
    if job.error is not None:
        raise job.error
    assert job.result is not None
    return job.result


def _run(batch: list[_Job], settings: Settings, embedder: Embedder,
         base: idx.IndexData | None) -> None:
    """Apply a batch of changes as one version; every job gets the result or the error."""
    try:
        result = publish_changes([j.change for j in batch], settings, embedder, base)
    except BaseException as exc:  # noqa: BLE001 - handed to each waiting caller, re-raised there
        for job in batch:
            job.error, job.done = exc, True
        return
    for job in batch:
        job.result, job.done = result, True


def publish_changes(changes: list[Change], settings: Settings, embedder: Embedder,
                    base: idx.IndexData | None = None) -> IngestResult:
    """Make and publish the version with these changes (the last one per URL wins)."""
    root = Path(settings.index_dir)
    t0 = time.perf_counter()
    with wait_build_lock(root, settings.ingest_wait_seconds):
        seconds = {"wait": round(time.perf_counter() - t0, 3)}
        store = VersionStore(root)
        current = store.current()
        t0 = time.perf_counter()
        data = base if base is not None and base.path == current else idx.load(current)
        seconds["load"] = round(time.perf_counter() - t0, 3)
        outcome = apply_changes(data, changes, settings, embedder, seconds)
        if outcome is None:  # nothing new: the same publish again
            return IngestResult(current.name, [], False, seconds)
        store.clear_stale()
        timings: dict[str, float] = {}
        publish(store, outcome.data, embedder, settings, True, False, timings)
        seconds.update({k: round(v, 3) for k, v in timings.items()})
        return IngestResult(outcome.data.manifest.version, outcome.changed, True, seconds)


def _queue(root: Path) -> _Queue:
    """Return the publish queue of an index directory (one per directory in this process)."""
    key = str(root.resolve())
    with _QUEUES_LOCK:
        return _QUEUES.setdefault(key, _Queue())
