"""Passage-level relatedness: how well each passage of one post is matched by the other's.

The mean of an article's passage vectors blurs a post that covers several things into one
point; two posts that share one topic in depth can sit far apart on average. The passage
view keeps the passages: for posts A and B it is the Chamfer similarity, the mean over A's
passages of the best cosine with any of B's, averaged with the same from B's side (so it is
symmetric). It is computed only for the pairs a list scores (a row against its candidates),
never for all pairs, so its cost grows with candidates × passages, not n².

An article with one passage has its passage vector as its only point, so when no passage
vectors are given (callers that only have whole-article vectors) the view is the plain
cosine of those: the same thing for one-passage posts.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import numpy as np

from relatedposts.models import Chunk


class Passages:
    """Every article's passage vectors (unit rows, grouped by article), ready for blocks."""

    def __init__(self, vectors: np.ndarray, owners: np.ndarray, n_articles: int) -> None:
        """Hold the passage vectors of n_articles; owners[k] is passage k's article."""
        owners = np.asarray(owners, np.int64)
        order = np.argsort(owners, kind="stable")
        if not np.array_equal(order, np.arange(len(owners))):
            vectors, owners = vectors[order], owners[order]
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        unit = np.abs(norms - 1.0).max(initial=0.0) > 1e-3
        self.vectors = np.ascontiguousarray(
            vectors / np.where(norms > 0, norms, 1.0) if unit else vectors, dtype=np.float32)
        self.starts = np.searchsorted(owners, np.arange(n_articles + 1)).astype(np.int64)
        # Centring (centred()): each passage's dot with the corpus mean and its length once
        # the mean's share is taken off; none by default.
        self.share = 0.0
        self.dots = self.lengths = np.zeros(0, np.float32)
        self.mean_sq = 0.0

    def centred(self, mean: np.ndarray, share: float) -> Passages:
        """Return these passages seen from the corpus mean: p - share x mean, unit length.

        On a blog about one thing every passage leans the same way (a spine blog's mean is
        "back pain"): the cosine of raw passages then favours whatever post is closest to
        that mean, which climbs into half the lists. The centred cosine is computed from the
        raw one (no second copy of the vectors): (a·b - s a·m - s b·m + s² m·m) / (|a'| |b'|).
        """
        out = copy.copy(self)
        m = np.asarray(mean, np.float32).reshape(-1)
        out.share, out.mean_sq = float(share), float(m @ m)
        out.dots = (self.vectors @ m).astype(np.float32)
        sq = 1.0 - 2.0 * share * out.dots + share * share * out.mean_sq
        out.lengths = np.sqrt(np.maximum(sq, 1e-12)).astype(np.float32)
        return out

    @classmethod
    def of_chunks(cls, vectors: np.ndarray, chunks: Sequence[Chunk],
                  n_articles: int) -> Passages:
        """Return the passages of an index's chunks and their vectors."""
        owners = np.fromiter((c.article for c in chunks), dtype=np.int64, count=len(chunks))
        return cls(vectors, owners, n_articles)

    @classmethod
    def of_articles(cls, vectors: np.ndarray) -> Passages:
        """Return one passage per article: its whole-article vector (no chunks at hand)."""
        return cls(vectors, np.arange(len(vectors)), len(vectors))

    def _of(self, articles: Sequence[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return the passages of articles, stacked, the offset where each one starts and
        their rows."""
        spans = [(int(self.starts[a]), int(self.starts[a + 1])) for a in articles]
        sizes = np.array([stop - start for start, stop in spans], np.int64)
        rows = (np.concatenate([np.arange(start, stop) for start, stop in spans])
                if spans else np.empty(0, np.int64))
        return self.vectors[rows], np.concatenate([[0], np.cumsum(sizes)]), rows

    def _cosines(self, a: np.ndarray, a_rows: np.ndarray, b: np.ndarray,
                 b_rows: np.ndarray) -> np.ndarray:
        """Return the cosines of passages a and b, centred when centred() asked for it."""
        sims = a @ b.T
        if not self.share:
            return sims
        s, da, db = self.share, self.dots[a_rows], self.dots[b_rows]
        sims -= s * da[:, None]
        sims -= s * db[None, :]
        sims += s * s * self.mean_sq
        sims /= self.lengths[a_rows][:, None]
        sims /= self.lengths[b_rows][None, :]
        return sims

    def block(self, rows: Sequence[int], cols: Sequence[int]) -> np.ndarray:
        """Return the symmetric Chamfer similarity of each post in rows to each in cols."""
        out = np.zeros((len(rows), len(cols)), np.float32)
        if not len(rows) or not len(cols):
            return out
        a, a_off, a_rows = self._of(rows)
        b, b_off, b_rows = self._of(cols)
        a_has, b_has = np.diff(a_off) > 0, np.diff(b_off) > 0
        if not a_has.any() or not b_has.any():
            return out  # articles without passages relate to nothing here
        sims = self._cosines(a, a_rows, b, b_rows)
        # Best match of each row passage within each column article, and the other way.
        to_cols = np.maximum.reduceat(sims, b_off[:-1][b_has], axis=1)
        to_rows = np.maximum.reduceat(sims, a_off[:-1][a_has], axis=0)
        there = np.add.reduceat(to_cols, a_off[:-1][a_has], axis=0) / np.diff(a_off)[a_has, None]
        back = np.add.reduceat(to_rows, b_off[:-1][b_has], axis=1) / np.diff(b_off)[None, b_has]
        out[np.ix_(a_has, b_has)] = (there + back) / 2
        return out
