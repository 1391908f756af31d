"""Diversity in related lists, measured rather than assumed (docs/benchmarks.md, "related-mmr").

Two tools: maximal marginal relevance within one list (λ 1 is pure relevance; lower trades
relevance for variety, which costs nDCG@5 on every label set we have), and a cap on how many
lists one post may be shown in (a post that suits everyone would otherwise crowd out the
rest of the blog). The cap is applied across all lists at once, strongest claims first.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Row = list[tuple[int, float, int]]  # (article, score, flag) best first


def mmr(cand: dict[int, float], redundancy_of: Callable[[int, list[int]], np.ndarray],
        taken: set[int], dup_of: dict[int, set[int]], lam: float, depth: int) -> list[int]:
    """Pick candidates by maximal marginal relevance; past depth, by plain score."""
    pool = [j for j in sorted(cand, key=lambda j: -cand[j]) if j not in taken]
    taken = set(taken)
    redundancy = np.zeros(len(pool), np.float32)
    for j in taken:  # pinned posts count as already shown
        redundancy = np.maximum(redundancy, redundancy_of(j, pool)) if pool else redundancy
    picked: list[int] = []
    while pool and len(picked) < depth:
        relevance = np.array([cand[c] for c in pool], np.float32)
        best = int(np.argmax(lam * relevance - (1 - lam) * redundancy)) if lam < 1 else 0
        pick = pool.pop(best)
        redundancy = np.delete(redundancy, best)
        if dup_of.get(pick, set()) & taken:
            continue
        taken.add(pick)
        picked.append(pick)
        if pool and lam < 1:
            redundancy = np.maximum(redundancy, redundancy_of(pick, pool))
    return picked + [j for j in pool if not dup_of.get(j, set()) & taken]


def cap_in_degree(rows: list[Row], shown: int, cap: int,
                  fixed: list[int] | None = None) -> list[Row]:
    """Reorder rows so no article is in more than `cap` rows' first `shown` slots.

    Slot by slot, every row claims its best remaining entry; the claims are granted strongest
    first, and a claim on an article already at the cap passes to the row's next entry. The
    first `fixed` entries of a row (editors' pins) always keep their place. Entries that lose
    their slot stay in the row, after the shown ones, so nothing is dropped. A row whose
    remaining entries are all at the cap keeps its best ones (a full list beats the cap).
    """
    if cap <= 0:
        return rows
    pinned = fixed or [0] * len(rows)
    degree: dict[int, int] = {}
    head: list[Row] = [row[:pinned[i]] for i, row in enumerate(rows)]
    rest: list[Row] = [row[pinned[i]:] for i, row in enumerate(rows)]
    for row in head:
        for j, _, _ in row[:shown]:
            degree[j] = degree.get(j, 0) + 1
    for _ in range(shown):
        claims = [(rest[i][0][1], i) for i in range(len(rows)) if rest[i] and len(head[i]) < shown]
        for _, i in sorted(claims, key=lambda c: (-c[0], c[1])):
            pick = next((e for e in rest[i] if degree.get(e[0], 0) < cap), rest[i][0])
            rest[i].remove(pick)
            head[i].append(pick)
            degree[pick[0]] = degree.get(pick[0], 0) + 1
    return [h + r for h, r in zip(head, rest, strict=True)]
