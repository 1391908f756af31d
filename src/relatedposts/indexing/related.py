"""'You Might Also Enjoy': related lists computed at build time, so serving is a lookup.

Each article's list is: the editor's pins, then the candidates of two views
(related_candidates.py) scored by the weighted similarity (related_similarity.py), ordered by
maximal marginal relevance and capped in how many lists one post may lead
(related_diversity.py), never the article itself, its copies (duplicates.py: the same text)
or two copies of each other; then — when too few pass the minimum relevance — the most recent
posts, flagged as fallback. A list that stays short says why in `notes`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
from threadpoolctl import threadpool_limits

from relatedposts.config import Settings
from relatedposts.indexing.duplicates import find_duplicates
from relatedposts.indexing.overrides import Overrides
from relatedposts.indexing.reasons import FALLBACK, PINNED, SIMILAR, key_terms
from relatedposts.indexing.related_candidates import Neighbours, neighbours
from relatedposts.indexing.related_diversity import Row, cap_in_degree, mmr
from relatedposts.indexing.related_passages import Passages
from relatedposts.indexing.related_similarity import Similarity
from relatedposts.indexing.related_state import RelatedState, fingerprint, rows_to_arrays
from relatedposts.indexing.related_stats import CorpusStats
from relatedposts.models import Article, Chunk

ONLY_ARTICLE = "the only article: there is nothing to relate it to yet"
ALL_COPIES = "every other article is the same text as this one (see duplicates)"
BLOCKED = "the editors' blocks and exclusions leave no other article"


@dataclass
class RelatedLists:
    """Every article's related list: ids, scores and flags of shape (n, depth), -1 padded."""

    ids: np.ndarray
    scores: np.ndarray
    flags: np.ndarray
    duplicates: list[list[int]]
    key_terms: list[list[str]]
    notes: dict[int, str] = field(default_factory=dict)  # why a list is short, by article
    state: RelatedState | None = None  # what the next publish needs (related_state.py)


@dataclass
class Parts:
    """What a RelatedContext scores with: the similarity, neighbour lists, pools, copies."""

    similarity: Similarity
    near: Neighbours
    pools: dict[int, list[int]]
    groups: list[set[int]]


def article_vectors(chunk_vectors: np.ndarray, chunks: list[Chunk], n_articles: int) -> np.ndarray:
    """Average each article's chunk vectors into one unit vector (the whole text, not the title)."""
    dim = chunk_vectors.shape[1]
    sums = np.zeros((n_articles, dim), dtype=np.float32)
    owners = np.fromiter((c.article for c in chunks), dtype=np.int64, count=len(chunks))
    np.add.at(sums, owners, chunk_vectors)
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    return np.ascontiguousarray(sums / np.where(norms > 0, norms, 1.0), dtype=np.float32)


def compute_related(articles: list[Article], vectors: np.ndarray, settings: Settings,
                    overrides: Overrides | None = None, today: date | None = None,
                    stats: CorpusStats | None = None,
                    passages: Passages | None = None) -> RelatedLists:
    """Compute every article's related list (see the module docstring for the order).

    stats: corpus statistics to score under (a previous build's, frozen); fitted when None.
    passages: the articles' passage vectors (None: each article's vector is its one passage).
    """
    # Thousands of tiny matrix products: BLAS threads only add hand-off cost (7x slower).
    with threadpool_limits(limits=1):
        context = RelatedContext(articles, vectors, settings, overrides, today,
                                 make_parts(articles, vectors, settings, stats, passages))
        out = context.empty()
        context.fill(out, range(len(articles)))
        out.state = context.state()
        return out


def make_parts(articles: list[Article], vectors: np.ndarray, settings: Settings,
               stats: CorpusStats | None = None, passages: Passages | None = None) -> Parts:
    """Score the whole corpus: similarity, every neighbour list and pool, the copies."""
    similarity = Similarity(articles, vectors, settings, stats, passages=passages)
    near = neighbours(similarity, settings.related_candidates)
    pools = near.pools()
    groups = find_duplicates(articles, [pools[i] for i in range(len(articles))],
                             settings.duplicate_jaccard)
    return Parts(similarity, near, pools, groups)


