"""Which passages name which stemmed words: a compact inverted index over an index's chunks.

Picking the passage to show beside a result counts the query's stems in each of the
article's passages. Stemming every passage once and keeping a set of strings per passage
costs ~18 MB per worker on the 800-article dev set (6,699 passages); postings of int32
passage ids cost a few MB and answer a query with one bincount.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from relatedposts.text import stems, words


class PassageTerms:
    """Postings from each stemmed word to the passages holding it, built on first use."""

    def __init__(self, texts: Sequence[str],
                 warm: Callable[[Sequence[str]], None] | None = None) -> None:
        """texts: the passages; warm: also run over them once, when the postings are built."""
        self._texts = texts
        self._warm = warm
        self._postings: dict[str, np.ndarray] | None = None
        self._lock = threading.Lock()

    def counts(self, query_stems: Iterable[str]) -> np.ndarray:
        """Return, per passage, how many of the distinct query stems it holds."""
        postings = self._built()
        hits = [postings[t] for t in set(query_stems) if t in postings]
        if not hits:
            return np.zeros(len(self._texts), dtype=np.int64)
        return np.bincount(np.concatenate(hits), minlength=len(self._texts))

    def _built(self) -> dict[str, np.ndarray]:
        """Return the postings, stemming every passage once (the first search pays it)."""
        postings = self._postings
        if postings is None:
            with self._lock:
                if self._postings is None:
                    self._postings = _postings(self._texts)
                    if self._warm is not None:  # e.g. the snippets' analysis, in the same pass
                        self._warm(self._texts)
                postings = self._postings
        return postings


def _postings(texts: Sequence[str]) -> dict[str, np.ndarray]:
    """Map each stem to the sorted ids of the passages that hold it (each id once)."""
    lists: dict[str, list[int]] = defaultdict(list)
    for pid, text in enumerate(texts):
        for term in set(stems(words(text))):
            lists[term].append(pid)
    return {t: np.array(ids, dtype=np.int32) for t, ids in lists.items()}
