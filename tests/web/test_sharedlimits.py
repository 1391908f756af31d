"""The SQLite rate-limit storage: one count per key, whichever process or thread adds to it."""

from __future__ import annotations

import multiprocessing
import time

import pytest
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from relatedposts.web.sharedlimits import SQLiteStorage, storage_uri


def _hit_in_child(uri: str, n: int) -> None:
    storage = storage_from_string(uri)
    for _ in range(n):
        storage.incr("k", 60)


def test_two_processes_count_into_one_window(tmp_path) -> None:
    uri = storage_uri(tmp_path / "limits.db")
    storage = storage_from_string(uri)
    assert isinstance(storage, SQLiteStorage) and storage.check()
    ctx = multiprocessing.get_context("fork")
    children = [ctx.Process(target=_hit_in_child, args=(uri, 25)) for _ in range(2)]
    for child in children:
        child.start()
    for child in children:
        child.join(30)
    assert storage.get("k") == 50 and storage.get_expiry("k") > time.time()
    limiter = FixedWindowRateLimiter(storage)
    limit = parse("3/minute")
    assert [limiter.hit(limit, "visitor") for _ in range(4)] == [True, True, True, False]
    limiter.clear(limit, "visitor")  # storage.clear of its key
    assert limiter.hit(limit, "visitor")
    assert storage.reset() == 2 and storage.get("k") == 0


def test_an_expired_window_starts_again(tmp_path) -> None:
    storage = SQLiteStorage(storage_uri(tmp_path / "limits.db"))
    assert storage.incr("k", 0) == 1  # expiry 0: the window is over at once
    assert storage.get("k") == 0 and storage.incr("k", 60) == 1


def test_a_relative_path_is_refused() -> None:
    with pytest.raises(ValueError, match="ABSOLUTE"):
        storage_from_string("sqlite://limits.db")
