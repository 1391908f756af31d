"""An embedder loaded on first use: lookups that need no query vector never load the model."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

import numpy as np

from relatedposts.indexing.embedders.base import Embedder


class LazyEmbedder:
    """Build the real embedder the first time a vector is needed, once, thread-safely.

    `check` sees the embedder before it is kept (e.g. against the live index's model and
    dimension); if it raises, nothing is kept and the next call tries again.
    """

    def __init__(self, factory: Callable[[], Embedder],
                 check: Callable[[Embedder], None] | None = None) -> None:
        self._factory = factory
        self._check = check
        self._embedder: Embedder | None = None
        self._lock = threading.Lock()

    @classmethod
    def of(cls, embedder: Embedder, check: Callable[[Embedder], None] | None = None
           ) -> LazyEmbedder:
        """Wrap an embedder that is already loaded (tests, benchmarks)."""
        lazy = cls(lambda: embedder, check)
        lazy._embedder = embedder
        return lazy

    @property
    def loaded(self) -> bool:
        """Return whether the model has been loaded."""
        return self._embedder is not None

    @property
    def current(self) -> Embedder | None:
        """Return the loaded embedder, or None without loading it."""
        return self._embedder

    def get(self) -> Embedder:
        """Return the embedder, loading (and checking) it on the first call."""
        embedder = self._embedder
        if embedder is None:
            with self._lock:  # two first searches at once load the model once
                embedder = self._embedder
                if embedder is None:
                    embedder = self._factory()
                    if self._check is not None:
                        self._check(embedder)
                    self._embedder = embedder
        return embedder

    @property
    def name(self) -> str:
        """Return the model's name (loads the model)."""
        return self.get().name

    @property
    def dim(self) -> int:
        """Return the vector dimension (loads the model)."""
        return self.get().dim

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts with the real embedder, loading it first if needed."""
        return self.get().encode(texts)
