"""Related lists after a publish: every list recomputed with the build's code, and the lists
whose posts changed reported.

Why every list and not only the ones the new article touches: the in-degree cap
(related_diversity.cap_in_degree) is applied across all lists at once, strongest claims
first, so one list's result depends on every other list's scores. The article also moves the
corpus' TF-IDF and BM25 weights (and the centring mean), which reorders near-ties anywhere.
Recomputing only the touched lists and re-applying the cap over carried ones could therefore
differ from a full build; recomputing all of them is exact and, on 5,000 articles, a few
seconds (docs/benchmarks.md, section "ingest"). So after a publish every list is what a full
build of the same corpus gives.

The lists reported as changed are those whose posts, order or flags differ from the carried
ones (scores drift a little with the corpus weights and are not counted), plus the touched
articles' own; with the removed ones, they are what a page cache must refresh.
"""

from __future__ import annotations

from datetime import date

import numpy as np
from threadpoolctl import threadpool_limits

from relatedposts.config import Settings
from relatedposts.indexing.overrides import Overrides
from relatedposts.indexing.related import RelatedContext, RelatedLists
from relatedposts.models import Article


def update_related(old: RelatedLists, remap: np.ndarray, articles: list[Article],
                   vectors: np.ndarray, touched: list[int], settings: Settings,
                   overrides: Overrides | None = None,
                   today: date | None = None) -> tuple[RelatedLists, list[int]]:
    """Return the new lists and the rows whose lists changed.

    remap[old id] is its new id (-1: removed or replaced); touched: new ids of added or
    changed articles.
    """
    with threadpool_limits(limits=1):
        context = RelatedContext(articles, vectors, settings, overrides, today)
        out = context.empty()
        context.fill(out, range(len(articles)))
    carried_ids, carried_flags = _carried(old, remap, len(articles), context.depth)
    differs = ((out.ids != carried_ids) | (out.flags != carried_flags)).any(axis=1)
    return out, sorted(set(np.flatnonzero(differs).tolist()) | set(touched))


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
