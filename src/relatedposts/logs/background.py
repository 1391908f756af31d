"""Write the query log on a thread of its own, after the answer has gone out.

Scrubbing a query, the visitor's keyed token and the SQLite transaction cost a search a
few tenths of a millisecond that change nothing in its answer. BackgroundLog takes the
search into a bounded queue and a writer thread records it through the wrapped log, in
batches (one transaction each), so scrubbing still happens before anything is stored and
the raw text only ever lives in this process's memory. Nothing is lost:

- a full queue (a slow disk) makes the request write its row itself, as before: memory
  stays bounded and no row is dropped;
- close() (and close_all() at exit or when a worker retires) writes what is queued;
- reads (report, entries, ... of any QueryLog of this process, flush_all()) wait for the
  queues first, so whoever reads after a search sees it (they hurry the writer: no wait).

The writer lets a search wait up to LINGER_SECONDS for the next ones, so searches arriving
one at a time share a transaction instead of each costing one while the next is answered.

The thread starts at the first search (after a pre-fork worker's fork) and ends after
IDLE_SECONDS without one, so an evicted site's log does not keep a thread alive.
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import threading
import weakref
from typing import Any

log = logging.getLogger(__name__)
BATCH = 64  # rows written per transaction at most
IDLE_SECONDS = 30.0
# After a search arrives, the writer waits this long (unless a reader or close() hurries
# it) so the next searches join its transaction: searches one at a time otherwise cost a
# wake-up, a transaction and the writer's GIL time each while the next one is answered
# (issue 26: 0.4 ms of a search's p50 over HTTP).
LINGER_SECONDS = 0.25
THREAD_NAME = "relatedposts-querylog"
_LOGS: weakref.WeakSet[BackgroundLog] = weakref.WeakSet()
_STOP = object()


class BackgroundLog:
    """Record searches through `inner` on a writer thread; the request only enqueues them."""

    def __init__(self, inner: Any, capacity: int = 1000) -> None:
        self.inner = inner
        self.capacity = max(1, capacity)
        self.inline = 0  # rows the request wrote itself because the queue was full
        self._lock = threading.Lock()
        self._reset()
        _LOGS.add(self)

    def _reset(self) -> None:
        """Start with an empty queue and no thread (also in a forked child)."""
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=self.capacity)
        self._thread: threading.Thread | None = None
        self._hurry = threading.Event()  # set by readers and close(): write what is queued now
        self._pid = os.getpid()
        self._closed = False

    def record(self, query: str, results: int, visitor: str | None = None) -> None:
        """Queue one search for the writer; write it here when the queue is full or closed."""
        item = (query, results, visitor)
        with self._lock:  # with the writer's idle exit under the same lock: no stranded row
            if self._pid != os.getpid():
                self._reset()  # a fork copied the queue but not the thread
            if not self._closed:
                try:
                    self._queue.put_nowait(item)
                    self._ensure_thread()
                    return
                except queue.Full:
                    self.inline += 1
        self.inner.record(*item)

    def flush(self) -> None:
        """Wait until every queued search is written."""
        if self._pid == os.getpid():
            self._hurry.set()
            self._queue.join()

    def close(self, timeout: float = 10.0) -> None:
        """Write what is queued and stop the thread; later searches are written inline."""
        with self._lock:
            self._closed = True
            thread = self._thread if self._pid == os.getpid() else None
        if thread is not None:
            self._hurry.set()
            self._queue.put(_STOP)  # after every queued row: the thread writes them first
            thread.join(timeout)
        if self._pid == os.getpid():
            self._drain()  # whatever a dead or slow thread left behind

    def __getattr__(self, name: str) -> Any:
        """Pass reads to the wrapped log, after the queue is written (read-your-writes)."""
        attr = getattr(self.inner, name)
        if not callable(attr):
            return attr

        def flushed(*args: Any, **kwargs: Any) -> Any:
            self.flush()
            return attr(*args, **kwargs)

        return flushed

    def _ensure_thread(self) -> None:
        """Start the writer unless it runs (called with the lock held)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=THREAD_NAME,
                                            daemon=True)
            self._thread.start()

    def _run(self) -> None:
        """Write queued searches in batches until stopped or idle."""
        while True:
            try:
                first = self._queue.get(timeout=IDLE_SECONDS)
            except queue.Empty:
                with self._lock:
                    if self._queue.empty():  # record() queues under this lock: none missed
                        self._thread = None
                        return
                continue
            if first is not _STOP and self._queue.qsize() < BATCH - 1:
                self._hurry.wait(LINGER_SECONDS)  # let the next searches join this batch
            self._hurry.clear()
            batch = [first]
            while len(batch) < BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            stop = any(item is _STOP for item in batch)
            self._write([item for item in batch if item is not _STOP])
            for _ in batch:
                self._queue.task_done()
            if stop:
                return

    def _drain(self) -> None:
        """Write whatever is still queued, in this thread."""
        items = []
        while True:
            try:
                items.append(self._queue.get_nowait())
                self._queue.task_done()
            except queue.Empty:
                break
        self._write([item for item in items if item is not _STOP])

    def _write(self, items: list[tuple[str, int, str | None]]) -> None:
        """Record items through the wrapped log (one transaction when it can batch)."""
        if not items:
            return
        try:
            many = getattr(self.inner, "record_many", None)
            if many is not None:
                many(items)
            else:
                for item in items:
                    self.inner.record(*item)
        except Exception:  # noqa: BLE001 - a log failure must not kill the writer
            log.exception("query log: %d searches not written", len(items))


def flush_all() -> None:
    """Wait until this process's queued searches are written (a reader calls it first)."""
    if threading.current_thread().name == THREAD_NAME:
        return  # the writer never waits on itself
    for background in list(_LOGS):
        background.flush()


def close_all() -> None:
    """Write every background log's queue (a worker calls it before it exits)."""
    for background in list(_LOGS):
        background.close()


atexit.register(close_all)
