"""Candidates for each article's related list: the union of its neighbours in two views.

Dense neighbours (whole-article vectors by cosine) and lexical neighbours (BM25 with one
article's title as the query over the other's text, both ways) find different good posts: a
post another publisher wrote about the same condition in other words is near in meaning, one
whose title names the condition is near in words. Scoring only ever sees the union, so a post
found by either view is never lost before it is scored. Both views are computed in blocks of
rows, so memory stays bounded by BLOCK × n whatever the corpus size.
"""

from __future__ import annotations

import faiss
import numpy as np

from relatedposts.indexing.related_similarity import Similarity

BLOCK = 512  # rows of the lexical score matrix held at once (512 × 20,000 float32 = 40 MB)


def dense_neighbours(vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Return each row's k nearest rows by inner product: (sims, ids), -1 padded."""
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index.search(np.ascontiguousarray(vectors, dtype=np.float32), min(k, len(vectors)))


def lexical_neighbours(similarity: Similarity, k: int) -> np.ndarray:
    """Return each row's k best rows by title-as-query BM25 (both ways), -1 where none match."""
    n = similarity.bm25.shape[0]
    k = min(k, n)
    out = np.full((n, k), -1, np.int64)
    for start in range(0, n, BLOCK):
        stop = min(n, start + BLOCK)
        there = (similarity.queries[start:stop] @ similarity.bm25.T).toarray()
        back = (similarity.bm25[start:stop] @ similarity.queries.T).toarray()
        block = there / similarity.own[start:stop, None] + back / similarity.own[None, :]
        top = np.argpartition(-block, k - 1, axis=1)[:, :k]
        scores = np.take_along_axis(block, top, axis=1)
        order = np.argsort(-scores, axis=1, kind="stable")
        top, scores = np.take_along_axis(top, order, 1), np.take_along_axis(scores, order, 1)
        out[start:stop] = np.where(scores > 0, top, -1)  # no shared title word: no candidate
    return out


def candidate_pool(similarity: Similarity, k: int) -> list[list[int]]:
    """Return, per article, the union of its k dense and k lexical neighbours (itself left out)."""
    _, dense = dense_neighbours(similarity.dense, k + 1)
    lexical = lexical_neighbours(similarity, k + 1)
    pools = []
    for i, (d, lx) in enumerate(zip(dense.tolist(), lexical.tolist(), strict=True)):
        seen = dict.fromkeys(j for j in d + lx if j >= 0 and j != i)
        pools.append(list(seen))
    return pools