class RelatedContext:
    """What every list of one corpus shares: the similarity, candidate pools, copies, recency.

    compute_related fills every row from it; a publish-time ingest (related_update.py) builds
    one for the corpus after the publish and fills from it too, so its lists are exactly what
    a full build gives. The in-degree cap is applied across all lists at once (a post claimed
    by one list may push another list's entry down), so the capped rows are computed for every
    article the first time any row is asked for: a row is not a function of its own
    candidates alone.
    """

    def __init__(self, articles: list[Article], vectors: np.ndarray, settings: Settings,
                 overrides: Overrides | None = None, today: date | None = None,
                 parts: Parts | None = None) -> None:
        n = len(articles)
        self.articles, self.settings = articles, settings
        self.overrides = overrides or Overrides()
        self.depth = max(1, min(settings.max_limit, n - 1))
        self.parts = parts or make_parts(articles, vectors, settings)
        self.similarity, self.pools = self.parts.similarity, self.parts.pools
        self.groups = self.parts.groups
        self.dup_of = {i: g - {i} for g in self.groups for i in g}
        # Of the same text at several URLs, recommend only the original: the earliest
        # published, then the shortest URL (copies tend to get suffixes such as -2 or -copy).
        self.copies = {i for g in self.groups for i in g - {min(g, key=lambda j: (
            articles[j].date or "9999", len(articles[j].url), articles[j].url))}}
        self.decay = _decay(articles, settings.related_half_life_days, today or date.today())
        self.recent = sorted(range(n), key=lambda i: articles[i].date or "", reverse=True)
        self._capped: list[Row] | None = None
        self.uncapped: list[Row] | None = None  # every ranked row, before the cap

    def empty(self, terms: list[list[str]] | None = None) -> RelatedLists:
        """Return lists of this corpus' shape with no rows filled (key terms computed unless
        given)."""
        n, depth = len(self.articles), self.depth
        return RelatedLists(np.full((n, depth), -1, np.int32), np.zeros((n, depth), np.float32),
                            np.zeros((n, depth), np.int8), [sorted(g) for g in self.groups],
                            terms if terms is not None
                            else key_terms(self.articles, self.settings.title_weight))

    def banned(self, i: int) -> set[int]:
        """Return what article i's list may never hold: itself, copies, editors' blocks."""
        o = self.overrides
        return ({i} | self.dup_of.get(i, set()) | self.copies | o.excluded
                | o.blocks.get(i, set()))

    def ranked(self, i: int) -> Row:
        """Return article i's pins, then its candidates by MMR (before the in-degree cap)."""
        return _ranked(i, self.pools[i], self.banned(i), self.overrides.pins.get(i, []),
                       self.similarity, self.decay, self.dup_of, self.settings)

    def capped(self) -> list[Row]:
        """Return every article's ranked row after the in-degree cap (computed once).

        The ranked rows are self.uncapped when set (a publish carries most of them over),
        else every row is ranked here.
        """
        if self._capped is None:
            n, pins = len(self.articles), self.overrides.pins
            if self.uncapped is None:
                self.uncapped = [self.ranked(i) for i in range(n)]
            self._capped = cap_in_degree(self.uncapped,
                                         self.settings.related_limit,
                                         self.settings.related_max_in_degree,
                                         [len(pins.get(i, [])) for i in range(n)])
        return self._capped

    def state(self) -> RelatedState:
        """Return what the next publish needs from these lists (after capped())."""
        p = self.parts
        return RelatedState(p.similarity.stats, p.similarity.views, p.near,
                            rows_to_arrays(self.uncapped or []),
                            fingerprint(self.settings, self.overrides,
                                        [a.url for a in self.articles]))

    def fill(self, out: RelatedLists, rows: list[int] | range) -> None:
        """Write the lists of rows into out (whose arrays have this context's depth)."""
        capped, n, depth = self.capped(), len(self.articles), self.depth
        for i in rows:
            row = capped[i][:depth]
            row += _fallback(self.recent, self.banned(i), row, self.dup_of, depth)
            out.ids[i], out.scores[i], out.flags[i] = -1, 0.0, 0
            for col, (j, score, flag) in enumerate(row):
                out.ids[i, col], out.scores[i, col], out.flags[i, col] = j, score, flag
            out.notes.pop(i, None)
            if len(row) < min(depth, self.settings.related_limit):
                out.notes[i] = _why_short(i, n, self.dup_of, self.overrides)


def _ranked(i: int, pool: list[int], banned: set[int], pins: list[int], similarity: Similarity,
            decay: np.ndarray, dup_of: dict[int, set[int]], settings: Settings) -> Row:
    """Return article i's pins, then its candidates by MMR over the weighted similarity."""
    js = [j for j in pool if j not in banned and j not in pins]
    idx = [i, *pins, *js]
    pos = {a: p for p, a in enumerate(idx)}
    # With λ < 1 MMR weighs redundancy among the candidates: the whole block. At λ 1 (the
    # default) it never does, so only i's and the pins' rows are needed (most of the cost).
    lam = settings.related_mmr_lambda
    m = similarity.matrix(idx) if lam < 1 else similarity.block(idx[:len(pins) + 1], idx)
    row: Row = [(j, float(m[0, pos[j]]), PINNED) for j in pins]
    scores = m[0, len(pins) + 1:]
    # Decay shrinks positive similarity only; a negative one must not move up.
    scores = np.where(scores > 0, scores * decay[js], scores) if js else scores
    cand = {j: float(s) for j, s in zip(js, scores, strict=True)
            if s >= settings.related_min_score}
    picked = mmr(cand, lambda a, others: m[pos[a], [pos[o] for o in others]],
                 set(pins) | {i}, dup_of, lam, settings.related_depth)
    return row + [(j, cand[j], SIMILAR) for j in picked]


def _why_short(i: int, n: int, dup_of: dict[int, set[int]], overrides: Overrides) -> str:
    """Say why article i's list has fewer entries than a reader is shown."""
    if n == 1:
        return ONLY_ARTICLE
    if len(dup_of.get(i, set())) == n - 1:
        return ALL_COPIES
    if overrides.excluded or overrides.blocks.get(i):
        return BLOCKED
    return "fewer other articles than the list length, once copies are left out"


def _fallback(recent: list[int], banned: set[int], row: list[tuple[int, float, int]],
              dup_of: dict[int, set[int]], depth: int) -> list[tuple[int, float, int]]:
    """Fill the list up to depth with the most recent posts, flagged as fallback."""
    taken = {j for j, _, _ in row}
    out: list[tuple[int, float, int]] = []
    for j in recent:
        if len(row) + len(out) >= depth:
            break
        if j not in banned and j not in taken and not dup_of.get(j, set()) & taken:
            out.append((j, 0.0, FALLBACK))
            taken.add(j)
    return out


def _decay(articles: list[Article], half_life_days: float, today: date) -> np.ndarray:
    """Return a recency weight per article: 0.5 ** (age / half-life), or 1 when disabled."""
    weights = np.ones(len(articles), dtype=np.float32)
    if half_life_days <= 0:
        return weights
    for i, a in enumerate(articles):
        try:
            age = (today - date.fromisoformat(a.date)).days if a.date else 0
        except ValueError:
            age = 0
        weights[i] = 0.5 ** (max(age, 0) / half_life_days)
    return weights
