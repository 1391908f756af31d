"""The editor's one command and its undo: rebuild (scrape, build, verify, switch, reload), rollback.

Exit statuses a cron job can act on: 0 live and reloaded, 1 error, 2 nothing scraped,
3 the verification gate refused the new version, 4 live on disk but the reload call failed
(running services still pick it up from the CURRENT watcher).
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from relatedposts.config import Settings
from relatedposts.errors import RelatedPostsError
from relatedposts.indexing.buildlock import build_lock
from relatedposts.indexing.rebuild_status import RebuildStatus
from relatedposts.models import ScrapeReport

if TYPE_CHECKING:
    from relatedposts.ingest.crawl import Progress

# Heavy modules (faiss, numpy, requests) are imported where used: every CLI command loads this.

EXIT_OK, EXIT_ERROR, EXIT_NOTHING, EXIT_REFUSED, EXIT_RELOAD = 0, 1, 2, 3, 4
log = logging.getLogger("relatedposts.indexing.rebuild")
log.addHandler(logging.NullHandler())  # say() already prints: its lines go to the log file only
log.propagate = False


def say(message: str, err: bool = False) -> None:
    """Print a line for the operator and append it to the rebuild log."""
    print(message, file=sys.stderr if err else sys.stdout, flush=True)
    log.log(logging.ERROR if err else logging.INFO, message)


def run_rebuild(settings: Settings, force: bool = False, quiet: bool = False,
                status_file: Path | None = None) -> int:
    """Scrape, build, verify, switch and reload; return the exit status for cron.

    status_file (the console's rebuild): told each stage, then the outcome in words; written
    only once the build lock is ours, so a refused rebuild never overwrites a running one's.
    """
    from relatedposts.indexing.verify import GateRefused

    stages: dict[str, float] = {}
    result: dict[str, object] = {}
    status: RebuildStatus | None = None
    try:
        with build_lock(settings.index_dir):
            status = RebuildStatus(status_file) if status_file else None
            result = _scrape(settings, quiet, stages, status)
            if not result["fetched"] and not result["unchanged"]:
                return _fail(status, EXIT_NOTHING, "nothing scraped; the live index is "
                             "unchanged", result)
            result |= _build(settings, force, quiet, stages, status)
    except GateRefused as exc:
        for problem in exc.problems:
            say(f"refused: {problem}", err=True)
        return _fail(status, EXIT_REFUSED, "the new version failed verification; the live "
                     "index is unchanged", result, list(exc.problems))
    except (RelatedPostsError, OSError) as exc:
        return _fail(status, EXIT_ERROR, f"{getattr(exc, 'message', None) or exc}", result)
    code = reload_services(settings, stages)
    total = sum(stages.values())
    say("time: " + ", ".join(f"{k} {v:.1f}s" for k, v in stages.items()) +
        f"; total {total:.1f}s")
    if status is not None:
        status.finish(code, "" if code == EXIT_OK else "the new version is live on disk, but "
                      "announcing it failed: services switch to it within "
                      f"{settings.reload_check_seconds:g}s", **result)
    return code


def _fail(status: RebuildStatus | None, code: int, message: str, result: dict[str, object],
          problems: list[str] | None = None) -> int:
    """Say why the rebuild stopped, record it in status, and return its exit status."""
    say(f"error: {message}", err=True)
    if status is not None:
        status.finish(code, message, problems=problems or [], **result)
    return code


def _scrape(settings: Settings, quiet: bool, stages: dict[str, float],
            status: RebuildStatus | None = None) -> dict[str, object]:
    """Scrape the configured site (pruning pages gone from it); report and count what happened."""
    from tqdm import tqdm

    from relatedposts.ingest.crawl import scrape
    from relatedposts.ingest.store import load_state

    t0 = time.perf_counter()
    known = {r.get("url") for r in load_state(settings.corpus_dir).values()}
    if status is not None:
        status.stage("scraping")
    with tqdm(desc="scraping", unit="page", leave=False,
              disable=True if quiet else None) as bar:
        report = scrape(settings.site, settings, prune=True,
                        progress=bar if status is None else _Both(bar, status))
    stages["scrape"] = time.perf_counter() - t0
    _say_scrape(report)
    added = sum(1 for a in report.articles if a.url not in known)
    return {"fetched": len(report.articles), "added": added,
            "changed": len(report.articles) - added, "unchanged": report.unchanged,
            "removed": report.removed, "skipped": sum(1 for f in report.failures if f.skipped),
            "failed": sum(1 for f in report.failures if not f.skipped)}


class _Both:
    """Two progress bars advanced together (the terminal's and the status file's)."""

    def __init__(self, *bars: Progress) -> None:
        self.bars = bars

    def reset(self, total: int | None = None) -> None:
        for bar in self.bars:
            bar.reset(total=total)

    def update(self, n: float | None = 1) -> None:
        for bar in self.bars:
            bar.update(n)


def _say_scrape(report: ScrapeReport) -> None:
    """Print what the scrape fetched, skipped, failed and removed."""
    failed = [f for f in report.failures if not f.skipped]
    skipped = [f for f in report.failures if f.skipped]  # listing pages: as `scrape` says
    say(f"scrape: {len(report.articles)} pages fetched (new or changed), {report.unchanged} "
        f"unchanged, {len(failed)} failed, {report.removed} removed"
        + (f", {len(skipped)} skipped (not articles)" if skipped else ""))
    for f in failed:
        say(f"  failed {f.url}: {f.reason}")
    for f in skipped:
        say(f"  skipped {f.url}: {f.reason}")
    for f in report.warnings + report.duplicates:  # kept (thin, odd title) or folded copies
        say(f"  note {f.url}: {f.reason}")
    if report.prune_skipped:
        say(f"  kept records of unlisted pages: {report.prune_skipped}")


def _build(settings: Settings, force: bool, quiet: bool, stages: dict[str, float],
           status: RebuildStatus | None = None) -> dict[str, object]:
    """Build from the corpus with the embedding cache; verify and switch (may raise)."""
    from relatedposts.indexing.build import build_index, refuse_unknown_pins
    from relatedposts.indexing.embedders import make_embedder
    from relatedposts.ingest.store import read_corpus

    articles = read_corpus(settings.corpus_dir)
    if not force:
        refuse_unknown_pins(articles, settings)
    t0 = time.perf_counter()
    embedder = make_embedder(settings, build=True)
    stages["model"] = time.perf_counter() - t0
    result = build_index(articles, embedder, settings, force=force, progress=not quiet,
                         on_progress=status.progress if status is not None else None)
    stages.update(result.seconds)
    m = result.manifest
    say(f"build: {m.articles} articles, {m.chunks} chunks; {result.embedded} chunks embedded, "
        f"{result.reused} reused from the cache")
    say(f"live: version {m.version} ({result.version_dir})")
    return {"version": m.version, "articles": m.articles, "chunks": m.chunks,
            "embedded": result.embedded, "reused": result.reused}


def reload_services(settings: Settings, stages: dict[str, float]) -> int:
    """Announce through Redis and POST /admin/reload to Settings.reload_url; return the exit
    status."""
    if settings.redis_url:
        code = announce(settings, stages)
        if not settings.reload_url or code != EXIT_OK:
            return code
    elif not settings.reload_url:
        say("reload: no reload_url set; running services switch within "
            f"{settings.reload_check_seconds:g}s (CURRENT watcher)")
        return EXIT_OK
    t0 = time.perf_counter()
    error = post_reload(settings)
    stages["reload"] = time.perf_counter() - t0
    if error:
        say(f"error: the new version is live on disk but reloading {settings.reload_url} "
            f"failed: {error}", err=True)
        return EXIT_RELOAD
    say(f"reload: {settings.reload_url} now serves the new version")
    return EXIT_OK


def announce(settings: Settings, stages: dict[str, float]) -> int:
    """Publish the live version on the replicas' reload channel; return the exit status."""
    from relatedposts.indexing.versions import current_version
    from relatedposts.redisbus import publish_reload

    t0 = time.perf_counter()
    try:
        version = current_version(settings.index_dir).name
        heard = publish_reload(settings, version)
    except Exception as exc:  # noqa: BLE001 - a dead Redis: the CURRENT watcher still works
        say(f"error: the new version is live on disk but announcing it through redis failed: "
            f"{exc}", err=True)
        return EXIT_RELOAD
    stages["announce"] = time.perf_counter() - t0
    say(f"reload: announced {version} to {heard} subscribed worker(s) through redis")
    return EXIT_OK


def post_reload(settings: Settings) -> str | None:
    """Ask the service to reload; return what went wrong, or None when it worked."""
    import requests

    headers = {"Authorization": f"Bearer {settings.admin_token}"} if settings.admin_token else {}
    try:
        resp = requests.post(settings.reload_url, headers=headers, timeout=120)
    except requests.RequestException as exc:
        return f"{type(exc).__name__}: {str(exc)[:200]}"
    if resp.status_code != 200:
        return f"HTTP {resp.status_code} {resp.text[:200].strip()}"
    return None


def rollback(settings: Settings) -> tuple[str, str]:
    """Point CURRENT back at the version live before this one; return (from, to) names."""
    from relatedposts.indexing.verify import verify
    from relatedposts.indexing.versions import VersionStore

    return VersionStore(settings.index_dir).rollback(lambda path: verify(path, settings, None))


@contextmanager
def log_to_file(path: Path | None, command: str = "") -> Iterator[None]:
    """Append this package's log lines, timestamped, to path for the block (None: don't)."""
    if path is None or not str(path):
        yield
        return
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, mode="a", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger = logging.getLogger("relatedposts")
    level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    log.addHandler(handler)
    try:
        log.info("relatedposts %s", command)
        yield
    finally:
        logger.removeHandler(handler)
        log.removeHandler(handler)
        logger.setLevel(level)
        handler.close()
