"""Near-duplicates are the same text at two URLs, judged on the words, never on the vectors.

Two articles are duplicates when their bodies are identical once whitespace and case are
ignored, or when the Jaccard overlap of their word 5-gram shingles reaches the threshold.
Two different texts about one condition are close in meaning (vector cosine 0.98 happens) but
share few 5-word runs, so they stay each other's best candidates. Shingles are hashed to 64-bit
integers; a long text keeps only its SKETCH smallest hashes (a bottom-k sketch, whose overlap
estimates the Jaccard of the full sets), so memory per article is bounded. Only candidate
pairs are compared, never all pairs. Groups are connected components (transitive).
"""

from __future__ import annotations

import hashlib

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph

from relatedposts.models import Article

SHINGLE = 5  # words per shingle
SKETCH = 512  # hashes kept per article: exact Jaccard for texts up to ~500 words


def shingles(text: str, size: int = SHINGLE, sketch: int = SKETCH) -> np.ndarray:
    """Return the sorted, unique hashes of text's word shingles (at most `sketch` smallest)."""
    tokens = text.lower().split()
    if not tokens:
        return np.empty(0, np.uint64)
    grams = [" ".join(tokens[i:i + size]) for i in range(max(1, len(tokens) - size + 1))]
    hashes = np.unique(np.array(
        [int.from_bytes(hashlib.blake2b(g.encode(), digest_size=8).digest(), "little")
         for g in grams], dtype=np.uint64))
    return hashes[:sketch]


def jaccard(a: np.ndarray, b: np.ndarray, sketch: int = SKETCH) -> float:
    """Estimate the Jaccard overlap of two shingle sketches (exact when neither was cut)."""
    if not len(a) or not len(b):
        return 0.0
    union = np.union1d(a, b)[:sketch]  # the smallest hashes of the union ...
    both = np.intersect1d(a, b, assume_unique=True)
    return float(np.isin(union, both).sum()) / len(union)  # ... and how many are in both


def find_duplicates(articles: list[Article], pairs: list[list[int]],
                    threshold: float) -> list[set[int]]:
    """Group articles that are the same text: same body, or shingle Jaccard ≥ threshold."""
    n = len(articles)
    rows: list[int] = []
    cols: list[int] = []
    by_body: dict[str, int] = {}
    for i, a in enumerate(articles):
        body = " ".join(a.body.lower().split())
        if not body:
            continue  # an article without text is nobody's copy
        first = by_body.setdefault(hashlib.sha1(body.encode()).hexdigest(), i)
        if first != i:
            rows.append(first)
            cols.append(i)
    sketches: dict[int, np.ndarray] = {}
    for i, candidates in enumerate(pairs):
        for j in candidates:
            if j > i and jaccard(_sketch(sketches, articles, i),
                                 _sketch(sketches, articles, j)) >= threshold:
                rows.append(i)
                cols.append(j)
    edges = sparse.coo_matrix((np.ones(len(rows), np.int8), (rows, cols)), shape=(n, n))
    count, labels = csgraph.connected_components(edges, directed=False)
    members: list[list[int]] = [[] for _ in range(count)]
    for i, label in enumerate(labels.tolist()):
        members[label].append(i)
    # Ordered by their first article, as callers and the stored format expect.
    return sorted((set(m) for m in members if len(m) > 1), key=min)


def _sketch(cache: dict[int, np.ndarray], articles: list[Article], i: int) -> np.ndarray:
    if i not in cache:
        cache[i] = shingles(articles[i].body)
    return cache[i]
