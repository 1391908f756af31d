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
        keep = ids[0] >= 0
        dense, best_chunk = per_article(sims[0][keep], ids[0][keep], self.chunk_owner, n,
                                        self.settings)
        return DenseScores(dense, best_chunk, cosine)


def per_article(sims: np.ndarray, ids: np.ndarray, owner: np.ndarray, n: int,
                settings: Settings) -> tuple[np.ndarray, dict[int, int]]:
    """Aggregate passage similarities (best first) into article scores, in NumPy.

    An article's i-th best passage is its i-th occurrence in the ranked list: rounds of
    "first occurrence" give what aggregate() needs, in doubles as Python floats were (the
    same scores as the loop over the passages this replaces, at a fraction of its time).
    """
    articles = owner[ids]
    dense = np.zeros(n, dtype=np.float32)
    if not len(articles):
        return dense, {}
    if settings.aggregation == "softmax":
        top, first, inverse = np.unique(articles, return_index=True, return_inverse=True)
        best = _softmax(first, inverse, sims.astype(np.float64),
                        settings.aggregation_temperature)
    else:
        top, best = _rounds(articles, sims, settings)
        first = np.unique(articles, return_index=True)[1]
    dense[top] = np.maximum(1e-6, best)
    first_rank = np.sort(first)  # each article's first passage, in the ranked order
    return dense, dict(zip(articles[first_rank].tolist(), ids[first_rank].tolist(),
                           strict=True))


def _softmax(first: np.ndarray, inverse: np.ndarray, sims: np.ndarray, t: float) -> np.ndarray:
    """Return each article's smooth max, best + T x log(sum exp((s - best) / T)).

    first, inverse: np.unique's of the passages' articles (computed once, in per_article).
    """
    best = sims[first]
    total = np.zeros(len(first))
    np.add.at(total, inverse, np.exp((sims - best[inverse]) / t))
    return best + t * np.log(total)


def _rounds(articles: np.ndarray, sims: np.ndarray,
            settings: Settings) -> tuple[np.ndarray, np.ndarray]:
    """Return each article and its max, max_bonus or topk_mean over its best passages."""
    rounds: list[tuple[np.ndarray, np.ndarray]] = []  # (article, similarity) per round
    left = np.arange(len(articles))
    for _ in range(3 if settings.aggregation == "topk_mean" else 2):
        if not len(left):
            break
        uniq, first = np.unique(articles[left], return_index=True)
        rounds.append((uniq, sims[left[first]].astype(np.float64)))
        left = np.delete(left, first)
    top, best = rounds[0]
    total, count = best.copy(), np.ones(len(top))
    for a, s in rounds[1:]:
        at = np.searchsorted(top, a)  # every later round's articles are among the first's
        total[at] += s
        count[at] += 1
    if settings.aggregation == "max_bonus" and len(rounds) > 1:
        a, s = rounds[1]
        best = best.copy()
        best[np.searchsorted(top, a)] += settings.aggregation_bonus * s
    elif settings.aggregation == "topk_mean":
        best = total / count
    return top, best


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
    # One call for the m vectors (the same float32 rows as m reconstruct() calls).
    centroid = np.mean(index.reconstruct_batch(np.asarray(top, dtype=np.int64)), axis=0)
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
