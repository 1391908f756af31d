"""A rate-limit storage every worker process of one machine shares: a SQLite file.

`sqlite:///ABSOLUTE/PATH` in Settings.rate_limit_storage. The `limits` library registers a
Storage subclass under its STORAGE_SCHEME when the class is defined, so importing this module
makes the scheme usable by flask-limiter (web/ratelimit.py imports it). `serve` with several
workers and the default `memory://` points every worker at one such file (web/server.py):
a visitor's budget is then the same whichever worker answers. Counters are fixed windows
(flask-limiter's default strategy), one row per key; losing the file only resets them.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path

from limits.storage import Storage

SCHEME = "sqlite"
SCHEMA = "CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, n INTEGER, expiry REAL)"
SWEEP_EVERY = 512  # increments between deletions of expired rows (a key is reset when read)
BUSY_SECONDS = 5.0


def storage_uri(path: str | Path) -> str:
    """Return the storage URI of a SQLite counter file."""
    return f"{SCHEME}:///{Path(path).resolve()}"


class SQLiteStorage(Storage):
    """Fixed-window counters in one SQLite file (WAL), a connection per thread and process."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False,
                 **options: float | str | bool) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        path = (uri or "").partition("://")[2]
        if not path.startswith("/"):
            raise ValueError(f"{uri!r}: use sqlite:///ABSOLUTE/PATH")
        self.path = path
        self._local = threading.local()
        self._increments = 0

    @property
    def base_exceptions(self) -> type[Exception]:
        """Return the errors flask-limiter treats as a storage outage (it then falls back)."""
        return sqlite3.Error

    def _db(self) -> sqlite3.Connection:
        """Return this thread's connection (a forked worker opens its own)."""
        db = getattr(self._local, "db", None)
        if db is None or self._local.pid != os.getpid():
            db = sqlite3.connect(self.path, timeout=BUSY_SECONDS, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=OFF")  # counters: a crash may only reset them
            db.execute(SCHEMA)
            self._local.db, self._local.pid = db, os.getpid()
        return db

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add amount to key's counter (a new window when expired); return the new count."""
        now = time.time()
        db = self._db()
        # IMMEDIATE takes the write lock first: two workers never both read the old count.
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute("DELETE FROM counters WHERE key = ? AND expiry <= ?", (key, now))
            db.execute("INSERT INTO counters VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE "
                       "SET n = n + excluded.n", (key, amount, now + expiry))
            (count,) = db.execute("SELECT n FROM counters WHERE key = ?", (key,)).fetchone()
            self._increments += 1
            if self._increments % SWEEP_EVERY == 0:
                db.execute("DELETE FROM counters WHERE expiry <= ?", (now,))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return int(count)

    def get(self, key: str) -> int:
        """Return key's count in its current window (0 when expired or unknown)."""
        row = self._db().execute("SELECT n FROM counters WHERE key = ? AND expiry > ?",
                                 (key, time.time())).fetchone()
        return int(row[0]) if row else 0

    def get_expiry(self, key: str) -> float:
        """Return when key's window ends (now when there is none)."""
        row = self._db().execute("SELECT expiry FROM counters WHERE key = ? AND expiry > ?",
                                 (key, time.time())).fetchone()
        return float(row[0]) if row else time.time()

    def check(self) -> bool:
        """Return whether the file can be read."""
        try:
            self._db().execute("SELECT 1").fetchone()
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        """Delete every counter; return how many there were."""
        return self._db().execute("DELETE FROM counters").rowcount

    def clear(self, key: str) -> None:
        """Delete one key's counter."""
        self._db().execute("DELETE FROM counters WHERE key = ?", (key,))
