"""Diversity: MMR within a list, and the cap on how many lists one post leads."""

from __future__ import annotations

from collections import Counter

import numpy as np

from relatedposts.indexing.related_diversity import cap_in_degree, mmr


def test_cap_keeps_every_entry_but_limits_how_often_one_is_shown() -> None:
    rows = [[(9, 0.9 - r / 100, 0), (r + 10, 0.5, 0), (r + 20, 0.4, 0)] for r in range(5)]
    capped = cap_in_degree(rows, shown=1, cap=2)
    shown = Counter(row[0][0] for row in capped)
    assert shown[9] == 2
    assert [row[0][0] for row in capped[:2]] == [9, 9]  # the strongest claims win
    for before, after in zip(rows, capped, strict=True):
        assert sorted(before) == sorted(after)  # nothing dropped, only moved down


def test_pins_keep_their_place_and_count_towards_the_cap() -> None:
    rows = [[(9, 0.1, 1), (5, 0.9, 0)], [(9, 0.95, 0), (6, 0.5, 0)]]
    capped = cap_in_degree(rows, shown=1, cap=1, fixed=[1, 0])
    assert capped[0][0][0] == 9 and capped[1][0][0] == 6


def test_no_cap_leaves_rows_alone_and_a_row_at_the_cap_stays_full() -> None:
    rows = [[(1, 0.9, 0)], [(1, 0.8, 0)], [(1, 0.7, 0)]]
    assert cap_in_degree(rows, 1, 0) == rows
    capped = cap_in_degree(rows, 1, 1)
    assert all(len(r) == 1 and r[0][0] == 1 for r in capped)  # nothing else to show


def test_mmr_at_one_is_plain_score_order_and_lower_demotes_the_redundant() -> None:
    cand = {1: 0.9, 2: 0.85, 3: 0.6}
    red = np.array([[1, 0, 0, 0], [0, 1, 0.99, 0], [0, 0.99, 1, 0], [0, 0, 0, 1]], np.float32)

    def redundancy(a: int, others: list[int]) -> np.ndarray:
        return red[a, others]
    assert mmr(cand, redundancy, {0}, {}, 1.0, 3) == [1, 2, 3]
    assert mmr(cand, redundancy, {0}, {}, 0.5, 3) == [1, 3, 2]
    # Two copies of one text never both appear.
    assert mmr(cand, redundancy, {0}, {1: {2}, 2: {1}}, 1.0, 3) == [1, 3]
