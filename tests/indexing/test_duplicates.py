"""Near-duplicates are the same text (shingles), never merely close vectors."""

from __future__ import annotations

import numpy as np
import pytest

from relatedposts.indexing import duplicates as dup
from relatedposts.indexing.related import compute_related
from relatedposts.models import Article, Section
from relatedposts.text import stems, words
from tests.support import URL

COPD_A = ("Chronic obstructive pulmonary disease is a long-term lung condition that makes it hard "
          "to breathe. Smoking causes most cases. Inhalers open the airways, and pulmonary "
          "rehabilitation teaches breathing exercises that help you stay active.")
COPD_B = ("COPD, the name for emphysema and chronic bronchitis together, narrows the airways "
          "so that air is trapped in the lungs. Quitting tobacco slows it down; bronchodilator "
          "sprays, oxygen at home and a rehab programme ease breathlessness.")


def _art(slug: str, title: str, body: str) -> Article:
    return Article(url=URL.format(slug), title=title, date="2024-01-01",
                   sections=(Section("", body),))


def _vectors(pairs_cosine: float, n_far: int) -> np.ndarray:
    """Two vectors at the given cosine, then n_far orthogonal-ish others."""
    dim = n_far + 3
    v = np.zeros((2 + n_far, dim), np.float32)
    v[0, 0] = 1.0
    v[1, 0], v[1, 1] = pairs_cosine, np.sqrt(1 - pairs_cosine ** 2)
    for k in range(n_far):
        v[2 + k, 2 + k] = 1.0
    return v


def test_different_texts_about_one_condition_are_not_duplicates(settings) -> None:
    articles = [_art("copd-a", "COPD", COPD_A), _art("copd-b", "What is COPD?", COPD_B),
                *[_art(f"far{k}", f"Topic {k}", f"unrelated words number {k} here")
                  for k in range(4)]]
    vectors = _vectors(0.98, 4)
    assert float(vectors[0] @ vectors[1]) == pytest.approx(0.98, abs=1e-6)
    assert dup.find_duplicates(articles, [[1], [0], [], [], [], []], 0.8) == []
    rel = compute_related(articles, vectors, settings)
    assert rel.duplicates == []
    # Each stays the other's best candidate.
    assert int(rel.ids[0, 0]) == 1 and int(rel.ids[1, 0]) == 0


def test_the_same_body_under_two_titles_is_one_group(settings) -> None:
    articles = [_art("copd", "COPD", COPD_A), _art("copd-2", "Living with COPD", COPD_A),
                _art("other", "Other", COPD_B)]
    # Not even candidates of each other: the same body is found by its hash alone.
    assert dup.find_duplicates(articles, [[], [], []], 0.8) == [{0, 1}]
    rel = compute_related(articles, _vectors(0.5, 1), settings)
    assert rel.duplicates == [[0, 1]]
    assert 1 not in rel.ids[0].tolist() and 0 not in rel.ids[1].tolist()


def test_a_lightly_edited_copy_is_a_duplicate_by_shingles() -> None:
    long_text = " ".join(f"sentence {k} about the lower back and how it heals." for k in range(60))
    edited = long_text + " Call our clinic to book."
    articles = [_art("a", "A", long_text), _art("b", "B", edited), _art("c", "C", COPD_A)]
    assert dup.jaccard(dup.shingles(long_text), dup.shingles(edited)) >= 0.95
    assert dup.find_duplicates(articles, [[1, 2], [0], [0]], 0.8) == [{0, 1}]


def test_articles_without_text_are_nobodys_copy() -> None:
    articles = [_art("a", "A", ""), _art("b", "B", "   "), _art("c", "C", "")]
    assert dup.find_duplicates(articles, [[1, 2], [0, 2], [0, 1]], 0.8) == []
    assert dup.jaccard(dup.shingles(""), dup.shingles("")) == 0.0


def test_short_texts_are_one_shingle_and_long_ones_a_bounded_sketch() -> None:
    assert len(dup.shingles("two words")) == 1
    rng = np.random.default_rng(0)
    vocab = [f"w{k}" for k in range(5000)]
    text = " ".join(rng.choice(vocab, 20000))
    other = " ".join(text.split()[:10000] + list(rng.choice(vocab, 10000)))
    a, b = dup.shingles(text), dup.shingles(other)
    assert len(a) == dup.SKETCH and len(b) == dup.SKETCH
    # Exact Jaccard: 9,996 shared of ~30,000 distinct shingles; the sketch estimates it.
    assert dup.jaccard(a, b) == pytest.approx(1 / 3, abs=0.07)


TEMPLATE = ("The resources below provide information about treatment options for this condition. "
            "If you have questions about your treatment, talk with your health care provider.")


def test_a_template_body_under_titles_naming_different_conditions_is_not_a_copy(
        settings) -> None:
    articles = [_art("leber-treatment", "Leber congenital amaurosis (Treatment)", TEMPLATE),
                _art("unverricht-treatment", "Unverricht-Lundborg disease (Treatment)", TEMPLATE),
                _art("leber", "Leber congenital amaurosis", COPD_A)]
    # The same body, but each title names its own condition: different texts.
    assert dup.find_duplicates(articles, [[1], [0], []], 0.8) == []
    rel = compute_related(articles, _vectors(0.5, 1), settings)
    assert rel.duplicates == []
    assert 0 in rel.ids[2].tolist() and 1 in rel.ids[2].tolist()


def test_titles_agree_when_most_words_of_the_shorter_are_in_the_other() -> None:
    def t(title: str) -> frozenset[str]:
        return frozenset(stems(words(title)))

    assert dup.titles_agree(t("COPD"), t("Living with COPD"))
    assert dup.titles_agree(t("Back pain tips"), t("Five ways to ease back pain"))
    assert not dup.titles_agree(t("Parkinson disease type 9 (Diagnosis)"),
                                t("Mitochondrial encephalomyopathy (Diagnosis)"))
    assert dup.titles_agree(t(""), t(""))
