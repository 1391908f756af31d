"""The one-time import of the JSON-lines logs of older versions into SQLite."""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path

import pytest

from relatedposts.logs import legacy, querylog
from relatedposts.logs.events import EventStore
from relatedposts.logs.querylog import QueryLog
from relatedposts.logs.sqlitestore import TIME_FORMAT, Store

NOW = time.strftime(TIME_FORMAT, time.gmtime())


def _lines(path: Path, entries: list[object], extra: str = "") -> None:
    path.write_text("".join(json.dumps(e) + "\n" for e in entries) + extra, "utf-8")


def test_a_jsonl_setting_names_the_sibling_database() -> None:
    assert legacy.database_for("/var/log/q.jsonl") == Path("/var/log/q.sqlite3")
    assert legacy.database_for("queries.sqlite3") == Path("queries.sqlite3")
    assert legacy.source_for(Path("/x/queries.a.sqlite3")) == Path("/x/queries.a.jsonl")


def test_importing_the_same_file_twice_adds_its_rows_once(tmp_path: Path) -> None:
    source = tmp_path / "q.jsonl"
    _lines(source, [{"time": NOW, "query": q, "results": 1} for q in ("a", "b", "c")])
    kept = source.read_bytes()
    assert [e["query"] for e in QueryLog(source).entries()] == ["a", "b", "c"]
    assert not source.exists() and (tmp_path / "q.jsonl.imported").is_file()
    assert len(QueryLog(source).entries()) == 3  # a second start imports nothing
    # Even if the file comes back unrenamed (a read-only rename, a restore), it is recorded.
    source.write_bytes(kept)
    stat = (tmp_path / "q.jsonl.imported").stat()
    os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    log = QueryLog(source)
    assert len(log.entries()) == 3
    assert log.store is not None
    assert log.store.read("SELECT name, rows, skipped FROM imported") == [("q.jsonl", 3, 0)]


def test_a_malformed_line_is_skipped_and_reported(tmp_path: Path, caplog) -> None:
    source = tmp_path / "q.jsonl"
    _lines(source, [{"time": NOW, "query": "sciatica", "results": 2}, [1, 2],
                    {"time": NOW, "results": 0}, {"time": NOW, "query": "neck", "results": 0}],
           extra='{"time": "broken\n')
    store = Store(tmp_path / "q.sqlite3", querylog.SCHEMA)  # no setup: import by hand
    with caplog.at_level(logging.WARNING, logger="relatedposts.logs.legacy"):
        done = legacy.import_file(store, source, querylog._insert_legacy)
    assert (done.rows, done.skipped) == (2, (2, 3, 5))  # a list, no query, broken JSON
    assert "skipped 3 malformed line(s): 2, 3, 5" in caplog.text
    assert store.read("SELECT query FROM queries ORDER BY id") == [("sciatica",), ("neck",)]


def test_a_malformed_line_does_not_stop_the_service_import(tmp_path: Path, caplog) -> None:
    source = tmp_path / "q.jsonl"
    _lines(source, [{"time": NOW, "query": "sciatica", "results": 2},
                    {"time": NOW, "results": 0}], extra="not json\n")
    with caplog.at_level(logging.WARNING):
        entries = QueryLog(source).entries()
    assert [e["query"] for e in entries] == ["sciatica"]
    assert "skipped 2 malformed line(s): 2, 3" in caplog.text


def test_legacy_queries_are_scrubbed_and_summarized_like_before(tmp_path: Path) -> None:
    source = tmp_path / "queries.jsonl"
    _lines(source, [{"time": NOW, "query": "Sciatica ", "results": 3},
                    {"time": NOW, "query": "mail jo@x.example", "results": 0},
                    {"time": NOW, "query": "sciatica", "results": 3}])
    log = QueryLog(tmp_path / "queries.sqlite3")  # the default name imports queries.jsonl
    assert [e["query"] for e in log.entries()][1] == "mail [email]"
    rep = log.report()
    assert (rep.searches, rep.distinct) == (3, 2)
    assert rep.frequent == [("sciatica", 2), ("mail [email]", 1)]
    assert rep.unanswered == [("mail [email]", 1)]


@pytest.mark.parametrize("name", ["events.jsonl", "events.sqlite3"])
def test_legacy_clicks_and_impressions_are_imported(tmp_path: Path, name: str) -> None:
    source = tmp_path / "events.jsonl"
    _lines(source.with_name("events.jsonl.1"), [
        {"type": "click", "list": "related", "from": "/a", "to": "/b", "position": 1,
         "time": NOW}])
    _lines(source, [
        {"type": "click", "list": "related", "from": "/a", "to": "/c", "position": 2,
         "time": NOW},
        {"type": "impressions", "list": "related", "shown": {"/b": 2, "/c": 1, "/x": -1},
         "positions": {"1": 2, "2": 1}, "time": NOW},
        {"type": "click", "list": "related", "to": "/c", "time": NOW},  # no position: skipped
        {"type": "view", "list": "related", "time": NOW}])
    store = EventStore(tmp_path / name)
    counts = store.counts()
    assert counts.total == 2
    assert counts.clicks["related"]["position"] == {"1": 1, "2": 1}
    assert counts.shown["related"]["article"] == {"/b": 2, "/c": 1}
    assert [e["to"] for e in store.entries() if e["type"] == "click"] == ["/b", "/c"]
    assert not list(tmp_path.glob("events.jsonl")) and not list(tmp_path.glob("*.jsonl.1"))
