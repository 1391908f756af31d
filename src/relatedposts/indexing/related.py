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
from relatedposts.indexing.related_candidates import candidate_pool
from relatedposts.indexing.related_diversity import Row, cap_in_degree, mmr
from relatedposts.indexing.related_similarity import Similarity
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


def article_vectors(chunk_vectors: np.ndarray, chunks: list[Chunk], n_articles: int) -> np.ndarray:
    """Average each article's chunk vectors into one unit vector (the whole text, not the title)."""
    dim = chunk_vectors.shape[1]
    sums = np.zeros((n_articles, dim), dtype=np.float32)
    owners = np.fromiter((c.article for c in chunks), dtype=np.int64, count=len(chunks))
    np.add.at(sums, owners, chunk_vectors)
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    return np.ascontiguousarray(sums / np.where(norms > 0, norms, 1.0), dtype=np.float32)


def compute_related(articles: list[Article], vectors: np.ndarray, settings: Settings,
                    overrides: Overrides | None = None,
                    today: date | None = None) -> RelatedLists:
    """Compute every article's related list (see the module docstring for the order)."""
    # Thousands of tiny matrix products: BLAS threads only add hand-off cost (7x slower).
    with threadpool_limits(limits=1):
        return _compute(articles, vectors, settings, overrides or Overrides(),
                        today or date.today())


def _compute(articles: list[Article], vectors: np.ndarray, settings: Settings,
             overrides: Overrides, today: date) -> RelatedLists:
    n = len(articles)
    depth = max(1, min(settings.max_limit, n - 1))
    similarity = Similarity(articles, vectors, settings)
    pools = candidate_pool(similarity, settings.related_candidates)
    groups = find_duplicates(articles, pools, settings.duplicate_jaccard)
    dup_of = {i: g - {i} for g in groups for i in g}
    # Of the same text at several URLs, recommend only the original: the earliest published,
    # then the shortest URL (copies tend to get suffixes such as -2 or -copy).
    copies = {i for g in groups for i in g - {min(g, key=lambda j: (
        articles[j].date or "9999", len(articles[j].url), articles[j].url))}}
    decay = _decay(articles, settings.related_half_life_days, today)
    rows, banned = [], []
    for i in range(n):
        banned.append({i} | dup_of.get(i, set()) | copies | overrides.excluded
                      | overrides.blocks.get(i, set()))
        rows.append(_ranked(i, pools[i], banned[i], overrides.pins.get(i, []), similarity,
                            decay, dup_of, settings))
    rows = cap_in_degree(rows, settings.related_limit, settings.related_max_in_degree,
                         [len(overrides.pins.get(i, [])) for i in range(n)])
    recent = sorted(range(n), key=lambda i: articles[i].date or "", reverse=True)
    out = RelatedLists(np.full((n, depth), -1, np.int32), np.zeros((n, depth), np.float32),
                       np.zeros((n, depth), np.int8), [sorted(g) for g in groups],
                       key_terms(articles, settings.title_weight))
    for i, row in enumerate(rows):
        row = row[:depth]
        row += _fallback(recent, banned[i], row, dup_of, depth)
        for col, (j, score, flag) in enumerate(row):
            out.ids[i, col], out.scores[i, col], out.flags[i, col] = j, score, flag
        if len(row) < min(depth, settings.related_limit):
            out.notes[i] = _why_short(i, n, dup_of, overrides)
    return out


def _ranked(i: int, pool: list[int], banned: set[int], pins: list[int], similarity: Similarity,
            decay: np.ndarray, dup_of: dict[int, set[int]], settings: Settings) -> Row:
    """Return article i's pins, then its candidates by MMR over the weighted similarity."""
    js = [j for j in pool if j not in banned and j not in pins]
    idx = [i, *pins, *js]
    pos = {a: p for p, a in enumerate(idx)}
    m = similarity.matrix(idx)  # one block: relevance to i and redundancy among candidates
    row: Row = [(j, float(m[0, pos[j]]), PINNED) for j in pins]
    scores = m[0, len(pins) + 1:]
    # Decay shrinks positive similarity only; a negative one must not move up.
    scores = np.where(scores > 0, scores * decay[js], scores) if js else scores
    cand = {j: float(s) for j, s in zip(js, scores, strict=True)
            if s >= settings.related_min_score}
    picked = mmr(cand, lambda a, others: m[pos[a], [pos[o] for o in others]],
                 set(pins) | {i}, dup_of, settings.related_mmr_lambda, settings.related_depth)
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
