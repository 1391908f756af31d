"""The editors' query log: what patients search for, scrubbed of personal data first.

On by default (INDEX_DIR/queries.sqlite3; Settings.query_log = "" turns it off), a SQLite
table kept Settings.log_retention_days (sqlitestore.py; an old queries.jsonl is imported once,
legacy.py). Each first-page search stores one row (time, query, results); names, street
addresses, e-mail addresses, phone, card and record numbers and dates become [name],
[address], [email], [phone], [card], [id] and [date] before anything is stored (scrub.py).
No IP address, user agent or cookie is ever stored: a row keeps only a keyed hash of (visitor,
day) whose key is deleted the next day (visitors.py), so reports can show a query only once
Settings.privacy_min_visitors distinct visitors asked it (k-anonymity for display).
`relatedposts report --queries` reads it back: the most frequent queries and those that
found nothing (topics the clinic could write about), counted with GROUP BY.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from relatedposts.config import Settings
from relatedposts.errors import ConfigError, NotFound
from relatedposts.logs import legacy
from relatedposts.logs.background import flush_all
from relatedposts.logs.scrub import DATE_RE, EMAIL_RE, PHONE_RE, scrub
from relatedposts.logs.sqlitestore import Retention, Schema, Store, now_stamp
from relatedposts.logs.visitors import VisitorTokens, file_tokens
from relatedposts.text import counted

__all__ = ["DATE_RE", "EMAIL_RE", "PHONE_RE", "QueryLog", "QueryReport", "scrub"]

SCHEMA = Schema(2, (
    # norm: the query lower-cased, spaces collapsed (Python's, so Unicode too): the report key.
    "CREATE TABLE IF NOT EXISTS queries (id INTEGER PRIMARY KEY, ts TEXT NOT NULL, "
    "query TEXT NOT NULL, norm TEXT NOT NULL, results INTEGER)",
    "CREATE INDEX IF NOT EXISTS queries_ts ON queries (ts)",
    *legacy.DDL,
    # Version 2 (issue 24): the (visitor, day) token of visitors.py; NULL for older rows,
    # which therefore never count towards privacy_min_visitors.
    "ALTER TABLE queries ADD COLUMN visitor TEXT"), pruned=("queries",))
INSERT = "INSERT INTO queries (ts, query, norm, results, visitor) VALUES (?, ?, ?, ?, ?)"
# The norms asked by at least k distinct visitors within retention: the only ones shown.
SHOWN = ("SELECT norm FROM queries WHERE ts >= ? GROUP BY norm "
         "HAVING COUNT(DISTINCT visitor) >= ?")


def normalize(query: str) -> str:
    """Return the form queries are counted under (case and spacing ignored)."""
    return " ".join(query.lower().split())


class QueryLog:
    """Store scrubbed queries in SQLite (kept retention days); off for no path."""

    def __init__(self, path: str | Path | None, retention: Retention | None = None,
                 visitors: VisitorTokens | None = None) -> None:
        self.path = legacy.database_for(path) if path else None
        self.retention = retention or Retention()
        self.visitors = visitors or (file_tokens(self.path.parent) if self.path else None)
        self.store = (Store(self.path, SCHEMA, self.retention, setup=_import)
                      if self.path else None)

    @classmethod
    def from_settings(cls, settings: Settings) -> QueryLog:
        """Return the query log the settings describe (on by default, in INDEX_DIR)."""
        path = settings.data_file(settings.query_log) if settings.log_queries else None
        return cls(path, retention_of(settings))

    @property
    def enabled(self) -> bool:
        """Return whether queries are logged."""
        return self.store is not None

    def record(self, query: str, results: int, visitor: str | None = None) -> None:
        """Store one scrubbed query and its result count; never raise (logging is optional)."""
        if self.store is None:
            return
        # Only these fields: no address, no user agent, no cookie, nothing to re-identify;
        # the visitor only as the day's keyed token (visitors.py).
        self.record_many([(query, results, visitor)])

    def record_many(self, searches: list[tuple[str, int, str | None]]) -> None:
        """Store several (query, results, visitor) searches, scrubbed, in one transaction."""
        if self.store is None:
            return
        rows = []
        for query, results, visitor in searches:
            text = scrub(" ".join(query.split()))
            token = self.visitors.token(visitor) if self.visitors else None
            rows.append((now_stamp(), text, normalize(text), int(results), token))
        self.store.write(INSERT, rows)

    def entries(self, min_visitors: int = 1) -> list[dict[str, Any]]:
        """Return the stored queries (asked by min_visitors visitors), oldest first."""
        flush_all()  # this process's searches still queued for the writer thread
        if self.store is None:
            return []
        cutoff = self.retention.cutoff()
        shown, params = ("", (cutoff,)) if min_visitors <= 1 else (
            f" AND norm IN ({SHOWN})", (cutoff, cutoff, min_visitors))
        rows = self.store.read("SELECT ts, query, results FROM queries WHERE ts >= ?"
                               f"{shown} ORDER BY id", params)
        return [{"time": t, "query": q, "results": r} for t, q, r in rows]

    def report(self, top: int = 20, min_visitors: int = 1) -> QueryReport:
        """Count queries as summarize() does, in SQL: the top ones and those with no results.

        Only queries asked by at least min_visitors distinct visitors are listed; the totals
        count every search.
        """
        flush_all()
        if self.store is None:
            return QueryReport(0, 0, [], [])
        if min_visitors > 1:
            return self._report_shown(top, min_visitors)
        cutoff, top = self.retention.cutoff(), max(0, top)
        searches, distinct = self.store.read(
            "SELECT COUNT(*), COUNT(DISTINCT norm) FROM queries WHERE ts >= ? AND norm != ''",
            (cutoff,))[0]
        # Ties keep first-seen order (MIN(id)), as Counter.most_common does.
        ranked = ("SELECT norm, COUNT(*) AS n FROM queries WHERE ts >= ? AND norm != '' {} "
                  "GROUP BY norm ORDER BY n DESC, MIN(id) LIMIT ?")
        frequent = self.store.read(ranked.format(""), (cutoff, top))
        unanswered = self.store.read(ranked.format("AND results = 0"), (cutoff, top))
        return QueryReport(searches, distinct, [(q, n) for q, n in frequent],
                           [(q, n) for q, n in unanswered])

    def _report_shown(self, top: int, k: int) -> QueryReport:
        """Report with the queries fewer than k visitors asked left out of both lists."""
        cutoff, top = self.retention.cutoff(), max(0, top)
        searches, distinct = self.store.read(  # type: ignore[union-attr]
            "SELECT COUNT(*), COUNT(DISTINCT norm) FROM queries WHERE ts >= ? AND norm != ''",
            (cutoff,))[0]
        ranked = ("SELECT norm, COUNT(*) AS n FROM queries WHERE ts >= ? AND norm != '' {} "
                  f"AND norm IN ({SHOWN}) GROUP BY norm ORDER BY n DESC, MIN(id) LIMIT ?")
        params = (cutoff, cutoff, k, top)
        frequent = self.store.read(ranked.format(""), params)  # type: ignore[union-attr]
        unanswered = self.store.read(  # type: ignore[union-attr]
            ranked.format("AND results = 0"), params)
        return QueryReport(searches, distinct, [(q, n) for q, n in frequent],
                           [(q, n) for q, n in unanswered])

    def per_day(self, days: int) -> list[tuple[str, int]]:
        """Return (YYYY-MM-DD, searches) for the last `days` days that have searches."""
        flush_all()  # this process's searches still queued for the writer thread
        if self.store is None:
            return []
        rows = self.store.read(
            "SELECT substr(ts, 1, 10) AS day, COUNT(*) FROM queries WHERE ts >= ? AND ts != '' "
            "GROUP BY day ORDER BY day DESC LIMIT ?", (self.retention.cutoff(), max(0, days)))
        return [(d, n) for d, n in reversed(rows)]

    def stamp(self) -> tuple[int, int]:
        """Return (rows, last id): changes whenever a query is stored or pruned."""
        flush_all()  # this process's searches still queued for the writer thread
        if self.store is None:
            return (0, 0)
        count, last = self.store.read("SELECT COUNT(*), COALESCE(MAX(id), 0) FROM queries")[0]
        return int(count), int(last)


def _import(store: Store) -> None:
    """Import the legacy JSON-lines query log once (legacy.py)."""
    legacy.import_all(store, _insert_legacy)


def _insert_legacy(conn: sqlite3.Connection, entry: dict[str, Any]) -> bool:
    """Insert one legacy {time, query, results} entry; False when it has no query text."""
    query = entry.get("query")
    if not isinstance(query, str):
        return False
    results = entry.get("results")
    # Written before this version by record(), so already scrubbed; scrub again all the same.
    text = scrub(query)
    conn.execute(INSERT, (str(entry.get("time", "")), text, normalize(text),
                          results if isinstance(results, (int, float)) else None, None))
    return True


def retention_of(settings: Settings) -> Retention:
    """Return the retention the settings ask for."""
    return Retention(settings.log_retention_days)


@dataclass(frozen=True)
class QueryReport:
    """What patients searched for: totals, the most frequent queries, those that found nothing."""

    searches: int
    distinct: int
    frequent: list[tuple[str, int]]
    unanswered: list[tuple[str, int]]


def read_entries(path: Path, retention: Retention | None = None) -> list[dict[str, Any]]:
    """Return a query log's entries within retention, oldest first (importing legacy lines)."""
    return QueryLog(path, retention).entries()


