"""'You Might Also Enjoy': article vectors, diverse neighbour lists computed at build time."""

from __future__ import annotations

import faiss
import numpy as np

from relatedposts.config import Settings
from relatedposts.models import Chunk


def article_vectors(chunk_vectors: np.ndarray, chunks: list[Chunk], n_articles: int) -> np.ndarray:
    """Average each article's chunk vectors into one unit vector (the whole text, not the title)."""
    dim = chunk_vectors.shape[1]
    sums = np.zeros((n_articles, dim), dtype=np.float32)
    owners = np.fromiter((c.article for c in chunks), dtype=np.int64, count=len(chunks))
    np.add.at(sums, owners, chunk_vectors)
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    return np.ascontiguousarray(sums / np.where(norms > 0, norms, 1.0), dtype=np.float32)


def neighbours(vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Return each article's k nearest other articles by cosine: (ids, sims)."""
    n = vectors.shape[0]
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    sims, ids = index.search(vectors, min(n, k + 1))
    return ids, sims


def mmr(candidates: list[int], sims_to_query: dict[int, float], vectors: np.ndarray,
        depth: int, lam: float, duplicate_threshold: float) -> list[int]:
    """Pick up to depth candidates by maximal marginal relevance, never two near-duplicates."""
    chosen: list[int] = []
    pool = list(candidates)
    while pool and len(chosen) < depth:
        if chosen:
            redundancy = (vectors[pool] @ vectors[chosen].T).max(axis=1)
        else:
            redundancy = np.zeros(len(pool), dtype=np.float32)
        scores = [lam * sims_to_query[c] - (1 - lam) * r for c, r in zip(pool, redundancy,
                                                                         strict=True)]
        best = int(np.argmax(scores))
        pick = pool.pop(best)
        if redundancy[best] < duplicate_threshold:
            chosen.append(pick)
    return chosen


def compute_related(vectors: np.ndarray, settings: Settings) -> tuple[np.ndarray, np.ndarray]:
    """Compute every article's related list: (ids, scores) of shape (n, depth), -1 padded."""
    n, depth = vectors.shape[0], settings.related_depth
    ids_out = np.full((n, depth), -1, dtype=np.int32)
    scores_out = np.zeros((n, depth), dtype=np.float32)
    if n < 2:
        return ids_out, scores_out
    ids, sims = neighbours(vectors, depth * 3)
    for i in range(n):
        cand = {int(j): float(s) for j, s in zip(ids[i], sims[i], strict=True)
                if j >= 0 and j != i and s < settings.duplicate_threshold}
        picked = mmr(sorted(cand, key=lambda j: -cand[j]), cand, vectors, depth,
                     settings.related_mmr_lambda, settings.duplicate_threshold)
        ids_out[i, : len(picked)] = picked
        scores_out[i, : len(picked)] = [cand[j] for j in picked]
    return ids_out, scores_out
