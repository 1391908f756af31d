"""Warm-up: build what a version's first search would build before any visitor asks.

A worker's first search loads the model and stems every passage for the keyword postings
and the snippets: about 1.2 s on the dev set (6,700 passages) for the first patient after
each start, and the stemming part again after each reload; the completions of
search-as-you-type are built at the first keystroke (0.26 s). `serve` warms a worker before it
reports ready, so a rolling restart hands visitors only warm workers, and warms each
reloaded version on a background thread (RELATEDPOSTS_SERVE_WARM_UP). With a sites file the
sites load on first use, so only the shared model is loaded and run once: the largest part
of a first search, and the same for every site.
"""

from __future__ import annotations

import logging
import threading
import time

from relatedposts.live.service import Service
from relatedposts.live.sites import SiteRegistry

log = logging.getLogger(__name__)

WARM_QUERY = "back pain"  # any text does: the search runs only for what it builds


def warm(service: Service) -> float | None:
    """Run one unlogged search on the live version now; return its seconds (None: none ran)."""
    if not service.has_live:
        return None
    t0 = time.perf_counter()
    try:
        service.live.searcher.search(WARM_QUERY)
        # Completions are built per version at their first keystroke (260 ms on the dev
        # set), and search-as-you-type is the first thing a visitor does.
        service.suggest(WARM_QUERY[:3])
    except Exception as exc:  # noqa: BLE001 - a visitor's search reports it; serving goes on
        log.warning("warm-up search failed: %s", getattr(exc, "message", None) or exc)
        return None
    seconds = time.perf_counter() - t0
    log.info("index version %s warmed in %.2fs", service.live.data.manifest.version, seconds)
    return seconds


def warm_in_background(service: Service) -> threading.Thread:
    """Start warming the live version on a daemon thread and return the thread."""
    thread = threading.Thread(target=warm, args=(service,), name="relatedposts-warm",
                              daemon=True)
    thread.start()
    return thread


def warm_each_reload(service: Service) -> None:
    """Warm each version the service reloads to, in the background."""
    service.on_reload = lambda: warm_in_background(service)


def keep_warm(service: Service) -> float | None:
    """Warm the service now, then each version it reloads (in the background)."""
    seconds = warm(service)
    warm_each_reload(service)
    return seconds


def warm_model(registry: SiteRegistry) -> float | None:
    """Load and run the model every site shares now; return its seconds (None: it failed).

    Each site loaded later warms the versions it reloads to in the background, as a single
    site does (its first version is built by its first visitor's request: tens of ms).
    """
    registry.on_load = warm_each_reload
    t0 = time.perf_counter()
    try:
        registry.embedder().get().encode([WARM_QUERY])
    except Exception as exc:  # noqa: BLE001 - the first search reports it; serving goes on
        log.warning("warm-up of the model failed: %s", getattr(exc, "message", None) or exc)
        return None
    seconds = time.perf_counter() - t0
    log.info("model warmed in %.2fs for %d sites", seconds, len(registry.sites))
    return seconds
