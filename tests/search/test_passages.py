"""PassageTerms: how many distinct query stems each passage holds."""

from __future__ import annotations

from relatedposts.search.passages import PassageTerms
from relatedposts.text import stems, words


def test_counts_distinct_query_stems_per_passage() -> None:
    terms = PassageTerms(["Back pain and neck pain.", "Knee surgery recovery.", "Pain."])
    counts = terms.counts(stems(words("painful back pains")))
    assert counts.tolist() == [2, 0, 1]  # each stem once, however often it is repeated


def test_unknown_empty_and_stopword_queries_count_nothing() -> None:
    terms = PassageTerms(["Back pain.", "The and of."])
    assert terms.counts([]).tolist() == [0, 0]
    assert terms.counts(["zzzunknown"]).tolist() == [0, 0]
    assert terms.counts(stems(words("the and of"))).tolist() == [0, 0]


def test_no_passages() -> None:
    assert PassageTerms([]).counts(["pain"]).tolist() == []


def test_warm_runs_once_over_the_passages_when_the_postings_are_built() -> None:
    seen: list[list[str]] = []
    terms = PassageTerms(["Back pain.", "Neck pain."], warm=lambda texts: seen.append(list(texts)))
    assert seen == []  # nothing before the first count
    terms.counts(["pain"])
    terms.counts(["back"])
    assert seen == [["Back pain.", "Neck pain."]]
