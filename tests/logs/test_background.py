"""The query log's writer thread: nothing lost at shutdown, scrubbed, bounded when full."""

from __future__ import annotations

import threading

from relatedposts.logs import background
from relatedposts.logs.background import BackgroundLog, close_all
from relatedposts.logs.querylog import QueryLog


class SlowLog:
    """A wrapped log whose writes wait for a gate: the queue fills while it is closed."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.rows: list[tuple[str, int, str | None]] = []
        self.writers: set[str] = set()

    def record(self, query: str, results: int, visitor: str | None = None) -> None:
        self.writers.add(threading.current_thread().name)
        if threading.current_thread().name == "relatedposts-querylog":
            self.gate.wait(10)
        self.rows.append((query, results, visitor))


def test_every_search_is_stored_at_close(tmp_path) -> None:
    inner = QueryLog(tmp_path / "q.sqlite3")
    log = BackgroundLog(inner, capacity=10_000)
    for i in range(500):
        log.record(f"knee pain {i}", i % 3, "203.0.113.9")
    log.close()
    rows = inner.entries()
    assert [r["query"] for r in rows] == [f"knee pain {i}" for i in range(500)]
    assert log.inline == 0


def test_close_all_writes_the_queue_of_every_log(tmp_path) -> None:
    inners = [QueryLog(tmp_path / f"{n}.sqlite3") for n in "ab"]
    logs = [BackgroundLog(inner) for inner in inners]
    for log in logs:
        for i in range(50):
            log.record(f"sciatica {i}", 1)
    close_all()  # what a retiring worker calls before os._exit
    assert [len(inner.entries()) for inner in inners] == [50, 50]
    logs[0].record("after close", 1)  # a closed log writes in the caller
    assert inners[0].entries()[-1]["query"] == "after close"


def test_rows_are_scrubbed_before_they_are_stored(tmp_path) -> None:
    inner = QueryLog(tmp_path / "q.sqlite3")
    log = BackgroundLog(inner)
    log.record("John Smith back pain email john.smith@mail.example call 555-123-4567", 2,
               "198.51.100.7")
    rows = log.entries()  # a read through the wrapper waits for the queue
    text = rows[0]["query"]
    assert "john" not in text.lower() and "555" not in text and "@" not in text
    assert "[email]" in text and "[phone]" in text and "back pain" in text
    stored = inner.store.read("SELECT query, visitor FROM queries")
    assert "198.51.100.7" not in repr(stored)
    log.close()


def test_a_full_queue_writes_in_the_request_and_loses_nothing() -> None:
    inner = SlowLog()
    log = BackgroundLog(inner, capacity=5)
    log.record("first", 1)  # taken by the writer, which then waits on the gate
    for _ in range(100):
        if log._queue.qsize() == 0:
            break
        threading.Event().wait(0.01)
    for i in range(20):
        log.record(f"q{i}", 1)
    assert log._queue.qsize() <= 5  # bounded: memory never grows with a slow disk
    assert log.inline == 20 - 5
    assert threading.current_thread().name in inner.writers
    inner.gate.set()
    log.close()
    assert sorted(q for q, _, _ in inner.rows) == sorted(["first", *(f"q{i}" for i in range(20))])


def test_the_writer_thread_ends_when_idle_and_comes_back(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(background, "IDLE_SECONDS", 0.05)
    inner = QueryLog(tmp_path / "q.sqlite3")
    log = BackgroundLog(inner)
    log.record("neck pain", 1)
    log.flush()
    thread = log._thread
    assert thread is not None
    thread.join(5)
    assert log._thread is None
    log.record("neck pain again", 1)
    assert len(log.entries()) == 2
    log.close()


def test_a_batch_is_one_transaction(tmp_path) -> None:
    inner = QueryLog(tmp_path / "q.sqlite3")
    writes = []
    original = inner.store.write
    inner.store.write = lambda sql, rows: writes.append(len(rows)) or original(sql, rows)
    inner.record_many([("a", 1, None), ("b", 0, "192.0.2.1"), ("c", 2, None)])
    assert writes == [3]
    assert [r["query"] for r in inner.entries()] == ["a", "b", "c"]


class CountingLog:
    """A wrapped log counting its batches (record_many calls)."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.rows = 0

    def record_many(self, items: list[tuple[str, int, str | None]]) -> None:
        self.batches.append([q for q, _, _ in items])
        self.rows += len(items)

    def record(self, query: str, results: int, visitor: str | None = None) -> None:
        self.record_many([(query, results, visitor)])


def test_searches_within_the_linger_share_one_batch_written_soon_after(monkeypatch) -> None:
    monkeypatch.setattr(background, "LINGER_SECONDS", 0.3)
    inner = CountingLog()
    log = BackgroundLog(inner)
    for i in range(5):
        log.record(f"hip pain {i}", 1)
    for _ in range(200):  # no reader hurries it: written once the linger is over
        if inner.rows == 5:
            break
        threading.Event().wait(0.01)
    assert inner.batches == [[f"hip pain {i}" for i in range(5)]]
    log.close()


def test_a_reader_and_close_never_wait_for_the_linger(tmp_path, monkeypatch) -> None:
    import time

    monkeypatch.setattr(background, "LINGER_SECONDS", 30.0)
    log = BackgroundLog(QueryLog(tmp_path / "q.sqlite3"))
    log.record("knee pain", 1)
    t0 = time.monotonic()
    assert [r["query"] for r in log.entries()] == ["knee pain"]
    log.record("knee pain again", 1)
    log.close()
    assert time.monotonic() - t0 < 5.0
    assert len(log.inner.entries()) == 2
