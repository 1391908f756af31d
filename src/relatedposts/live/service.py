"""The serving core shared by the HTTP API and the CLI: a live index that can be swapped."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from relatedposts.config import Settings
from relatedposts.errors import IndexNotReady, NotFound, QueryTimeout, RelatedPostsError
from relatedposts.indexing import index as idx
from relatedposts.indexing.ann import tune_for_search
from relatedposts.indexing.embedders import Embedder, make_embedder
from relatedposts.indexing.embedders.lazy import LazyEmbedder
from relatedposts.indexing.keywords import Vocabulary, load_dictionary
from relatedposts.indexing.lookup import related_posts
from relatedposts.indexing.verify import related_problems
from relatedposts.indexing.versions import VersionStore
from relatedposts.live.replicas import make_event_store, make_query_log
from relatedposts.logs.background import BackgroundLog
from relatedposts.models import Article, RelatedPost, SearchPage
from relatedposts.search import Filters, Searcher, Suggester, Suggestion
from relatedposts.urls import url_key

log = logging.getLogger(__name__)
SEARCH_THREADS = 8  # searches run here so a stalled one can be abandoned at its time budget

RELATED_MEMO = 20_000  # related lists a worker keeps built (about 1 KB each at 6 posts)


@dataclass(frozen=True)
class Live:
    """One loaded, read-only index version and what serves it."""

    data: idx.IndexData
    searcher: Searcher
    by_key: dict[str, int]
    # (article, limit) -> its related list, built at the first lookup: the lists are fixed
    # for a version's lifetime, so a lookup is then a dict hit. Bounded by RELATED_MEMO
    # entries, so a huge site cannot grow a worker without limit.
    related_memo: dict[tuple[int, int], tuple[RelatedPost, ...]] = field(default_factory=dict)
    # The HTTP layer's serialized related responses for this version, under the same bound.
    related_bodies: dict[tuple[str, int], tuple[bytes, str]] = field(default_factory=dict)
    # The version's completions, built at its first suggest call (one slot).
    suggester: list[Suggester] = field(default_factory=list)


class Service:
    """Hold the live index; search and related lookups read it, reload swaps it atomically."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self.store = VersionStore(settings.index_dir)
        # The model loads on the first search that needs a vector, never for related lists,
        # reports or health checks (issue 14): a lookup costs no model load and no memory.
        if isinstance(embedder, LazyEmbedder):  # shared by sites: still not loaded here
            self._lazy = LazyEmbedder(embedder.get, self._check_embedder)
        else:
            self._lazy = LazyEmbedder.of(embedder) if embedder is not None else \
                LazyEmbedder(lambda: make_embedder(settings), self._check_embedder)
        self._live: Live | None = None
        self._lock = threading.Lock()
        self.vocabulary = Vocabulary.load(settings.vocabulary_file)
        self.dictionary = _dictionary(settings)
        self.load_error: str | None = None
        self.reload_failures = 0  # reloads that kept the old version (read by /metrics)
        # The CURRENT watcher: when to look next, what the pointer looked like when loaded.
        self._next_check = 0.0
        self._seen: tuple[int, int] | None = None
        self._watch_lock = threading.Lock()
        # On by default; on Redis streams when replicas share one (issue 17).
        self.query_log = _off_the_request(make_query_log(settings), settings)
        self.events = make_event_store(settings)  # clicks and impressions (issue 16)
        self._search_pool = ThreadPoolExecutor(max_workers=SEARCH_THREADS,
                                               thread_name_prefix="relatedposts-search")
        self.on_reload: Callable[[], object] | None = None  # after each swap (live/warmup.py)

    @property
    def embedder(self) -> Embedder:
        """Return the embedder, loading the model on first use."""
        return self._lazy.get()

    @property
    def model_loaded(self) -> bool:
        """Return whether the embedding model has been loaded in this process."""
        return self._lazy.loaded

    def _check_embedder(self, embedder: Embedder) -> None:
        """Refuse a freshly loaded model that does not match the live index's."""
        live = self._live
        if live is not None:
            _check_model(live.data.manifest, embedder)

    @property
    def live(self) -> Live:
        """Return the live index or raise IndexNotReady naming the build command."""
        live = self._live
        if live is None:
            raise IndexNotReady(self.load_error or f"no index loaded: {idx.BUILD_HINT}")
        return live

    @property
    def has_live(self) -> bool:
        """Return whether an index is loaded."""
        return self._live is not None

    def reload(self, version_dir: Path | None = None) -> idx.Manifest:
        """Load the CURRENT (or given) version and swap it in; on failure keep serving the old."""
        with self._lock:
            if version_dir is None:
                self._seen = self._pointer_stamp()
            path = version_dir or self.store.current()
            if self._live is not None and self._live.data.path == path:
                self.load_error = None  # e.g. CURRENT rolled back to the version being served
                return self._live.data.manifest
            loaded = self._lazy.current  # checked now if loaded, else on its first load
            # A sites file's indexes are memory-mapped: many sites, one page cache.
            data = idx.load(path, mmap=self.settings.mmap_index and bool(self.settings.site_name))
            if loaded is not None:
                _check_model(data.manifest, loaded)
            bad = related_problems(data)
            if bad:  # the gate refuses these; a version written by hand must not load either
                raise idx.IndexFormatError(f"index {path.name} is inconsistent: "
                                           + "; ".join(bad))
            tune_for_search(data.faiss_index, self.settings)
            searcher = Searcher(data, self._lazy, self.settings, self.vocabulary,
                                self.dictionary)
            by_key = {url_key(a.url): i for i, a in enumerate(data.articles)}
            self._live = Live(data, searcher, by_key)
            self.load_error = None
            if self.on_reload is not None:
                self.on_reload()
            return data.manifest

    def try_reload(self) -> bool:
        """Reload, recording (not raising) why it failed; return whether an index is live."""
        try:
            self.reload()
        except (IndexNotReady, idx.IndexFormatError) as exc:
            self.load_error = exc.message
            self.reload_failures += 1
            if self._live is None:
                self._fall_back(exc.message)
        return self._live is not None

    def _fall_back(self, reason: str) -> None:
        """Serve the newest older version that loads, keeping the reason in load_error."""
        bad = self.store.current_name()
        for version in self.store.older_than_current():
            try:
                self.reload(version)
            except (IndexNotReady, idx.IndexFormatError) as exc:
                log.warning("fallback: version %s cannot be loaded either: %s", version.name,
                            exc.message)
                continue
            self.load_error = (f"CURRENT names {bad}, which cannot be loaded ({reason}); "
                               f"serving the last good version {version.name}")
            log.warning("%s", self.load_error)
            return

    def watch_pointer(self) -> None:
        """Switch to the version CURRENT names before answering, if it changed (read-your-writes).

        A stat per request (every reload_check_seconds when > 0) notices a new pointer; the
        first request to see it loads the version while later ones wait on the lock, so once
        any worker has answered from a version (or POST /admin/reload said 200), every later
        request to any worker does too. A version that fails to load is tried once per
        pointer change; the old one keeps serving and load_error says why.
        """
        interval = self.settings.reload_check_seconds
        if interval < 0:
            return
        if interval > 0:
            now = time.monotonic()
            if now < self._next_check:
                return
            self._next_check = now + interval
        stamp = self._pointer_stamp()
        if stamp == self._seen:
            return
        with self._watch_lock:
            if stamp != self._seen:
                self._sync_reload()

    def _sync_reload(self) -> None:
        """Reload CURRENT; on any failure keep serving the old version and record why."""
        try:
            manifest = self.reload()
            log.info("now serving index version %s", manifest.version)
        except Exception as exc:  # noqa: BLE001 - whatever broke, the old index stays live
            self.load_error = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
            self.reload_failures += 1
            log.warning("reload failed, still serving the previous index: %s", self.load_error)

    def _pointer_stamp(self) -> tuple[int, int] | None:
        """Return CURRENT's stamp: a rename or a rewrite changes it."""
        return self.store.pointer_stamp()

    def search(self, query: str, limit: int = 10, offset: int = 0,
               filters: Filters | None = None, log_query: bool = False,
               visitor: str | None = None) -> SearchPage:
        """Search the live index within its time budget; log_query: log it once (first page).

        visitor (the address) is only ever stored as the day's keyed token (logs/visitors.py).
        """
        page = self._search(query, limit, offset, filters)
        if log_query and offset == 0:  # one log line per search, not per page
            self.query_log.record(query, page.total, visitor)
        return page

    def _search(self, query: str, limit: int, offset: int,
                filters: Filters | None) -> SearchPage:
        """Run the search on a pool thread and give up at the time budget (QueryTimeout)."""
        searcher, budget = self.live.searcher, self.settings.query_timeout_seconds
        if budget <= 0:
            return searcher.search(query, limit, offset, filters)
        future = self._search_pool.submit(searcher.search, query, limit, offset, filters)
        try:
            return future.result(timeout=budget)
        except FutureTimeout:
            future.cancel()  # drops it if it never started; a running one finishes unseen
            log.warning("a search went over its %.1f s budget", budget)  # no query: privacy
            raise QueryTimeout(f"the search took longer than {budget:g} s: please try again "
                               "in a moment") from None

    def suggest(self, prefix: str, limit: int | None = None) -> list[Suggestion]:
        """Return completions of prefix from the live version (built once per version)."""
        live = self.live
        if not live.suggester:  # two first calls may both build: the same, harmlessly
            popular = _popular_queries(self.query_log, self.settings)
            live.suggester[:] = [Suggester.build(live.data.articles, self.vocabulary, popular,
                                                 live.data.keyword.vocab)]
        return live.suggester[0].suggest(prefix, limit or self.settings.suggest_limit)

    def find_article(self, url: str, live: Live | None = None) -> tuple[int, Article]:
        """Return the position and article for a URL (tolerant of www, slash, scheme, query)."""
        live = live or self.live
        pos = live.by_key.get(url_key(url))
        if pos is None:
            raise NotFound(f"no article with url {url!r} in the index")
        return pos, live.data.articles[pos]

    def related(self, url: str, limit: int | None = None,
                live: Live | None = None) -> tuple[Article, list[RelatedPost]]:
        """Return the article and its precomputed 'You Might Also Enjoy' list (a lookup)."""
        limit = limit or self.settings.related_limit
        live = live or self.live  # one version for the whole lookup, even if a reload swaps it
        pos, article = self.find_article(url, live)
        posts = live.related_memo.get((pos, limit))
        if posts is None:
            posts = related_posts(live.data, pos, limit)
            if len(live.related_memo) >= RELATED_MEMO:
                live.related_memo.clear()  # rare (huge sites): rebuilt lists are cheap
            live.related_memo[pos, limit] = posts
        return article, list(posts)