def summarize(entries: list[dict], top: int = 20, min_visitors: int = 1) -> QueryReport:
    """Count queries (case and spacing ignored): the top ones and those with no results.

    Only queries asked by min_visitors distinct visitor tokens are listed (entries' "visitor").
    """
    counts: Counter[str] = Counter()
    empty: Counter[str] = Counter()
    visitors: dict[str, set[str]] = {}
    for entry in entries:
        query = " ".join(entry["query"].lower().split())
        if not query:
            continue
        counts[query] += 1
        if entry.get("visitor"):
            visitors.setdefault(query, set()).add(str(entry["visitor"]))
        if entry.get("results") == 0:
            empty[query] += 1
    shown = {q for q in counts if min_visitors <= 1 or len(visitors.get(q, ())) >= min_visitors}
    return QueryReport(sum(counts.values()), len(counts),
                       [(q, n) for q, n in counts.most_common() if q in shown][:top],
                       [(q, n) for q, n in empty.most_common() if q in shown][:top])


def shown_entries(entries: list[dict], min_visitors: int) -> list[dict]:
    """Return the entries whose query min_visitors distinct visitor tokens asked."""
    if min_visitors <= 1:
        return entries
    visitors: dict[str, set[str]] = {}
    for entry in entries:
        if entry.get("visitor"):
            visitors.setdefault(normalize(str(entry.get("query", ""))), set()).add(
                str(entry["visitor"]))
    return [e for e in entries
            if len(visitors.get(normalize(str(e.get("query", ""))), ())) >= min_visitors]


