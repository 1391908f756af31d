"""One SQLite database in WAL mode, shared by threads and pre-forked worker processes.

The query log and the click/impression store each keep their rows in one such database.
WAL lets readers (the console, `report`) run while a worker writes, and busy_timeout makes
concurrent writers wait for each other instead of failing. Each thread of each process has
its own connection: a sqlite3 connection must never cross a thread, nor survive a fork.
The schema is created when missing and its version kept in PRAGMA user_version. Retention is
a `DELETE ... WHERE ts < cutoff` run at most hourly by each process inside a write, and every
read filters on the same cutoff, so what is reported never depends on when a prune ran.
Logging is optional: a write that fails is warned about once and never fails a request.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"  # text compares in time order, as the JSON lines did
BUSY_TIMEOUT_MS = 5000
WRITE_ATTEMPTS = 4  # tries of one write when the file is busy
PRUNE_EVERY_SECONDS = 3600.0


@dataclass(frozen=True)
class Retention:
    """For how many days stored rows are kept."""

    days: float = 90.0

    def cutoff(self, now: float | None = None) -> str:
        """Return the oldest timestamp (as rows store it) still within retention."""
        now = time.time() if now is None else now
        return time.strftime(TIME_FORMAT, time.gmtime(now - self.days * 86400))


def now_stamp() -> str:
    """Return the current UTC time as rows store it."""
    return time.strftime(TIME_FORMAT, time.gmtime())


@dataclass(frozen=True)
class Schema:
    """A database's tables: the statements creating them, their version, the pruned tables."""

    version: int
    statements: tuple[str, ...]
    pruned: tuple[str, ...]  # tables with a `ts` column that retention applies to


class Store:
    """A SQLite database at path with a schema; setup(store) runs once per process on open."""

    def __init__(self, path: str | Path, schema: Schema, retention: Retention | None = None,
                 setup: Callable[[Store], object] | None = None) -> None:
        self.path = Path(path)
        self.schema = schema
        self.retention = retention or Retention()
        self._setup = setup
        self._local = threading.local()
        self._ready_lock = threading.RLock()
        self._ready = False
        self._next_prune = 0.0
        self._failed = False

    def connection(self) -> sqlite3.Connection:
        """Return this thread's connection (opened, schema ready, legacy data imported)."""
        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            # A connection inherited through fork() is unusable in the child: open a new one.
            # Opened one at a time: threads switching a new file to WAL together can see
            # "database is locked" at once, before any busy timeout applies.
            with self._ready_lock:
                local.conn, local.pid = self._open(), os.getpid()
        with self._ready_lock:
            if not self._ready:
                self._ready = True  # set first: setup below uses this connection again
                try:
                    self._create(local.conn)
                    if self._setup is not None:
                        self._setup(self)
                except BaseException:
                    self._ready = False  # try again on the next use
                    raise
        conn: sqlite3.Connection = local.conn
        return conn

    def _open(self) -> sqlite3.Connection:
        """Connect in WAL mode; autocommit, so transactions are the explicit ones below."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode=WAL")
        # NORMAL is durable in WAL mode except for the last commits on a power cut: fine for logs.
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    def _create(self, conn: sqlite3.Connection) -> None:
        """Create the tables when the database is older than the schema."""
        with _immediate(conn):
            if conn.execute("PRAGMA user_version").fetchone()[0] >= self.schema.version:
                return
            for statement in self.schema.statements:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version={int(self.schema.version)}")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Hold a write transaction (BEGIN IMMEDIATE: writers queue up, none deadlocks)."""
        with _immediate(self.connection()) as conn:
            yield conn

    def write(self, sql: str, rows: Sequence[Sequence[Any]]) -> bool:
        """Insert rows in one transaction (pruning if due); never raise, return success."""
        return self.run(lambda conn: conn.executemany(sql, rows))

    def run(self, change: Callable[[sqlite3.Connection], object]) -> bool:
        """Apply change in one write transaction (pruning if due); never raise."""
        for attempt in range(WRITE_ATTEMPTS):
            try:
                with self.transaction() as conn:
                    change(conn)
                    if time.monotonic() >= self._next_prune:
                        self._next_prune = time.monotonic() + PRUNE_EVERY_SECONDS
                        self._delete_old(conn)
                return True
            except sqlite3.OperationalError as exc:
                # A busy file (a slow disk, a long report) is worth another try, not a lost row.
                busy = "locked" in str(exc) or "busy" in str(exc)
                if busy and attempt + 1 < WRITE_ATTEMPTS:
                    time.sleep(0.05 * (attempt + 1))
                    continue
                return self._failure(exc)
            except (sqlite3.Error, OSError) as exc:
                return self._failure(exc)
        return False

    def _failure(self, exc: Exception) -> bool:
        """Warn once about a write that could not be made; return False."""
        if not self._failed:
            log.warning("cannot write %s: %s", self.path, exc)
        self._failed = True
        return False

    def prune(self) -> int:
        """Delete the rows past retention now (normally done hourly); return how many."""
        with self.transaction() as conn:
            return self._delete_old(conn)

    def _delete_old(self, conn: sqlite3.Connection) -> int:
        """Delete rows older than the retention cutoff from every pruned table."""
        cutoff = self.retention.cutoff()
        return sum(conn.execute(f"DELETE FROM {table} WHERE ts < ?", (cutoff,)).rowcount
                   for table in self.schema.pruned)

    def read(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Return the rows of one query (WAL: never blocked by a writer)."""
        return self.connection().execute(sql, params).fetchall()


@contextmanager
def _immediate(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """Run the block in a BEGIN IMMEDIATE transaction, rolled back on any error."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
