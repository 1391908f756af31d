"""How related two posts are: a weighted sum of views of the pair, one block at a time.

The views: the plain cosine of whole-article vectors (the mean of the passage vectors), the
passage-level (Chamfer) similarity of the passages themselves (related_passages.py; centred
on the corpus mean by default), the same whole-article cosine after centring, the TF-IDF
cosine of the titles, BM25 with each title as the query over the other's text, the TF-IDF
cosine of the bodies, and the Jaccard overlap of the tags. The weights come from the
settings and were chosen on the dev-derived labels (docs/benchmarks.md, sections
"related-weights" and "related-centring"). The corpus statistics (idf, centring mean) come
from related_stats.py: fitted by a full build, frozen for the publishes until the next one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from relatedposts.config import Settings
from relatedposts.indexing.related_passages import Passages
from relatedposts.indexing.related_stats import CorpusStats, Views
from relatedposts.models import Article


@dataclass(frozen=True)
class Weights:
    """The weight of each view in the similarity (normalised to sum to 1 when used)."""

    dense: float
    centred: float
    title: float
    bm25: float
    body: float
    tags: float
    passage: float = 0.0

    @classmethod
    def from_settings(cls, settings: Settings) -> Weights:
        """Read the related_*_weight settings."""
        return cls(settings.related_dense_weight, settings.related_centred_weight,
                   settings.related_title_weight, settings.related_bm25_weight,
                   settings.related_lexical_weight, settings.related_tag_weight,
                   settings.related_passage_weight)

    def normalised(self) -> Weights:
        """Return the weights scaled to sum to 1 (all zero stays all zero)."""
        total = sum(vars(self).values())
        return self if total <= 0 else Weights(*(w / total for w in vars(self).values()))


def unit_rows(m: np.ndarray) -> np.ndarray:
    """Return the rows of m scaled to unit length (zero rows stay zero)."""
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    return np.ascontiguousarray(m / np.where(norms > 0, norms, 1.0), dtype=np.float32)


class Similarity:
    """Every view of every article, ready to score any block of articles against each other."""

    def __init__(self, articles: list[Article], vectors: np.ndarray, settings: Settings,
                 stats: CorpusStats | None = None, views: Views | None = None,
                 passages: Passages | None = None) -> None:
        """Score these articles: under stats (a full build's, frozen) when given, else fitted
        here; views, when given, are the articles' already under those stats; passages: their
        passage vectors (None: each article's vector is its one passage)."""
        self.weights = Weights.from_settings(settings).normalised()
        self.stats = stats if stats is not None else CorpusStats.fit(articles, vectors, settings)
        self.views = views if views is not None else self.stats.views(articles, settings)
        self.dense = unit_rows(vectors)
        self.passages = passages if passages is not None else Passages.of_articles(self.dense)
        if settings.related_passage_centring and self.weights.passage:
            self.passages = self.passages.centred(self.stats.mean,
                                                  settings.related_passage_centring)
        # Centring removes what every post on one blog shares: on a spine blog the plain
        # vectors put "Pain After Back Surgery" in 23 of 45 lists (hubness). The default
        # scores centred vectors and centred passages (docs/benchmarks.md, related-centring).
        self.centred = unit_rows(vectors - self.stats.mean)
        self.titles, self.body = self.views.titles, self.views.body
        self.queries, self.bm25 = self.views.queries, self.views.bm25
        own = np.asarray(self.queries.multiply(self.bm25).sum(axis=1)).ravel()
        # A title's score against its own article is its best possible one: dividing by it
        # puts every title on one scale (long titles otherwise dominate).
        self.own = np.where(own > 0, own, 1.0).astype(np.float32)
        self.tags = tag_matrix(articles)
        self.tag_counts = np.asarray(self.tags.sum(axis=1)).ravel()

    def matrix(self, idx: list[int]) -> np.ndarray:
        """Return the weighted pairwise similarity of the posts in idx (symmetric)."""
        return self.block(idx, idx)

    def block(self, rows: list[int], cols: list[int]) -> np.ndarray:
        """Return the weighted similarity of each post in rows to each post in cols."""
        w = self.weights
        out = np.zeros((len(rows), len(cols)), np.float32)
        if w.dense:
            out += w.dense * (self.dense[rows] @ self.dense[cols].T)
        if w.passage:
            out += w.passage * self.passages.block(rows, cols)
        if w.centred:
            out += w.centred * (self.centred[rows] @ self.centred[cols].T)
        if w.title:
            out += w.title * _dense(self.titles[rows] @ self.titles[cols].T)
        if w.bm25:
            out += w.bm25 * self.bm25_block(rows, None if rows is cols else cols)
        if w.body:
            out += w.body * _dense(self.body[rows] @ self.body[cols].T)
        if w.tags:
            out += w.tags * self._tags(rows, cols)
        return out

    def bm25_block(self, idx: list[int], cols: list[int] | None = None) -> np.ndarray:
        """Return BM25 of each title over each text, on the title's own scale, both ways
        (idx against itself, or against cols)."""
        raw = _dense(self.queries[idx] @ self.bm25[idx if cols is None else cols].T)
        raw /= self.own[idx][:, None]
        if cols is None:
            return np.minimum((raw + raw.T) / 2, 1.0)
        back = _dense(self.queries[cols] @ self.bm25[idx].T) / self.own[cols][:, None]
        return np.minimum((raw + back.T) / 2, 1.0)

    def _tags(self, rows: list[int], cols: list[int]) -> np.ndarray:
        shared = _dense(self.tags[rows] @ self.tags[cols].T)
        union = self.tag_counts[rows][:, None] + self.tag_counts[cols][None, :] - shared
        return np.divide(shared, union, out=np.zeros_like(shared), where=union > 0)


def tag_matrix(articles: list[Article]) -> sparse.csr_matrix:
    """Return a binary article × tag matrix (the category is not counted as a tag)."""
    vocab: dict[str, int] = {}
    rows, cols = [], []
    for r, a in enumerate(articles):
        for t in {t.lower() for t in a.tags} - {(a.category or "").lower()}:
            rows.append(r)
            cols.append(vocab.setdefault(t, len(vocab)))
    return sparse.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)),
                             shape=(len(articles), max(1, len(vocab))))


def _dense(m: sparse.spmatrix) -> np.ndarray:
    return np.asarray(m.toarray(), dtype=np.float32)