def report_lines(rep: QueryReport) -> list[str]:
    """Render a QueryReport for the terminal."""
    lines = [f"searches logged: {rep.searches:,} "
             f"({counted(rep.distinct, 'distinct query', 'distinct queries')})",
             f"most frequent: {len(rep.frequent)}"]
    lines += [f"  {n:5d}  {q}" for q, n in rep.frequent]
    lines.append(f"found nothing (topics to write about): {len(rep.unanswered)}")
    lines += [f"  {n:5d}  {q}" for q, n in rep.unanswered]
    return lines


def configured_log(settings: Settings) -> QueryLog:
    """Return the configured query log, or raise a clear error if nothing was logged yet."""
    path = settings.data_file(settings.query_log) if settings.log_queries else None
    if path is None:
        raise ConfigError("no query log: RELATEDPOSTS_QUERY_LOG is empty (off); set it to a "
                          "file name, serve for a while, then run this again")
    database = legacy.database_for(path)
    flush_all()  # a search of this process still queued would create the file
    if not database.is_file() and not legacy.legacy_files(legacy.source_for(database)):
        raise NotFound(f"no queries logged yet: {database} does not exist")
    return QueryLog(path, retention_of(settings))


def logged_entries(settings: Settings) -> list[dict[str, Any]]:
    """Return the entries it is safe to show (k visitors), or raise if nothing was logged."""
    return configured_log(settings).entries(settings.privacy_min_visitors)


def load_report(settings: Settings, top: int = 20) -> QueryReport:
    """Summarize the configured query log for display; raise a clear error when there is none."""
    return configured_log(settings).report(top, settings.privacy_min_visitors)
