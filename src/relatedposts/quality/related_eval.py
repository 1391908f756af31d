"""Related lists measured against graded labels, beside plain baselines built in the same run.

Metrics per method, over the articles that have at least one related label: nDCG@k (linear
gains, the labels' grades), P@k, R@k; over all articles: coverage (share whose top k are all
real recommendations, no recent-post fallback), reach (share recommended at least once), the
largest in-degree (most lists one article appears in) and intra-list similarity (mean pairwise
cosine of the article vectors within a list).
Baselines: the mean of an article's passage vectors by cosine, TF-IDF cosine, BM25 with the
title as the query, and a seeded random pick. None of them drops duplicates or the like.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
from scipy import sparse

from relatedposts.errors import BadRequest
from relatedposts.indexing import index as idx
from relatedposts.models import Article
from relatedposts.quality.evaluate import ndcg_at
from relatedposts.quality.related_report import tfidf_lists, top_lists
from relatedposts.text import stems, words
from relatedposts.urls import url_key

BLOCK = 1024  # rows of the all-pairs score matrix held at once


@dataclass(frozen=True)
class ListQuality:
    """How one method's related lists score (see the module docstring)."""

    ndcg: float
    precision: float
    recall: float
    coverage: float
    reach: float
    max_in_degree: int
    intra_similarity: float
    labelled: int

    def as_row(self) -> dict[str, float | int]:
        """Return rounded figures for a table or JSON."""
        return {k: round(v, 4) if isinstance(v, float) else v for k, v in asdict(self).items()}


def slug(url_or_slug: str) -> str:
    """Return the last path segment of a URL (or the slug itself), without .html or .htm."""
    last = url_key(url_or_slug).rsplit("/", 1)[-1]
    # Static sites serve /2024/10/sciatica.html: the label file names the post "sciatica".
    return re.sub(r"\.html?$", "", last)


def score(articles: list[Article], lists: list[list[int]], labels: dict[str, dict[str, int]],
          vectors: np.ndarray, k: int) -> ListQuality:
    """Score lists (positions per article, best first) against graded labels by slug."""
    slugs = [slug(a.url) for a in articles]
    graded = {slug(a): {slug(b): g for b, g in row.items() if g > 0}
              for a, row in labels.items()}
    totals = [0.0, 0.0, 0.0]
    n = 0
    for i, s in enumerate(slugs):
        judged = graded.get(s)
        if not judged:
            continue
        ranked = [slugs[j] for j in lists[i][:k]]
        hits = len(set(ranked) & set(judged))
        totals[0] += ndcg_at(ranked, judged, k)
        totals[1] += hits / k
        totals[2] += hits / len(judged)
        n += 1
    if not n:
        raise BadRequest("no labelled article is in the index: check the slugs or URLs")
    full = min(k, len(articles) - 1)
    counts = Counter(j for row in lists for j in row[:k])
    return ListQuality(totals[0] / n, totals[1] / n, totals[2] / n,
                       sum(len(row[:k]) >= full for row in lists) / len(articles),
                       len(counts) / len(articles), max(counts.values(), default=0),
                       intra_similarity(lists, vectors, k), n)


def intra_similarity(lists: list[list[int]], vectors: np.ndarray, k: int) -> float:
    """Return the mean, over lists of two or more, of the mean pairwise cosine within a list."""
    unit = _unit(vectors)
    means = []
    for row in lists:
        members = row[:k]
        if len(members) < 2:
            continue
        sims = unit[members] @ unit[members].T
        upper = np.triu_indices(len(members), 1)
        means.append(float(sims[upper].mean()))
    return float(np.mean(means)) if means else 0.0


def _unit(m: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    return np.asarray(m / np.where(norms > 0, norms, 1.0), dtype=np.float32)


def _top_k(n: int, k: int, scores: Callable[[int, int], np.ndarray]) -> list[list[int]]:
    """Rank every row's columns by scores(start, stop) (a block of rows), itself excluded."""
    out: list[list[int]] = []
    for start in range(0, n, BLOCK):
        stop = min(n, start + BLOCK)
        block = np.array(scores(start, stop), dtype=np.float64)
        block[np.arange(stop - start), np.arange(start, stop)] = -np.inf
        order = np.argsort(-block, axis=1, kind="stable")[:, :min(k, n - 1)]
        out.extend([int(j) for j in row] for row in order)
    return out


def mean_vector_lists(vectors: np.ndarray, k: int) -> list[list[int]]:
    """Baseline: top-k by cosine of the mean passage vectors (ties by position)."""
    unit = _unit(vectors)
    return _top_k(len(unit), k, lambda a, b: unit[a:b] @ unit.T)


def bm25_title_lists(articles: list[Article], k: int, k1: float = 1.5,
                     b: float = 0.75) -> list[list[int]]:
    """Baseline: top-k by BM25 (Okapi, stemmed) over title and body, the title as the query."""
    docs = [stems(words(f"{a.title} {a.body}")) for a in articles]
    vocab: dict[str, int] = {}
    rows, cols = [], []
    for r, doc in enumerate(docs):
        for term in doc:
            rows.append(r)
            cols.append(vocab.setdefault(term, len(vocab)))
    shape = (len(docs), max(1, len(vocab)))
    tf = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=shape)
    tf.sum_duplicates()
    df = np.bincount(tf.indices, minlength=shape[1])
    idf = np.log(1 + (len(docs) - df + 0.5) / (df + 0.5))
    length = np.asarray(tf.sum(axis=1)).ravel()
    norm = k1 * (1 - b + b * length / max(float(length.mean()), 1e-9))
    weights = tf.copy()
    weights.data = weights.data * (k1 + 1) / (weights.data + np.repeat(norm, np.diff(tf.indptr)))
    weights = sparse.csr_matrix(weights @ sparse.diags(idf))
    query = _binary([[vocab[t] for t in stems(words(a.title)) if t in vocab] for a in articles],
                    shape)
    return _top_k(len(docs), k, lambda a, b_: (query[a:b_] @ weights.T).toarray())


def _binary(terms: list[list[int]], shape: tuple[int, int]) -> sparse.csr_matrix:
    """Return a 0/1 matrix with row r set at the columns terms[r]."""
    rows = [r for r, ts in enumerate(terms) for _ in set(ts)]
    cols = [t for ts in terms for t in set(ts)]
    return sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=shape)


def random_lists(n: int, k: int, seed: int) -> list[list[int]]:
    """Baseline: k other articles per article, drawn without replacement from a seeded RNG."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        picks = rng.choice(n - 1, size=min(k, n - 1), replace=False) if n > 1 else ()
        out.append([int(j) + int(j >= i) for j in picks])
    return out


def evaluate_methods(data: idx.IndexData, labels: dict[str, dict[str, int]], k: int,
                     seed: int = 22) -> dict[str, ListQuality]:
    """Score the index's related lists and every baseline against the same labels."""
    articles, vectors = data.articles, data.article_vectors
    methods = {
        "relatedposts": top_lists(data, k),
        "mean-vector": mean_vector_lists(vectors, k),
        "tfidf": [[int(j) for j in row] for row in tfidf_lists(articles, k)],
        "bm25-title": bm25_title_lists(articles, k),
        "random": random_lists(len(articles), k, seed),
    }
    return {name: score(articles, lists, labels, vectors, k) for name, lists in methods.items()}

