"""The store of clicks and impressions behind POST /api/events (events_api.py).

The widget and the search page send `{"type": "click", "list": "related"|"search", "from",
"to", "position"}` with navigator.sendBeacon. Only what is needed to compute click-through
is kept: the list, the canonical URLs of two published articles (so nothing a visitor typed
can reach the store), the position, and the time. Never an address, a user agent or a cookie;
the route sets none. Impressions (lists served by /api/related and the search page) are
counted in memory and written as one aggregate (a row per article and per position) at most
every FLUSH_SECONDS. The rows live in SQLite (sqlitestore.py, INDEX_DIR/events.sqlite3; an old
events.jsonl is imported once, legacy.py); click-through is counted there with GROUP BY.
"""

from __future__ import annotations

import atexit
import sqlite3
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from relatedposts.config import Settings
from relatedposts.logs import legacy
from relatedposts.logs.querylog import retention_of
from relatedposts.logs.sqlitestore import Retention, Schema, Store, now_stamp

LISTS = ("related", "search")
FLUSH_SECONDS = 30.0
SCHEMA = Schema(1, (
    "CREATE TABLE IF NOT EXISTS clicks (id INTEGER PRIMARY KEY, ts TEXT NOT NULL, "
    "list TEXT NOT NULL, source TEXT NOT NULL, target TEXT NOT NULL, position INTEGER NOT NULL)",
    "CREATE INDEX IF NOT EXISTS clicks_ts ON clicks (ts)",
    # One row per article or position of one flush: axis 'article' (key: URL) or 'position'.
    "CREATE TABLE IF NOT EXISTS impressions (id INTEGER PRIMARY KEY, ts TEXT NOT NULL, "
    "list TEXT NOT NULL, axis TEXT NOT NULL CHECK (axis IN ('article', 'position')), "
    "key TEXT NOT NULL, n INTEGER NOT NULL)",
    "CREATE INDEX IF NOT EXISTS impressions_ts ON impressions (ts)",
    *legacy.DDL), pruned=("clicks", "impressions"))
CLICK = "INSERT INTO clicks (ts, list, source, target, position) VALUES (?, ?, ?, ?, ?)"
SHOWN = "INSERT INTO impressions (ts, list, axis, key, n) VALUES (?, ?, ?, ?, ?)"
AXES = (("positions", "position"), ("shown", "article"))  # event field -> impressions.axis


@dataclass
class ClickCounts:
    """Clicks and impressions per list, keyed by position and by article URL."""

    total: int = 0
    clicks: dict[str, dict[str, Counter[str]]] = field(default_factory=lambda: _empty())
    shown: dict[str, dict[str, Counter[str]]] = field(default_factory=lambda: _empty())


def _empty() -> dict[str, dict[str, Counter[str]]]:
    return {name: {"position": Counter(), "article": Counter()} for name in LISTS}


def counts_of(entries: list[dict[str, Any]]) -> ClickCounts:
    """Count click and impression events (from Redis, or any list of events) by hand."""
    out = ClickCounts()
    for e in entries:
        name = e.get("list")
        if name not in LISTS:
            continue
        if e.get("type") == "click":
            out.clicks[name]["position"][str(e.get("position"))] += 1
            out.clicks[name]["article"][str(e.get("to"))] += 1
            out.total += 1
        elif e.get("type") == "impressions":
            for field_name, axis in AXES:
                out.shown[name][axis].update(valid_counts(e.get(field_name)))
    return out


def valid_counts(raw: object) -> Counter[str]:
    """Return a {key: count} mapping from a stored event, ignoring anything malformed."""
    if not isinstance(raw, dict):
        return Counter()
    return Counter({str(k): v for k, v in raw.items() if type(v) is int and v > 0})


