"""PassageTerms: how many distinct query stems each passage holds."""

from __future__ import annotations

from relatedposts.search.passages import PassageTerms
from relatedposts.search.snippet import make_snippet
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


def test_snippet_marks_and_escapes_with_cached_stems() -> None:
    text = "Sciatica <b>pain</b> runs down the leg; sciatica pain eases."
    first = make_snippet(text, set(stems(["sciatica"])))
    again = make_snippet(text, set(stems(["pain"])))  # same passage, stems from the cache
    assert first.count("<mark>Sciatica</mark>") + first.count("<mark>sciatica</mark>") == 2
    assert again.count("<mark>pain</mark>") == 2 and "&lt;b&gt;" in again and "<b>" not in again
