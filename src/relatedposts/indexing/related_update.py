"""Related lists after a publish: only the lists the change can reach are ranked again.

What a publish cannot change is kept in the version (related_state.py): the corpus
statistics of the last full build, every article's views under them, its neighbour lists and
its ranked row before the in-degree cap. A publish vectorises the new article under those
statistics, finds its neighbours (one row product against all), puts it into the neighbour
lists it now belongs in (related_publish.py), and ranks again only the new article's row, the
rows whose candidates changed (it entered, or a removed article left them) and those of
articles whose copy group changed. Every other row is carried over as stored. The in-degree
cap is then applied again over all rows from the uncapped ones (a pass over n rows), so it
holds exactly as in a build.

So after a publish every list is what a full build would give *with the frozen statistics*:
the TF-IDF and BM25 idf, mean lengths and centring mean stay those of the last full build,
and the new article's words the corpus lacked are left out of its views. The next full build
(`relatedposts build`, or the cron rebuild) re-derives everything; how many lists differ in
the meantime is measured in docs/benchmarks.md, section "ingest". A version without a state
(format 2), or changed related settings or overrides, recomputes everything as a build does.

The lists reported as changed are those whose posts, order or flags differ from the carried
ones, plus the touched articles' own; with the removed ones, they are what a page cache must
refresh.
"""

from __future__ import annotations

from datetime import date

import numpy as np
from threadpoolctl import threadpool_limits

from relatedposts.config import Settings
from relatedposts.indexing.overrides import Overrides
from relatedposts.indexing.reasons import SIMILAR
from relatedposts.indexing.related import Parts, RelatedContext, RelatedLists, compute_related
from relatedposts.indexing.related_diversity import Row
from relatedposts.indexing.related_passages import Passages
from relatedposts.indexing.related_publish import carry_groups, carry_neighbours
from relatedposts.indexing.related_similarity import Similarity
from relatedposts.indexing.related_state import (
    RelatedState,
    fingerprint,
    rows_from_arrays,
    rows_to_arrays,
)
from relatedposts.models import Article


def update_related(old: RelatedLists, remap: np.ndarray, articles: list[Article],
                   vectors: np.ndarray, touched: list[int], settings: Settings,
                   overrides: Overrides | None = None, today: date | None = None,
                   state: RelatedState | None = None,
                   passages: Passages | None = None) -> tuple[RelatedLists, list[int]]:
    """Return the new lists and the rows whose lists changed.

    remap[old id] is its new id (-1: removed or replaced); touched: new ids of added or
    changed articles; state: the old version's (None: recompute everything); passages: the
    new corpus' passage vectors (related_passages.py).
    """
    overrides = overrides or Overrides()
    fits = (state is not None and len(articles) > 1 and len(remap) == state.near.dense_ids.shape[0]
            and state.fingerprint == fingerprint(settings, overrides, [a.url for a in articles]))
    if state is None or not fits:
        out = compute_related(articles, vectors, settings, overrides, today,
                              passages=passages)
    else:
        with threadpool_limits(limits=1):
            out = _incremental(old, state, remap, articles, vectors, touched, settings,
                               overrides, today, passages)
    carried_ids, carried_flags = _carried(old, remap, len(articles), out.ids.shape[1])
    differs = ((out.ids != carried_ids) | (out.flags != carried_flags)).any(axis=1)
    # A list that held a removed or replaced article changed, even in its last slot.
    held = (old.ids >= 0) & (remap[np.maximum(old.ids, 0)] < 0)
    lost = remap[np.flatnonzero(held.any(axis=1) & (remap >= 0))]
    return out, sorted(set(np.flatnonzero(differs).tolist()) | set(touched) | set(lost.tolist()))


def _incremental(old: RelatedLists, state: RelatedState, remap: np.ndarray,
                 articles: list[Article], vectors: np.ndarray, touched: list[int],
                 settings: Settings, overrides: Overrides, today: date | None,
                 passages: Passages | None = None) -> RelatedLists:
    """Return every list, ranking again only the rows the change reaches."""
    n, kept = len(articles), np.flatnonzero(remap >= 0)
    order = np.empty(n, np.int64)
    order[np.concatenate([remap[kept], np.asarray(touched, np.int64)])] = np.arange(n)
    fresh = [articles[i] for i in touched]
    views = state.views.take(kept).stacked(state.stats.views(fresh, settings), order)
    similarity = Similarity(articles, vectors, settings, state.stats, views, passages)
    near, moved, entered = carry_neighbours(state.near, remap, similarity, touched,
                                            settings.related_candidates)
    pools = near.pools()
    groups = carry_groups(articles, old.duplicates, remap, touched, pools,
                          settings.duplicate_jaccard)
    context = RelatedContext(articles, vectors, settings, overrides, today,
                             Parts(similarity, near, pools, groups))
    regrouped = _regrouped(old.duplicates, remap, groups)
    if regrouped:  # a copy's status bans it everywhere: re-rank the rows that could hold it
        moved |= regrouped | {i for i, pool in pools.items() if regrouped.intersection(pool)}
    ranked = _carry_ranked(state.ranked, remap, n, order)
    rows = rows_from_arrays(*ranked)
    moved |= _insert_entered(rows, entered - moved, touched, context)
    redo = sorted(moved)
    for i in redo:
        rows[i] = context.ranked(i)
    redo = sorted(moved | entered)
    context.uncapped = rows
    terms: list[list[str]] = [[] for _ in range(n)]
    for i_old, i_new in enumerate(remap.tolist()):
        if i_new >= 0:
            terms[i_new] = old.key_terms[i_old]
    for i, t in zip(touched, state.stats.key_terms(fresh, settings), strict=True):
        terms[i] = t
    out = context.empty(terms)
    context.fill(out, range(n))
    out.state = RelatedState(state.stats, views, near, rows_to_arrays(rows, ranked, redo),
                             fingerprint(settings, overrides, [a.url for a in articles]))
    return out


