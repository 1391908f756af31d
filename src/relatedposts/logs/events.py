"""The store of clicks and impressions behind POST /api/events (events_api.py).

The widget and the search page send `{"type": "click", "list": "related"|"search", "from",
"to", "position"}` with navigator.sendBeacon. Only what is needed to compute click-through
is kept: the list, the canonical URLs of two published articles (so nothing a visitor typed
can reach the store), the position, and the time. Never an address, a user agent or a cookie;
the route sets none. Impressions (lists served by /api/related and the search page) are
counted in memory and written as one aggregate line at most every FLUSH_SECONDS.
"""

from __future__ import annotations

import atexit
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from relatedposts.config import Settings
from relatedposts.logs.jsonlog import JsonLog, Rotation, read_all
from relatedposts.logs.querylog import rotation_of

LISTS = ("related", "search")
FLUSH_SECONDS = 30.0


class EventStore:
    """Clicks as JSON lines; impressions counted in memory and flushed as aggregates."""

    def __init__(self, path: str | Path | None, rotation: Rotation | None = None) -> None:
        self.log = JsonLog(path, rotation)
        self.rotation = self.log.rotation
        self._lock = threading.Lock()
        self._shown: dict[str, Counter[str]] = {name: Counter() for name in LISTS}
        self._positions: dict[str, Counter[str]] = {name: Counter() for name in LISTS}
        self._next_flush = time.monotonic() + FLUSH_SECONDS
        if self.log.enabled:
            atexit.register(self.flush)

    @classmethod
    def from_settings(cls, settings: Settings) -> EventStore:
        """Return the event store the settings describe (on by default, in INDEX_DIR)."""
        return cls(settings.data_file(settings.event_log), rotation_of(settings))

    def click(self, list_name: str, source: str, target: str, position: int) -> None:
        """Store one validated click."""
        self.log.append({"type": "click", "list": list_name, "from": source, "to": target,
                         "position": position})

    def impressions(self, list_name: str, urls: list[str], first_position: int = 1) -> None:
        """Count that these articles were shown in this list, from first_position on."""
        if not self.log.enabled or not urls:
            return
        with self._lock:
            for offset, url in enumerate(urls):
                self._shown[list_name][url] += 1
                self._positions[list_name][str(first_position + offset)] += 1
            due = time.monotonic() >= self._next_flush
        if due:
            self.flush()

    def flush(self) -> None:
        """Write the impressions counted so far as one line per list."""
        with self._lock:
            pending = [(name, dict(self._shown[name]), dict(self._positions[name]))
                       for name in LISTS if self._shown[name]]
            for name in LISTS:
                self._shown[name].clear()
                self._positions[name].clear()
            self._next_flush = time.monotonic() + FLUSH_SECONDS
        for name, shown, positions in pending:
            self.log.append({"type": "impressions", "list": name, "shown": shown,
                             "positions": positions})

    def entries(self) -> list[dict[str, Any]]:
        """Return the stored events within retention (impressions flushed first)."""
        self.flush()
        if self.log.path is None:
            return []
        return read_all(self.log.path, self.rotation)