def _check_model(manifest: idx.Manifest, embedder: Embedder) -> None:
    """Raise IndexFormatError unless the embedder makes the index's kind of vectors."""
    if manifest.model != embedder.name:
        raise idx.IndexFormatError(f"index {manifest.version} was built with model "
                                   f"{manifest.model!r} but the service uses {embedder.name!r}: "
                                   "rebuild the index")
    if manifest.dim != embedder.dim:
        raise idx.IndexFormatError(f"index dimension {manifest.dim} does not match the model's "
                                   f"{embedder.dim}: rebuild the index")


def _off_the_request(query_log: Any, settings: Settings) -> Any:
    """Return the query log, written by a background thread unless the queue is 0 or it is off."""
    if settings.query_log_queue <= 0 or not getattr(query_log, "enabled", True):
        return query_log
    return BackgroundLog(query_log, settings.query_log_queue)


def _dictionary(settings: Settings) -> frozenset[str]:
    """Load the real-word list used to tell typos from words the blog does not use."""
    try:
        return load_dictionary(settings.model_path())
    except RelatedPostsError:
        return frozenset()  # no model installed: typo fixing falls back to the corpus alone


def _popular_queries(query_log: object, settings: Settings) -> list[str]:
    """Return the frequent queries that found articles, each asked by k distinct visitors."""
    report = getattr(query_log, "report", None)  # the Redis stream log has no report
    if report is None or settings.suggest_popular <= 0:
        return []
    rep = report(settings.suggest_popular, max(1, settings.privacy_min_visitors))
    unanswered = {q for q, _ in rep.unanswered}
    # A scrubbed query ("[name] back pain") is no completion to offer.
    return [q for q, _ in rep.frequent if q not in unanswered and "[" not in q]
