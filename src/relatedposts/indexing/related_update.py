"""Related lists after a publish: recompute only the lists one new, changed or removed article
touches, with the same code as a full build (related.RelatedContext).

Touched lists are: the article's own; every list it may now enter (it is among that list's
candidates, the k nearest by centred vectors, with a score passing related_min_score, or the
list holds recent-post fallbacks; MMR may pick a diverse candidate over a higher one, so the
list's lowest score alone would miss some); every list
that held a removed or changed article; every list holding a post that just became a copy of
another (duplicates are recommended once). When the list depth itself changes (a corpus with
fewer posts than max_limit) every list is recomputed. Untouched lists keep their posts and
scores: a full build may reorder near-ties in them, since one article moved the corpus mean and
the TF-IDF weights a little; the touched lists are exactly what a full build computes.
"""

from __future__ import annotations

import hashlib
from datetime import date

import numpy as np
from threadpoolctl import threadpool_limits

from relatedposts.config import Settings
from relatedposts.indexing.overrides import Overrides
from relatedposts.indexing.reasons import FALLBACK, key_terms
from relatedposts.indexing.related import RelatedContext, RelatedLists
from relatedposts.models import Article
from relatedposts.text import article_document, top_terms


def update_related(old: RelatedLists, remap: np.ndarray, articles: list[Article],
                   vectors: np.ndarray, touched: list[int], settings: Settings,
                   overrides: Overrides | None = None,
                   today: date | None = None) -> tuple[RelatedLists, list[int]]:
    """Return the new lists and the rows recomputed.

    remap[old id] is its new id (-1: removed or replaced); touched: new ids of added or
    changed articles.
    """
    with threadpool_limits(limits=1):
        n = len(articles)
        groups = _groups(old.duplicates, remap, articles, vectors, touched, settings)
        context = RelatedContext(articles, vectors, settings, overrides, today, groups)
        out = _carried(old, remap, n, context.depth)
        rows = set(touched)
        if out.ids.shape[1] != old.ids.shape[1]:
            rows = set(range(n))  # the depth changed: every list gets (or loses) a slot
        else:
            rows |= _holding(old.ids, remap)
            rows |= _entered(out, context, touched)
            old_copies = _old_copies(old.duplicates, remap, articles)
            rows |= _holding_any(out.ids, context.copies - old_copies)
        affected = sorted(rows)
        context.fill(out, affected)
        out.duplicates = context.groups
        _refresh_terms(out, articles, settings, touched if len(rows) < n else None)
        return out, affected


def _carried(old: RelatedLists, remap: np.ndarray, n: int, depth: int) -> RelatedLists:
    """Return the old lists under the new ids, in arrays of the new depth."""
    out = RelatedLists(np.full((n, depth), -1, np.int32), np.zeros((n, depth), np.float32),
                       np.zeros((n, depth), np.int8), [], [[] for _ in range(n)])
    width = min(depth, old.ids.shape[1])
    for i_old, i_new in enumerate(remap.tolist()):
        if i_new < 0:
            continue
        ids = old.ids[i_old, :width]
        out.ids[i_new, :width] = np.where(ids >= 0, remap[np.maximum(ids, 0)], -1)
        out.scores[i_new, :width] = old.scores[i_old, :width]
        out.flags[i_new, :width] = old.flags[i_old, :width]
        out.key_terms[i_new] = old.key_terms[i_old]
    return out


def _holding(old_ids: np.ndarray, remap: np.ndarray) -> set[int]:
    """Return the new ids of lists that held an article now removed or replaced."""
    gone = np.flatnonzero(remap < 0)
    if not len(gone):
        return set()
    hit = np.isin(old_ids, gone).any(axis=1) & (remap >= 0)
    return set(remap[hit].tolist())


def _holding_any(ids: np.ndarray, members: set[int]) -> set[int]:
    """Return the rows whose list holds any of members."""
    if not members:
        return set()
    return set(np.flatnonzero(np.isin(ids, list(members)).any(axis=1)).tolist())


def _entered(out: RelatedLists, context: RelatedContext, touched: list[int]) -> set[int]:
    """Return the lists a touched article may enter: it is among their candidates (their k
    nearest by centred vectors) with a passing score, or they hold recent-post fallbacks."""
    if not touched:
        return set()
    floor = context.pool_floor() - 1e-6  # ties at the k-th place count as entering
    fallback = (out.flags == FALLBACK).any(axis=1)
    rows: set[int] = set()
    for x in touched:
        in_pool = context.centered @ context.centered[x] >= floor
        passing = context.scores_to(x) >= context.settings.related_min_score
        enters = (in_pool & passing) | fallback
        enters[x] = False
        rows |= set(np.flatnonzero(enters).tolist())
    return rows


def _groups(old_groups: list[list[int]], remap: np.ndarray, articles: list[Article],
            vectors: np.ndarray, touched: list[int], settings: Settings) -> list[set[int]]:
    """Return the duplicate groups: the old ones under new ids, joined with touched articles'."""
    parent = list(range(len(articles)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(a: int, b: int) -> None:
        parent[root(a)] = root(b)

    for group in old_groups:
        kept = [int(remap[i]) for i in group if remap[i] >= 0]
        for other in kept[1:]:
            join(kept[0], other)
    if touched:
        digests = [_body_digest(a) for a in articles]
        for x in touched:
            sims = vectors @ vectors[x]
            for j in np.flatnonzero(sims >= settings.duplicate_threshold).tolist():
                join(x, j)
            for j, digest in enumerate(digests):
                if digest == digests[x]:
                    join(x, j)
    members: dict[int, set[int]] = {}
    for i in range(len(articles)):
        members.setdefault(root(i), set()).add(i)
    return sorted((m for m in members.values() if len(m) > 1), key=min)


def _old_copies(old_groups: list[list[int]], remap: np.ndarray,
                articles: list[Article]) -> set[int]:
    """Return the new ids that were already copies (not the original) before the publish."""
    copies = set()
    for group in old_groups:
        kept = [int(remap[i]) for i in group if remap[i] >= 0]
        if len(kept) > 1:
            original = min(kept, key=lambda j: (articles[j].date or "9999",
                                                len(articles[j].url), articles[j].url))
            copies |= set(kept) - {original}
    return copies


def _body_digest(article: Article) -> str:
    """Return the digest find_duplicates compares bodies by."""
    return hashlib.sha1(" ".join(article.body.lower().split()).encode()).hexdigest()


def _refresh_terms(out: RelatedLists, articles: list[Article], settings: Settings,
                   rows: list[int] | None) -> None:
    """Set key terms: for the touched rows (others keep theirs), or all when rows is None."""
    if rows is None:
        out.key_terms = key_terms(articles, settings.title_weight)
        return
    docs = [article_document(a, settings.title_weight, tags=False) for a in articles]
    for r, terms in zip(rows, top_terms(docs, 25, rows), strict=True):
        out.key_terms[r] = terms
