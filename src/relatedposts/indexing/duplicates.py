"""Near-duplicates are the same text at two URLs, judged on the words, never on the vectors.

Two articles are duplicates when their bodies are identical once whitespace and case are
ignored, or when the Jaccard overlap of their word 5-gram shingles reaches the threshold, and
their titles agree (most words of the shorter title are in the other): a templated page
("The resources below provide information about treatment options for this condition")
whose only own words are its title names a different condition under each title, so it is a
different text, not a copy.
Two different texts about one condition are close in meaning (vector cosine 0.98 happens) but
share few 5-word runs, so they stay each other's best candidates. Shingles are hashed to 64-bit
integers (CRC-32 of each word, combined); a long text keeps only its SKETCH smallest hashes (a
bottom-k sketch, whose overlap estimates the Jaccard of the full sets), so memory per article
is bounded. Only candidate
pairs are compared, never all pairs. Groups are connected components (transitive).
"""

from __future__ import annotations

import hashlib
import zlib

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph

from relatedposts.models import Article
from relatedposts.text import stems, words

SHINGLE = 5  # words per shingle
SKETCH = 512  # hashes kept per article: exact Jaccard for texts up to ~500 words
PRIME = np.uint64(1_000_003)
PEEK = 64  # hashes compared first, to turn most pairs down cheaply
TITLE_AGREE = 0.5  # share of the shorter title's words the other title must have
TEMPLATE_PEERS = 20  # same-body articles a title is compared with (bounded per article)


def shingles(text: str, size: int = SHINGLE, sketch: int = SKETCH) -> np.ndarray:
    """Return the sorted, unique hashes of text's word shingles (at most `sketch` smallest)."""
    tokens = text.lower().split()
    if not tokens:
        return np.empty(0, np.uint64)
    # Each word's CRC-32, combined over a window as a polynomial (wrapping uint64): a fixed,
    # fast hash of the whole shingle (Python's hash() is salted per process).
    words = np.array([zlib.crc32(t.encode()) for t in tokens], dtype=np.uint64)
    width = min(size, len(words))
    hashes = np.zeros(len(words) - width + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for k in range(width):
            hashes = hashes * PRIME + words[k:len(words) - width + 1 + k]
    return np.unique(hashes)[:sketch]


def jaccard(a: np.ndarray, b: np.ndarray, sketch: int = SKETCH) -> float:
    """Estimate the Jaccard overlap of two shingle sketches (exact when neither was cut)."""
    if not len(a) or not len(b):
        return 0.0
    small, large = sorted((set(a.tolist()), set(b.tolist())), key=len)
    if len(large) < sketch:  # neither was cut: the exact overlap of the two sets
        both = len(small & large)
        return both / (len(small) + len(large) - both)
    union = sorted(small | large)[:sketch]  # the smallest hashes of the union ...
    return sum(1 for h in union if h in small and h in large) / len(union)  # ... in both


def _could_match(a: np.ndarray, b: np.ndarray, threshold: float) -> bool:
    """Say cheaply whether two sketches can reach the threshold (most pairs cannot)."""
    if not min(len(a), len(b)) >= threshold * max(len(a), len(b)) > 0:
        return False  # J ≤ smaller / larger
    # The PEEK smallest hashes of each estimate J too; at J = 0.8 fewer than half shared is
    # six standard deviations away, so this never turns a real copy down.
    peek = min(PEEK, len(a), len(b))
    return len(set(a[:peek].tolist()) & set(b[:peek].tolist())) >= threshold * peek / 1.6


def find_duplicates(articles: list[Article], pairs: list[list[int]],
                    threshold: float) -> list[set[int]]:
    """Group articles that are the same text: same body, or shingle Jaccard ≥ threshold,
    under titles that agree."""
    n = len(articles)
    titles = [frozenset(stems(words(a.title))) for a in articles]
    rows, cols = _same_body(articles, titles)
    sketches: dict[int, np.ndarray] = {}
    for i, candidates in enumerate(pairs):
        for j in candidates:
            if j <= i or not titles_agree(titles[i], titles[j]):
                continue
            one, other = _sketch(sketches, articles, i), _sketch(sketches, articles, j)
            if _could_match(one, other, threshold) and jaccard(one, other) >= threshold:
                rows.append(i)
                cols.append(j)
    edges = sparse.coo_matrix((np.ones(len(rows), np.int8), (rows, cols)), shape=(n, n))
    count, labels = csgraph.connected_components(edges, directed=False)
    members: list[list[int]] = [[] for _ in range(count)]
    for i, label in enumerate(labels.tolist()):
        members[label].append(i)
    # Ordered by their first article, as callers and the stored format expect.
    return sorted((set(m) for m in members if len(m) > 1), key=min)


def titles_agree(a: frozenset[str], b: frozenset[str]) -> bool:
    """Say whether two titles (stemmed word sets) can name one text: most words of the
    shorter are in the other (two empty titles agree)."""
    short, other = sorted((a, b), key=len)
    return not short or len(short & other) >= TITLE_AGREE * len(short)


def _same_body(articles: list[Article],
               titles: list[frozenset[str]]) -> tuple[list[int], list[int]]:
    """Return the edges between articles with the same body and agreeing titles.

    Each article is compared with at most TEMPLATE_PEERS earlier ones of its body (the
    distinct titles seen so far), so a template shared by thousands of pages stays linear.
    """
    rows: list[int] = []
    cols: list[int] = []
    seen: dict[str, list[int]] = {}
    for i, a in enumerate(articles):
        body = " ".join(a.body.lower().split())
        if not body:
            continue  # an article without text is nobody's copy
        peers = seen.setdefault(hashlib.sha1(body.encode()).hexdigest(), [])
        match = next((p for p in peers[:TEMPLATE_PEERS] if titles_agree(titles[p], titles[i])),
                     None)
        if match is None:
            peers.append(i)
        else:
            rows.append(match)
            cols.append(i)
    return rows, cols


def _sketch(cache: dict[int, np.ndarray], articles: list[Article], i: int) -> np.ndarray:
    if i not in cache:
        cache[i] = shingles(articles[i].body)
    return cache[i]
