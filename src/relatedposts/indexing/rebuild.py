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

from relatedposts.config import Settings
from relatedposts.errors import RelatedPostsError
from relatedposts.indexing.buildlock import build_lock
from relatedposts.models import ScrapeReport

# Heavy modules (faiss, numpy, requests) are imported where used: every CLI command loads this.

EXIT_OK, EXIT_ERROR, EXIT_NOTHING, EXIT_REFUSED, EXIT_RELOAD = 0, 1, 2, 3, 4
log = logging.getLogger("relatedposts.indexing.rebuild")
log.addHandler(logging.NullHandler())  # say() already prints: its lines go to the log file only
log.propagate = False


def say(message: str, err: bool = False) -> None:
    """Print a line for the operator and append it to the rebuild log."""
    print(message, file=sys.stderr if err else sys.stdout, flush=True)
    log.log(logging.ERROR if err else logging.INFO, message)


def run_rebuild(settings: Settings, force: bool = False, quiet: bool = False) -> int:
    """Scrape, build, verify, switch and reload; return the exit status for cron."""
    from relatedposts.indexing.verify import GateRefused

    stages: dict[str, float] = {}
    try:
        with build_lock(settings.index_dir):
            report = _scrape(settings, quiet, stages)
            if not report.articles and not report.unchanged:
                say("error: nothing scraped; the live index is unchanged", err=True)
                return EXIT_NOTHING
            _build(settings, force, quiet, stages)
    except GateRefused as exc:
        for problem in exc.problems:
            say(f"refused: {problem}", err=True)
        say("error: the new version failed verification; the live index is unchanged",
            err=True)
        return EXIT_REFUSED
    except (RelatedPostsError, OSError) as exc:
        say(f"error: {getattr(exc, 'message', None) or exc}", err=True)
        return EXIT_ERROR
    code = reload_services(settings, stages)
    total = sum(stages.values())
    say("time: " + ", ".join(f"{k} {v:.1f}s" for k, v in stages.items()) +
        f"; total {total:.1f}s")
    return code


def _scrape(settings: Settings, quiet: bool, stages: dict[str, float]) -> ScrapeReport:
    """Scrape the configured site (pruning pages gone from it) and report what happened."""
    from tqdm import tqdm

    from relatedposts.ingest.crawl import scrape

    t0 = time.perf_counter()
    with tqdm(desc="scraping", unit="page", leave=False,
              disable=True if quiet else None) as bar:
        report = scrape(settings.site, settings, prune=True, progress=bar)
    stages["scrape"] = time.perf_counter() - t0
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
    return report


def _build(settings: Settings, force: bool, quiet: bool, stages: dict[str, float]) -> None:
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
    result = build_index(articles, embedder, settings, force=force, progress=not quiet)
    stages.update(result.seconds)
    m = result.manifest
    say(f"build: {m.articles} articles, {m.chunks} chunks; {result.embedded} chunks embedded, "
        f"{result.reused} reused from the cache")
    say(f"live: version {m.version} ({result.version_dir})")


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
