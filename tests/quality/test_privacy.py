"""The scrubber measured on the patient-message corpus: recall, false positives, leak rule."""

from __future__ import annotations

from relatedposts.quality.privacy import leaked, load_corpus, measure, parts
from tests.support import ROOT

CORPUS = ROOT / "tests" / "fixtures" / "privacy" / "messages.jsonl"


def test_a_partly_removed_identifier_counts_as_leaked() -> None:
    assert leaked("Mary Smith", "I am Mary [name]")  # hostile: half a name is a leak
    assert leaked("12 Oak Street", "from 12 [address]") is False  # "12" has under 3 digits
    assert leaked("4111 1111 1111 1111", "card 4111 [card]")
    assert not leaked("Mary Smith", "I am [name], Smithfield market")  # whole words only
    assert parts("john dot doe at gmail dot com") == ["john", "doe", "gmail"]


def test_recall_on_the_corpus_is_at_least_098_with_no_health_word_lost() -> None:
    corpus = load_corpus(CORPUS)
    assert sum(1 for m in corpus if m["identifiers"]) >= 200
    assert sum(1 for m in corpus if not m["identifiers"]) >= 50
    score = measure(corpus)
    assert score.recall >= 0.98, score.misses[:10]
    assert score.false_positive_rate <= 0.02, score.lost[:10]