class SqliteEventLog:
    """Click and impression events as rows of a SQLite database (nothing when path is None)."""

    def __init__(self, path: str | Path | None, retention: Retention | None = None) -> None:
        self.path = legacy.database_for(path) if path else None
        self.retention = retention or Retention()
        self.store = (Store(self.path, SCHEMA, self.retention,
                            setup=lambda s: legacy.import_all(s, _insert)) if self.path else None)

    @property
    def enabled(self) -> bool:
        """Return whether events are stored."""
        return self.store is not None

    def append(self, event: dict[str, Any]) -> None:
        """Store one click or impressions event; never raise."""
        if self.store is not None:
            row = {"time": now_stamp(), **event}
            self.store.run(lambda conn: _insert(conn, row))

    def read(self) -> list[dict[str, Any]]:
        """Return the stored events within retention as the dicts the widget posted."""
        if self.store is None:
            return []
        cutoff = self.retention.cutoff()
        out: list[dict[str, Any]] = [
            {"type": "click", "list": lst, "from": src, "to": dst, "position": pos, "time": ts}
            for ts, lst, src, dst, pos in self.store.read(
                "SELECT ts, list, source, target, position FROM clicks WHERE ts >= ? "
                "ORDER BY id", (cutoff,))]
        batches: dict[tuple[str, str], dict[str, Any]] = {}
        for ts, lst, axis, key, n in self.store.read(
                "SELECT ts, list, axis, key, n FROM impressions WHERE ts >= ? ORDER BY id",
                (cutoff,)):
            batch = batches.setdefault((ts, lst), {"type": "impressions", "list": lst,
                                                   "shown": {}, "positions": {}, "time": ts})
            batch["positions" if axis == "position" else "shown"][key] = n
        return sorted(out + list(batches.values()), key=lambda e: e["time"])

    def counts(self) -> ClickCounts:
        """Count clicks and impressions within retention with GROUP BY."""
        out = ClickCounts()
        if self.store is None:
            return out
        cutoff = self.retention.cutoff()
        for axis, column in (("position", "CAST(position AS TEXT)"), ("article", "target")):
            for lst, key, n in self.store.read(
                    f"SELECT list, {column} AS k, COUNT(*) FROM clicks WHERE ts >= ? "
                    "GROUP BY list, k", (cutoff,)):
                if lst in LISTS:
                    out.clicks[lst][axis][key] += n
        out.total = sum(sum(out.clicks[name]["position"].values()) for name in LISTS)
        for lst, axis, key, n in self.store.read(
                "SELECT list, axis, key, SUM(n) FROM impressions WHERE ts >= ? "
                "GROUP BY list, axis, key", (cutoff,)):
            if lst in LISTS:
                out.shown[lst][axis][key] += n
        return out


def _insert(conn: sqlite3.Connection, event: dict[str, Any]) -> bool:
    """Insert one click or impressions event; False when it is malformed."""
    ts, name = str(event.get("time", "")), event.get("list")
    if not isinstance(name, str):
        return False
    if event.get("type") == "click":
        source, target, position = event.get("from"), event.get("to"), event.get("position")
        if not (isinstance(source, str) and isinstance(target, str)
                and type(position) is int):
            return False
        conn.execute(CLICK, (ts, name, source, target, position))
        return True
    if event.get("type") == "impressions":
        conn.executemany(SHOWN, [(ts, name, axis, key, n) for field_name, axis in AXES
                                 for key, n in valid_counts(event.get(field_name)).items()])
        return True
    return False


class EventStore:
    """Clicks stored as they come; impressions counted in memory and flushed as aggregates."""

    def __init__(self, path: str | Path | None, retention: Retention | None = None) -> None:
        self.log: Any = SqliteEventLog(path, retention)
        self.retention = retention or Retention()
        self._lock = threading.Lock()
        self._shown: dict[str, Counter[str]] = {name: Counter() for name in LISTS}
        self._positions: dict[str, Counter[str]] = {name: Counter() for name in LISTS}
        self._next_flush = time.monotonic() + FLUSH_SECONDS
        if self.log.enabled:
            atexit.register(self.flush)

    @classmethod
    def from_settings(cls, settings: Settings) -> EventStore:
        """Return the event store the settings describe (on by default, in INDEX_DIR)."""
        return cls(settings.data_file(settings.event_log), retention_of(settings))

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
        return self.log.read()

    def counts(self) -> ClickCounts:
        """Return the click and impression counts (impressions flushed first)."""
        self.flush()
        return self.log.counts()


