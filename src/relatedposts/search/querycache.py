"""The per-worker cache of query vectors, bounded in bytes."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

import numpy as np


class QueryCache:
    """A thread-safe LRU of query vectors bounded in bytes: repeated searches skip the model.

    Bytes, not entries, because that is what a worker's memory budget is in; each entry is
    counted as its vector, its key and a fixed allowance for the Python objects around them.
    """

    OVERHEAD = 240  # bytes per entry beyond the vector and key data: dict slot, str, ndarray

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max(0, max_bytes)
        self.nbytes = 0
        self._data: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0  # read by /metrics (the hit rate)

    def __len__(self) -> int:
        return len(self._data)

    def clear(self) -> None:
        """Forget every cached vector."""
        with self._lock:
            self._data.clear()
            self.nbytes = 0

    def get_or_compute(self, key: str, compute: Callable[[], np.ndarray]) -> np.ndarray:
        """Return the cached vector for key, computing and storing it when missing."""
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                self.hits += 1
                return self._data[key]
            self.misses += 1
        value = compute()
        size = self._size(key, value)
        if size > self.max_bytes:
            return value  # too big to keep (or caching off): never evict everything for it
        with self._lock:
            if key not in self._data:
                self._data[key] = value
                self.nbytes += size
            while self.nbytes > self.max_bytes:
                old_key, old = self._data.popitem(last=False)
                self.nbytes -= self._size(old_key, old)
        return value

    def _size(self, key: str, value: np.ndarray) -> int:
        return int(value.nbytes) + len(key.encode("utf-8", "surrogatepass")) + self.OVERHEAD