def _insert_entered(rows: list[Row], entered: set[int], touched: list[int],
                    context: RelatedContext) -> set[int]:
    """Put the new articles into the carried rows they entered; return the rows this cannot
    do exactly, to be ranked again.

    At MMR λ 1 a ranked row is its candidates by score (at least related_min_score), and a
    carried candidate's score does not move under frozen statistics. So a row gains the new
    article at its score's place and loses the candidates the new article pushed out of its
    neighbour lists. Rows with pins or copies, and new articles with copies, are ranked
    again instead.
    """
    settings, new = context.settings, set(touched)
    if settings.related_mmr_lambda < 1 or not entered:
        return set(entered)
    if any(context.dup_of.get(x) for x in new):
        return set(entered)
    fast = sorted(i for i in entered if not context.dup_of.get(i)
                  and not context.overrides.pins.get(i))
    if not fast:
        return set(entered)
    sims = context.similarity.block(fast, touched)
    # Decay shrinks positive similarity only, as in related._ranked.
    sims = np.where(sims > 0, sims * _decay_of(context, touched), sims)
    for r, i in enumerate(fast):
        pool, banned = set(context.pools[i]), context.banned(i)
        row = [e for e in rows[i] if e[0] in pool]
        for c, x in enumerate(touched):
            score = float(sims[r, c])
            if x in pool and x not in banned and score >= settings.related_min_score:
                at = next((p for p, e in enumerate(row) if e[1] < score), len(row))
                row.insert(at, (x, score, SIMILAR))
        rows[i] = row
    return set(entered) - set(fast)


def _decay_of(context: RelatedContext, touched: list[int]) -> np.ndarray:
    """Return the recency weight of each new article, as _ranked applies it (positive only)."""
    return np.asarray(context.decay[touched], np.float32)[None, :]


def _regrouped(old: list[list[int]], remap: np.ndarray, groups: list[set[int]]) -> set[int]:
    """Return the articles whose copy group is not the one they had."""
    before = {frozenset(int(remap[j]) for j in g if remap[j] >= 0) for g in old}
    after = {frozenset(g) for g in groups}
    return {j for g in before ^ after for j in g}


def _carry_ranked(ranked: tuple[np.ndarray, np.ndarray, np.ndarray], remap: np.ndarray, n: int,
                  order: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the stored uncapped rows under the new ids (new rows empty; a row that held a
    removed article is ranked again anyway)."""
    ids, scores, flags = ranked
    kept = np.flatnonzero(remap >= 0)
    width = ids.shape[1]
    mapped = np.where(ids[kept] >= 0, remap[np.maximum(ids[kept], 0)], -1)
    extra = n - len(kept)
    stack_ids = np.concatenate([mapped, np.full((extra, width), -1, ids.dtype)])
    stack_scores = np.concatenate([scores[kept], np.zeros((extra, width), scores.dtype)])
    stack_flags = np.concatenate([flags[kept], np.zeros((extra, width), flags.dtype)])
    return (np.ascontiguousarray(stack_ids[order]), np.ascontiguousarray(stack_scores[order]),
            np.ascontiguousarray(stack_flags[order]))


def _carried(old: RelatedLists, remap: np.ndarray, n: int,
             depth: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the old lists' ids (under the new ids) and flags, in arrays of the new depth;
    a row of a new or replaced article stays empty (-1)."""
    ids, flags = np.full((n, depth), -1, np.int32), np.zeros((n, depth), np.int8)
    width = min(depth, old.ids.shape[1])
    for i_old, i_new in enumerate(remap.tolist()):
        if i_new < 0:
            continue
        row = old.ids[i_old, :width]
        ids[i_new, :width] = np.where(row >= 0, remap[np.maximum(row, 0)], -1)
        flags[i_new, :width] = old.flags[i_old, :width]
    return ids, flags
