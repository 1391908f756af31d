"""Retrieval: per-article scores from the dense passage index (FAISS) and from BM25."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import faiss
import numpy as np

from relatedposts.config import Settings
from relatedposts.indexing.embedders import Embedder
from relatedposts.indexing.index import IndexData
from relatedposts.indexing.keywords import KeywordIndex
from relatedposts.search.querycache import QueryCache
from relatedposts.text import stems


@dataclass(frozen=True)
class DenseScores:
    """One query's dense score per article, and the passage that earned it.

    cosine: each article's best passage cosine to the query as typed (before feedback and
    aggregation), which search_min_similarity is about.
    """

    scores: np.ndarray
    best_chunk: dict[int, int]
    cosine: np.ndarray


class DenseRetriever:
    """Score articles by their best passages' cosine similarity to the query vector."""

    def __init__(self, data: IndexData, embedder: Embedder, settings: Settings,
                 cache: QueryCache) -> None:
        self.data = data
        self.embedder = embedder
        self.settings = settings
        self.cache = cache
        self.chunk_owner = np.fromiter((c.article for c in data.chunks), dtype=np.int64)

    def embed_query(self, query: str) -> np.ndarray:
        """Return the query's vector, from the cache when it was asked before."""
        return self.cache.get_or_compute(query, lambda: self.embedder.encode([query])[0])

    def none(self) -> DenseScores:
        """Return all-zero dense scores (keyword-only search never loads the model)."""
        zeros = np.zeros(len(self.data.articles), dtype=np.float32)
        return DenseScores(zeros, {}, zeros)

    def score(self, query: str) -> DenseScores:
        """Aggregate the top chunk similarities into one dense score per article."""
        n = len(self.data.articles)
        k = min(pool_size(self.settings, self.data.faiss_index.ntotal),
                self.data.faiss_index.ntotal)
        qv = self.embed_query(query).reshape(1, -1)
        sims, ids = self.data.faiss_index.search(qv, k)
        found = ids[0] >= 0
        cosine = np.zeros(n, dtype=np.float32)
        np.maximum.at(cosine, self.chunk_owner[ids[0][found]], sims[0][found])
        moved = feedback_query(self.data.faiss_index, qv[0], ids[0], self.settings)
        if moved is not None:  # search again from the moved vector: no second model call
            sims, ids = self.data.faiss_index.search(moved.reshape(1, -1), k)
        per_article: dict[int, list[float]] = {}
        best_chunk: dict[int, int] = {}
        for s, cid in zip(sims[0], ids[0], strict=True):
            if cid < 0:
                continue
            a = int(self.chunk_owner[cid])
            per_article.setdefault(a, []).append(float(s))
            best_chunk.setdefault(a, int(cid))
        dense = np.zeros(n, dtype=np.float32)
        for a, s in per_article.items():
            dense[a] = max(1e-6, aggregate(s, self.settings))
        return DenseScores(dense, best_chunk, cosine)


def pool_size(settings: Settings, passages: int) -> int:
    """Return how many nearest passages to take: more on a large site, never under the floor.

    A fixed 200 of 37,000 passages missed answers the 1,000 nearest found.
    """
    per = settings.dense_candidates_per_passages
    return max(settings.dense_candidates, passages // per if per > 0 else 0)


def feedback_query(index: faiss.Index, query: np.ndarray, ids: np.ndarray,
                   settings: Settings) -> np.ndarray | None:
    """Return the query vector moved towards its nearest passages (Rocchio), or None when off.

    q' = q + weight x mean(the dense_feedback_passages nearest passage vectors), normalised:
    pseudo-relevance feedback by vector arithmetic, so it costs a FAISS search, not a model call.
    """
    weight, m = settings.dense_feedback_weight, settings.dense_feedback_passages
    top = [int(i) for i in ids[:m] if i >= 0]
    if weight <= 0 or not top:
        return None
    centroid = np.mean([index.reconstruct(i) for i in top], axis=0)
    moved = query + weight * centroid
    norm = float(np.linalg.norm(moved))
    return np.ascontiguousarray(moved / norm, dtype=np.float32) if norm > 0 else None


def aggregate(sims: list[float], settings: Settings) -> float:
    """Combine an article's chunk similarities (sorted best first) into one score."""
    how = settings.aggregation
    if how == "max" or len(sims) == 1:
        return sims[0]
    if how == "topk_mean":
        return float(np.mean(sims[:3]))
    if how == "softmax":
        # A smooth max, T x log(sum exp(s / T)): passages close to the best one add up to
        # T x log(n); ones far below it add almost nothing.
        t = settings.aggregation_temperature
        arr = np.asarray(sims, dtype=np.float64)
        return float(arr[0] + t * np.log(np.exp((arr - arr[0]) / t).sum()))
    # max_bonus: the best passage, plus a little for a second supporting passage.
    return sims[0] + settings.aggregation_bonus * sims[1]


def keyword_scores(keyword: KeywordIndex, kw_words: list[str], extra: list[str],
                   idf_weighting: bool = False) -> np.ndarray:
    """BM25 of the query words plus, at half weight, their lay/clinical equivalents."""
    score = idf_weighted_scores if idf_weighting else KeywordIndex.scores
    scores = score(keyword, kw_words)
    if extra:
        scores = scores + 0.5 * score(keyword, extra)
    return scores


def idf_weighted_scores(keyword: KeywordIndex, query_words: list[str]) -> np.ndarray:
    """BM25 with each term weighted by its IDF over the query's mean IDF.

    A long message's rare entity words ("tizanidine") then outweigh its common ones.
    """
    terms = [t for t in stems(query_words) if t in keyword.bm25.vocab_dict]
    scores = np.zeros(keyword.bm25.scores["num_docs"], dtype=np.float32)
    if not terms:
        return scores
    idf = {t: keyword.idf(t) for t in terms}
    mean = float(np.mean([idf[t] for t in terms])) or 1.0
    for t, count in Counter(terms).items():
        scores += (count * idf[t] / mean) * np.asarray(keyword.bm25.get_scores([t]), np.float32)
    return scores
