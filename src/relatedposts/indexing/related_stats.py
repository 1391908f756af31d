"""The corpus statistics behind related-post similarity, frozen between full builds.

A full build fits them (the titles' and bodies' TF-IDF vocabulary and idf, the title-as-query
BM25 vocabulary, idf and mean length, the mean article vector used for centring) and stores
them with the version (related_state.py). A publish-time ingest vectorises only the new
article under the stored statistics, so every other article's views stay exactly as they
were: its words that the corpus did not have are left out, and no idf moves. The next full
build (`relatedposts build`, or the cron rebuild) fits them again; until then lists drift a
little from what a full build would give (docs/benchmarks.md, section "ingest").
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from relatedposts.config import Settings
from relatedposts.models import Article
from relatedposts.text import (
    BM25Stats,
    article_document,
    bm25_docs,
    bm25_fit,
    bm25_rows,
    tfidf_fit,
    tfidf_rows,
    word_counts,
)

VIEWS = ("titles", "queries", "bm25", "body")  # the sparse views, in storage order


@dataclass(frozen=True)
class Views:
    """The sparse views of some articles: title TF-IDF, BM25 title queries and weights, body."""

    titles: sparse.csr_matrix
    queries: sparse.csr_matrix
    bm25: sparse.csr_matrix
    body: sparse.csr_matrix

    def take(self, rows: np.ndarray) -> Views:
        """Return the views of these rows, in this order."""
        return Views(*(getattr(self, v)[rows] for v in VIEWS))

    def stacked(self, other: Views, order: np.ndarray) -> Views:
        """Return self's rows then other's, reordered so that row order[k] comes k-th."""
        return Views(*(sparse.csr_matrix(sparse.vstack(
            [getattr(self, v), getattr(other, v)], format="csr")[order]) for v in VIEWS))


@dataclass(frozen=True)
class CorpusStats:
    """What a full build learnt from the whole corpus, reused by the publishes after it."""

    articles: int
    title_vocab: dict[str, int]
    title_idf: np.ndarray
    body_vocab: dict[str, int]
    body_idf: np.ndarray
    bm25: BM25Stats
    mean: np.ndarray  # (1, dim): the mean article vector, for the centred view

    @classmethod
    def fit(cls, articles: list[Article], vectors: np.ndarray,
            settings: Settings) -> CorpusStats:
        """Learn the statistics of a whole corpus (a full build)."""
        title_vocab, title_idf = tfidf_fit([a.title for a in articles])
        body_vocab, body_idf = tfidf_fit(_bodies(articles, settings))
        mean = (vectors.mean(axis=0, keepdims=True) if len(vectors)
                else np.zeros((1, vectors.shape[1]), np.float32))
        return cls(len(articles), title_vocab, title_idf, body_vocab, body_idf,
                   bm25_fit(bm25_docs(_texts(articles))), mean.astype(np.float32))

    def views(self, articles: list[Article], settings: Settings) -> Views:
        """Vectorise articles under these statistics."""
        queries, bm25 = bm25_rows([a.title for a in articles], bm25_docs(_texts(articles)),
                                  self.bm25)
        # The body view is a third of what a version stores: only kept when it is weighed
        # (the weights are in the state's fingerprint, so a change recomputes everything).
        body = (tfidf_rows(_bodies(articles, settings), self.body_vocab, self.body_idf)
                if settings.related_lexical_weight else sparse.csr_matrix((len(articles), 1),
                                                                          dtype=np.float32))
        return Views(tfidf_rows([a.title for a in articles], self.title_vocab, self.title_idf),
                     queries, bm25, body)

    def key_terms(self, articles: list[Article], settings: Settings,
                  top: int = 25) -> list[list[str]]:
        """Return articles' most distinctive words under the frozen body idf (reasons.py's rule).

        A word the corpus lacked counts as in one document, as a full build would count it.
        """
        unseen = math.log((1 + self.articles) / 2)
        out = []
        for text in _bodies(articles, settings):
            counts = Counter({w: c for w, c in word_counts(text).items()
                              if len(w) > 3 and not w.isdigit()})
            weights = {w: (1 + math.log(tf)) * (float(self.body_idf[self.body_vocab[w]])
                                                if w in self.body_vocab else unseen)
                       for w, tf in counts.items()}
            out.append(sorted(weights, key=lambda w: -weights[w])[:top])
        return out


def _texts(articles: list[Article]) -> list[str]:
    return [f"{a.title} {a.body}" for a in articles]


def _bodies(articles: list[Article], settings: Settings) -> list[str]:
    return [article_document(a, settings.title_weight, tags=False) for a in articles]
