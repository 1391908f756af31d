"""The SQLite store behind the logs: WAL mode, concurrent processes, retention, SQL reports."""

from __future__ import annotations

import multiprocessing
import sqlite3
import time
from collections import Counter
from pathlib import Path

from relatedposts.logs.events import EventStore, counts_of
from relatedposts.logs.querylog import QueryLog, summarize
from relatedposts.logs.sqlitestore import TIME_FORMAT, Retention

WRITES = 200
_SHARED: list[QueryLog] = []  # the parent's log, inherited by forked children like gunicorn's


def _write_queries(worker: int) -> None:
    log = _SHARED[0]
    for i in range(WRITES):
        log.record(f"worker {worker} query {i}", i % 2)


def _stamp(days_ago: float) -> str:
    return time.strftime(TIME_FORMAT, time.gmtime(time.time() - days_ago * 86400))


def test_the_database_is_in_wal_mode_with_a_schema_version(tmp_path: Path) -> None:
    log = QueryLog(tmp_path / "q.sqlite3")
    log.record("sciatica", 2)
    assert log.store is not None
    assert log.store.read("PRAGMA journal_mode") == [("wal",)]
    with sqlite3.connect(tmp_path / "q.sqlite3") as other:  # persisted, not per connection
        assert other.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert other.execute("PRAGMA user_version").fetchone() == (2,)  # 2: visitor token


def test_two_processes_writing_at_once_lose_no_rows(tmp_path: Path) -> None:
    path = str(tmp_path / "q.sqlite3")
    _SHARED[:] = [QueryLog(path)]
    _SHARED[0].record("before the fork", 1)  # a connection the children must not reuse
    ctx = multiprocessing.get_context("fork")
    workers = [ctx.Process(target=_write_queries, args=(n,)) for n in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
        assert w.exitcode == 0
    queries = [e["query"] for e in QueryLog(path).entries()]
    assert len(queries) == 2 * WRITES + 1 and len(set(queries)) == len(queries)
    assert Counter(q.split()[1] for q in queries[1:]) == {"0": WRITES, "1": WRITES}


def test_retention_deletes_only_the_old_rows(tmp_path: Path) -> None:
    log = QueryLog(tmp_path / "q.sqlite3", Retention(7))
    assert log.store is not None
    log.record("new", 2)  # the first write of a process prunes; the next, an hour later
    with log.store.transaction() as conn:  # rows written by hand, old ones among them
        conn.executemany("INSERT INTO queries (ts, query, norm, results) VALUES (?, ?, ?, ?)",
                         [(_stamp(10), "old", "old", 0), (_stamp(6.9), "recent", "recent", 1)])
    assert [e["query"] for e in log.entries()] == ["new", "recent"]  # reads skip old rows
    assert log.store.prune() == 1
    rows = log.store.read("SELECT query FROM queries ORDER BY id")
    assert rows == [("new",), ("recent",)]
    assert log.store.prune() == 0


def test_a_query_with_a_name_and_email_is_stored_scrubbed(tmp_path: Path) -> None:
    log = QueryLog(tmp_path / "q.sqlite3")
    log.record("Jane  Doe jane.doe@mail.example born 03/14/1975 call 555-123-4567", 0)
    assert [e["query"] for e in log.entries()] == [
        "[name] [email] born [date] call [phone]"]  # issue 24: names are scrubbed too
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("q.sqlite3*"))
    assert b"jane.doe@" not in raw and b"555-123" not in raw and b"1975" not in raw
    assert b"Doe" not in raw


def test_sql_report_matches_the_python_summary(tmp_path: Path) -> None:
    log = QueryLog(tmp_path / "q.sqlite3")
    for q, r in [("Sciatica", 4), ("sciatica ", 4), ("neck pain", 2), ("ÉPAULE", 0),
                 ("épaule", 0), ("tailbone pain", 0), ("Tailbone  pain", 0),
                 ("dry needling", 0), ("neck pain", 2), ("", 0)]:
        log.record(q, r)
    for top in (1, 2, 3, 20):
        assert log.report(top) == summarize(log.entries(), top)
    # Ties keep first-seen order, as Counter.most_common; Unicode is lower-cased too.
    assert log.report(4).frequent == [("sciatica", 2), ("neck pain", 2), ("épaule", 2),
                                      ("tailbone pain", 2)]


def test_searches_per_day_are_grouped_by_day(tmp_path: Path) -> None:
    log = QueryLog(tmp_path / "q.sqlite3")
    assert log.store is not None
    log.store.write("INSERT INTO queries (ts, query, norm, results) VALUES (?, ?, ?, ?)",
                    [(_stamp(d), "q", "q", 1) for d in (3, 3, 2, 1, 1, 1, 200)])
    days = log.per_day(30)
    assert [n for _, n in days] == [2, 1, 3] and days == sorted(days)
    assert log.per_day(2) == days[1:]


def test_click_counts_in_sql_match_the_events_counted_by_hand(tmp_path: Path) -> None:
    store = EventStore(tmp_path / "e.sqlite3")
    store.click("related", "https://c.example/a/", "https://c.example/b/", 2)
    store.click("related", "https://c.example/a/", "https://c.example/c/", 1)
    store.click("search", "/search", "https://c.example/b/", 1)
    store.impressions("related", ["https://c.example/b/", "https://c.example/c/"])
    store.impressions("related", ["https://c.example/b/"])
    store.impressions("search", ["https://c.example/b/"], 3)
    counts = store.counts()
    assert counts == counts_of(store.entries())
    assert counts.total == 3
    assert counts.shown["related"]["article"] == {"https://c.example/b/": 2,
                                                  "https://c.example/c/": 1}
    assert counts.shown["search"]["position"] == {"3": 1}


def test_a_busy_database_is_retried_and_only_a_lasting_failure_loses_the_row(
        tmp_path, monkeypatch) -> None:
    from contextlib import contextmanager

    from relatedposts.logs import sqlitestore

    log = QueryLog(tmp_path / "q.sqlite3")
    log.record("warm up", 1)
    store = log.store
    real = sqlitestore.Store.transaction
    failures = iter([sqlite3.OperationalError("database is locked")])

    @contextmanager
    def flaky(self):
        for exc in failures:  # the first write meets a locked file once
            raise exc
        with real(self) as conn:
            yield conn

    monkeypatch.setattr(sqlitestore.Store, "transaction", flaky)
    log.record("sciatica", 2)
    assert [e["query"] for e in log.entries(1)][-1] == "sciatica"
    tries = []

    @contextmanager
    def locked(self):
        tries.append(1)
        raise sqlite3.OperationalError("database is locked")
        yield  # pragma: no cover

    monkeypatch.setattr(sqlitestore.Store, "transaction", locked)
    assert store.write("INSERT INTO queries (ts) VALUES (?)", [("x",)]) is False
    assert len(tries) == sqlitestore.WRITE_ATTEMPTS
