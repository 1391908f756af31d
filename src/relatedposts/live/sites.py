"""Many sites in one service: a Service per site, loaded on first use, at most N kept (LRU).

Every site has its own index directory (versions, CURRENT, rollback, overrides) and its own
Service, so an answer is always computed from one site's index. The embedding model is shared:
it is the same for every site and is by far the largest thing in memory. Indexes are
memory-mapped (Settings.mmap_index), so an evicted site costs nothing to load again but the
page cache, and workers on one machine share the same pages.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable

from relatedposts.config import Settings
from relatedposts.errors import NotFound
from relatedposts.indexing.embedders import Embedder, make_embedder
from relatedposts.indexing.embedders.lazy import LazyEmbedder
from relatedposts.live.service import Service
from relatedposts.sites import Site, load_sites, site_settings

log = logging.getLogger(__name__)


class SiteRegistry:
    """The sites of a sites file and an LRU of their loaded Services."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None,
                 sites: dict[str, Site] | None = None) -> None:
        self.settings = settings
        self.sites = sites if sites is not None else load_sites(settings)
        self.max_loaded = max(1, settings.max_loaded_sites)
        # Shared and lazy: /healthz and related lists never load (or export) the model.
        self._embedder = LazyEmbedder.of(embedder) if embedder is not None else \
            LazyEmbedder(lambda: make_embedder(settings))
        self._loaded: OrderedDict[str, Service] = OrderedDict()
        self._lock = threading.Lock()
        self._site_locks = {name: threading.Lock() for name in self.sites}
        # Origins as browsers send them (sites.py lowercases them and drops a trailing slash).
        self._origins = {name: frozenset(s.origins) for name, s in self.sites.items()}
        self.on_load: Callable[[Service], object] | None = None  # each site's (live/warmup.py)

    def names(self) -> list[str]:
        """Return the site names, in file order."""
        return list(self.sites)

    def embedder(self) -> LazyEmbedder:
        """Return the one embedder every site shares; the model loads at the first vector."""
        return self._embedder

    def site(self, name: str | None) -> Site:
        """Return a site by name, or raise NotFound (never a path: names are only keys)."""
        site = self.sites.get(name or "")
        if site is None:
            raise NotFound(f"no site named {(name or '')[:80]!r} on this service")
        return site

    def get(self, name: str | None) -> Service:
        """Return the site's Service, loading its index on first use and evicting the LRU."""
        site = self.site(name)
        with self._lock:
            service = self._loaded.get(site.name)
            if service is not None:
                self._loaded.move_to_end(site.name)
                return service
        with self._site_locks[site.name]:  # one load per site, others keep being served
            with self._lock:
                service = self._loaded.get(site.name)
            if service is None:
                service = self._load(site)
            with self._lock:
                self._loaded[site.name] = service
                self._loaded.move_to_end(site.name)
                while len(self._loaded) > self.max_loaded:
                    evicted, _ = self._loaded.popitem(last=False)
                    log.info("site %s unloaded (more than %d sites loaded)", evicted,
                             self.max_loaded)
            return service

    def _load(self, site: Site) -> Service:
        """Create and load one site's Service (an index that fails to load stays a 503)."""
        service = Service(site_settings(self.settings, site), self.embedder())
        if not service.try_reload():
            log.warning("site %s has no index: %s", site.name, service.load_error)
        if self.on_load is not None:
            self.on_load(service)
        return service

    def loaded(self) -> list[Service]:
        """Return the Services loaded now, least recently used first."""
        with self._lock:
            return list(self._loaded.values())

    def loaded_names(self) -> list[str]:
        """Return the names of the loaded sites, least recently used first."""
        with self._lock:
            return list(self._loaded)

    def peek(self, name: str) -> Service | None:
        """Return the site's Service if it is loaded, without loading or touching the LRU."""
        with self._lock:
            return self._loaded.get(name)

    def origins(self, name: str | None) -> frozenset[str]:
        """Return the CORS origins of a site (none for an unknown one)."""
        return self._origins.get(name or "", frozenset())
