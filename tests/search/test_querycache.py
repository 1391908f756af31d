"""The query-vector cache: LRU within a byte budget; a repeated search embeds once."""

from __future__ import annotations

import numpy as np

from relatedposts.live.service import Service
from relatedposts.search.querycache import QueryCache


def _entry_bytes(key: str) -> int:
    return np.zeros(1, dtype=np.int64).nbytes + len(key) + QueryCache.OVERHEAD


def test_query_cache_is_lru() -> None:
    cache = QueryCache(2 * _entry_bytes("a"))
    computed = []

    def make(key: str):
        return lambda: computed.append(key) or np.array([len(computed)], dtype=np.int64)

    for key in ["a", "b", "a", "c", "b", "a"]:
        cache.get_or_compute(key, make(key))
    # "a" stays while it is used; "b" is evicted by "c", then "a" by the second "b".
    assert computed == ["a", "b", "c", "b", "a"]


def test_query_cache_stays_within_its_byte_budget() -> None:
    vector = np.zeros(384, dtype=np.float32)
    budget = 100_000
    cache = QueryCache(budget)
    for i in range(5_000):  # 5,000 unique queries of ~1.8 KB each: 9 MB if unbounded
        cache.get_or_compute(f"unique patient question {i}", lambda: vector.copy())
        assert cache.nbytes <= budget
    assert 0 < len(cache) < 100 and cache.nbytes > budget - 2_000
    hostile = "x" * 200_000  # a key bigger than the whole budget is answered, not kept
    assert cache.get_or_compute(hostile, lambda: vector) is vector
    assert hostile not in cache._data and len(cache) > 0
    off = QueryCache(0)  # a budget of 0 turns caching off
    assert off.get_or_compute("q", lambda: vector) is vector and len(off) == 0


def test_repeated_searches_embed_the_query_once(built, counting_embedder) -> None:
    embedder = counting_embedder
    service = Service(built, embedder)
    service.reload()
    first = service.search("sciatica leg pain")
    again = service.search("  sciatica   leg pain ")
    assert embedder.calls == 1
    assert [h.url for h in first.results] == [h.url for h in again.results]
    service.search("neck pain")
    assert embedder.calls == 2
