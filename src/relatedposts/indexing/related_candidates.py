"""Candidates for each article's related list: the union of its neighbours in two views.

Dense neighbours (whole-article vectors by cosine) and lexical neighbours (BM25 with one
article's title as the query over the other's text, both ways) find different good posts: a
post another publisher wrote about the same condition in other words is near in meaning, one
whose title names the condition is near in words. Scoring only ever sees the union, so a post
found by either view is never lost before it is scored. Both views are computed in blocks of
rows, so memory stays bounded by BLOCK × n whatever the corpus size.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    return lexical_scored(similarity, k)[1]


def lexical_scored(similarity: Similarity, k: int,
                   rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Return (scores, ids) of the k best rows by title-as-query BM25 of rows (all: None)."""
    n = similarity.bm25.shape[0]
    rows = np.arange(n) if rows is None else np.asarray(rows, np.int64)
    k = min(k, n)
    out, best = np.full((len(rows), k), -1, np.int64), np.zeros((len(rows), k), np.float32)
    for start in range(0, len(rows), BLOCK):
        part = rows[start:start + BLOCK]
        block = lexical_block(similarity, part)
        top = np.argpartition(-block, k - 1, axis=1)[:, :k]
        scores = np.take_along_axis(block, top, axis=1)
        order = np.argsort(-scores, axis=1, kind="stable")
        top, scores = np.take_along_axis(top, order, 1), np.take_along_axis(scores, order, 1)
        stop = start + len(part)
        out[start:stop] = np.where(scores > 0, top, -1)  # no shared title word: no candidate
        best[start:stop] = np.where(scores > 0, scores, 0.0)
    return best, out


def lexical_block(similarity: Similarity, rows: np.ndarray) -> np.ndarray:
    """Return the title-as-query BM25 of rows against every article, both ways (symmetric)."""
    there = (similarity.queries[rows] @ similarity.bm25.T).toarray()
    back = (similarity.bm25[rows] @ similarity.queries.T).toarray()
    return there / similarity.own[rows, None] + back / similarity.own[None, :]


@dataclass
class Neighbours:
    """Each article's dense and lexical neighbour lists (itself included), best first."""

    dense_ids: np.ndarray
    dense_sims: np.ndarray
    lex_ids: np.ndarray
    lex_scores: np.ndarray

    def pools(self, rows: range | list[int] | None = None) -> dict[int, list[int]]:
        """Return the candidate pool (the union, itself left out) of rows (all: None)."""
        rows = range(len(self.dense_ids)) if rows is None else rows
        out = {}
        for i in rows:
            d, lx = self.dense_ids[i].tolist(), self.lex_ids[i].tolist()
            out[i] = list(dict.fromkeys(j for j in d + lx if j >= 0 and j != i))
        return out


def neighbours(similarity: Similarity, k: int) -> Neighbours:
    """Return every article's k + 1 dense and lexical neighbours."""
    sims, dense = dense_neighbours(similarity.dense, k + 1)
    scores, lexical = lexical_scored(similarity, k + 1)
    return Neighbours(dense.astype(np.int32), sims.astype(np.float32),
                      lexical.astype(np.int32), scores)


def candidate_pool(similarity: Similarity, k: int) -> list[list[int]]:
    """Return, per article, the union of its k dense and k lexical neighbours (itself left out)."""
    pools = neighbours(similarity, k).pools()
    return [pools[i] for i in range(len(pools))]
