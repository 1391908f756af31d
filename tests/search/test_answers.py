"""The answer floors: what counts as an article that answers, and when none does."""

from __future__ import annotations

import numpy as np

from relatedposts.config import Settings
from relatedposts.search.answers import count_answering, unknown_share
from relatedposts.text import stems

VOCAB = {s: 1 for s in stems(["pain", "sitting", "back", "sciatica", "leg"])}


def test_unknown_share_counts_words_no_article_contains() -> None:
    assert unknown_share(["tailbone", "pain", "sitting"], VOCAB) == 1 / 3
    assert unknown_share(["sciatica", "leg"], VOCAB) == 0.0
    assert unknown_share([], VOCAB) == 0.0  # nothing to judge: not unknown


def test_a_question_in_words_the_blog_never_uses_needs_a_strong_match() -> None:
    s = Settings(search_min_relevance=0.3, search_unknown_words_share=0.25,
                 search_unknown_words_floor=0.65)
    middling = np.array([0.6, 0.5, 0.4, 0.2])
    assert count_answering(middling, 1 / 3, s) == 0  # "tailbone pain when sitting": weak page
    assert count_answering(middling, 0.1, s) == 3  # a long message's stray name: ordinary floor
    assert count_answering(np.array([0.8, 0.5, 0.2]), 1 / 3, s) == 2  # a strong match answers
    assert count_answering(middling, 1 / 3, s.replace(search_unknown_words_floor=0.0)) == 3


def test_the_relative_floor_and_an_empty_ranking() -> None:
    s = Settings(search_min_relevance=0.3, search_relative_relevance=0.5)
    assert count_answering(np.array([1.0, 0.6, 0.45, 0.35]), 0.0, s) == 2
    assert count_answering(np.array([]), 0.0, s) == 0
