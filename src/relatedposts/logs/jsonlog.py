"""An append-only JSON-lines file shared by processes: size-rotated, with a retention limit.

The query log and the click/impression event store both use it. Every append takes an
exclusive flock on a sidecar PATH.lock, so gunicorn workers never interleave a rotation with
a write. When the file passes max_bytes it becomes PATH.1 (PATH.1 becomes PATH.2, ... up to
`backups`). Entries older than retention_days are dropped: rotated files whose last write is
older are deleted, and the live file is rewritten without its old lines (at most hourly).
Logging is optional, so an unwritable file is warned about once and never fails a request.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)
PRUNE_EVERY_SECONDS = 3600.0
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


@dataclass(frozen=True)
class Rotation:
    """How big a log grows before rotating, how many old files stay, for how many days."""

    max_bytes: int = 10_000_000
    backups: int = 5
    retention_days: float = 90.0

    def cutoff(self, now: float | None = None) -> str:
        """Return the oldest timestamp (as written in entries) still within retention."""
        now = time.time() if now is None else now
        return time.strftime(TIME_FORMAT, time.gmtime(now - self.retention_days * 86400))


def now_stamp() -> str:
    """Return the current UTC time as entries store it."""
    return time.strftime(TIME_FORMAT, time.gmtime())


class JsonLog:
    """Append JSON objects as lines to path (nothing at all when path is None)."""

    def __init__(self, path: str | Path | None, rotation: Rotation | None = None) -> None:
        self.path = Path(path) if path else None
        self.rotation = rotation or Rotation()
        self._lock = threading.Lock()
        self._failed = False
        self._next_prune = 0.0

    @property
    def enabled(self) -> bool:
        """Return whether entries are written."""
        return self.path is not None

    def append(self, entry: dict[str, Any]) -> None:
        """Append one entry (with a "time" if it has none); never raise."""
        if self.path is None:
            return
        entry.setdefault("time", now_stamp())
        line = json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n"
        try:
            with self._locked():
                self._rotate_if_full(len(line.encode("utf-8")))
                with open(self.path, "a", encoding="utf-8") as f:
                    f.write(line)
                if time.monotonic() >= self._next_prune:
                    self._next_prune = time.monotonic() + PRUNE_EVERY_SECONDS
                    self._prune()
        except OSError as exc:
            if not self._failed:
                log.warning("cannot write %s: %s", self.path, exc)
            self._failed = True

    def prune(self) -> None:
        """Drop entries older than the retention limit now (normally done hourly)."""
        if self.path is None or not self.path.parent.is_dir():
            return
        with self._locked():
            self._prune()

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold this process's lock and an exclusive flock shared with other processes."""
        assert self.path is not None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock, open(f"{self.path}.lock", "a") as lock_file:
            fcntl.flock(lock_file, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock_file, fcntl.LOCK_UN)

    def _rotate_if_full(self, adding: int) -> None:
        """Shift PATH -> PATH.1 -> ... when the next line would pass max_bytes."""
        assert self.path is not None
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            return
        if size == 0 or size + adding <= self.rotation.max_bytes:
            return
        keep = max(0, self.rotation.backups)
        for n in range(keep, 0, -1):
            older = rotated(self.path, n)
            if n == keep:
                older.unlink(missing_ok=True)
            elif older.exists():
                older.rename(rotated(self.path, n + 1))
        if keep:
            self.path.rename(rotated(self.path, 1))
        else:
            self.path.unlink()

    def _prune(self) -> None:
        """Delete rotated files past retention; rewrite the live file without old lines."""
        assert self.path is not None
        oldest = time.time() - self.rotation.retention_days * 86400
        for old in files(self.path)[1:]:
            if old.stat().st_mtime < oldest:
                old.unlink(missing_ok=True)
        if not self.path.exists():
            return
        cutoff = self.rotation.cutoff()
        kept = [e for e in _read_file(self.path) if str(e.get("time", "")) >= cutoff]
        if len(kept) == sum(1 for _ in _read_file(self.path)):
            return
        tmp = self.path.with_name(self.path.name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            f.writelines(json.dumps(e, ensure_ascii=False, separators=(",", ":")) + "\n"
                         for e in kept)
        os.replace(tmp, self.path)


def rotated(path: Path, n: int) -> Path:
    """Return the name of the n-th rotated file of path."""
    return path.with_name(f"{path.name}.{n}")


def files(path: Path) -> list[Path]:
    """Return path and its rotated files that exist, newest first."""
    out = [path] if path.exists() else []
    n = 1
    while rotated(path, n).exists():
        out.append(rotated(path, n))
        n += 1
    return out


def _read_file(path: Path) -> Iterator[dict[str, Any]]:
    """Yield the JSON objects of one file, skipping broken lines."""
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict):
                yield entry


def read_all(path: Path, rotation: Rotation | None = None) -> list[dict[str, Any]]:
    """Return every entry within retention from path and its rotated files, oldest first."""
    cutoff = (rotation or Rotation()).cutoff()
    entries: list[dict[str, Any]] = []
    for p in reversed(files(Path(path))):
        entries.extend(e for e in _read_file(p) if str(e.get("time", "")) >= cutoff)
    return entries
