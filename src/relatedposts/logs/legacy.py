"""The one-time import of the JSON-lines logs written before the SQLite store.

Older versions wrote the query log and the event store as JSON lines (PATH, size-rotated to
PATH.1, PATH.2, ...). The database for a setting is named after it: a setting ending in
.jsonl means the sibling .sqlite3, and a database X.sqlite3 imports X.jsonl and its rotated
files. Each file is imported in one transaction that also records it in the `imported`
table, so concurrent workers import it once and a second start imports nothing; the file is
then renamed to NAME.imported (kept, in case an operator wants it) and never written again.
A malformed line is skipped and reported, never fatal.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from relatedposts.logs.sqlitestore import Store, now_stamp

log = logging.getLogger(__name__)
SUFFIX = ".jsonl"
DB_SUFFIX = ".sqlite3"
DONE_SUFFIX = ".imported"
DDL = ("CREATE TABLE IF NOT EXISTS imported (name TEXT NOT NULL, size INTEGER NOT NULL, "
       "mtime_ns INTEGER NOT NULL, rows INTEGER NOT NULL, skipped INTEGER NOT NULL, "
       "at TEXT NOT NULL, PRIMARY KEY (name, size, mtime_ns))",)
# Insert one legacy entry; False when it is malformed (then nothing is inserted).
Inserter = Callable[[sqlite3.Connection, dict[str, Any]], bool]


@dataclass(frozen=True)
class Imported:
    """What importing one legacy file did: rows added, malformed line numbers skipped."""

    file: Path
    rows: int
    skipped: tuple[int, ...]
    already: bool = False  # recorded by an earlier import: nothing added


def database_for(path: str | Path) -> Path:
    """Return the database a log setting names: NAME.jsonl means the sibling NAME.sqlite3."""
    path = Path(path)
    return path.with_suffix(DB_SUFFIX) if path.suffix == SUFFIX else path


def source_for(database: Path) -> Path:
    """Return the legacy JSON-lines log imported into database."""
    return database.with_suffix(SUFFIX)


def legacy_files(source: Path) -> list[Path]:
    """Return source and its rotated files that exist, newest first."""
    out = [source] if source.is_file() else []
    n = 1
    while (older := source.with_name(f"{source.name}.{n}")).is_file():
        out.append(older)
        n += 1
    return out


def read_lines(path: Path) -> tuple[list[tuple[int, dict[str, Any]]], list[int]]:
    """Return the (line number, object) pairs of a file and the numbers of broken lines."""
    good: list[tuple[int, dict[str, Any]]] = []
    bad: list[int] = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                entry = None
            if isinstance(entry, dict):
                good.append((number, entry))
            else:
                bad.append(number)
    return good, bad


def import_all(store: Store, insert: Inserter) -> list[Imported]:
    """Import the store's legacy files, oldest first (so row ids follow time); never raise."""
    done = []
    for path in reversed(legacy_files(source_for(store.path))):
        try:
            done.append(import_file(store, path, insert))
        except (OSError, sqlite3.Error) as exc:  # another worker renamed it, or a bad disk
            log.warning("cannot import %s: %s", path, exc)
    return done


def import_file(store: Store, path: Path, insert: Inserter) -> Imported:
    """Import one legacy file unless already recorded, then rename it to NAME.imported."""
    stat = path.stat()
    key = (path.name, stat.st_size, stat.st_mtime_ns)
    entries, bad = read_lines(path)
    with store.transaction() as conn:
        if conn.execute("SELECT 1 FROM imported WHERE name = ? AND size = ? AND mtime_ns = ?",
                        key).fetchone():
            result = Imported(path, 0, (), already=True)
        else:
            rejected = [number for number, entry in entries if not insert(conn, entry)]
            rows = len(entries) - len(rejected)
            bad += rejected
            conn.execute("INSERT INTO imported VALUES (?, ?, ?, ?, ?, ?)",
                         (*key, rows, len(bad), now_stamp()))
            result = Imported(path, rows, tuple(sorted(bad)))
    if result.skipped:
        log.warning("%s: skipped %d malformed line(s): %s", path, len(result.skipped),
                    ", ".join(map(str, result.skipped[:10])))
    try:
        path.rename(path.with_name(path.name + DONE_SUFFIX))
    except OSError as exc:  # the record above already keeps it from being imported twice
        log.warning("imported %s but cannot rename it: %s", path, exc)
    return result
