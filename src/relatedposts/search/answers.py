"""How many of a query's ranked articles answer it (the rest are not listed, nor counted).

Two floors. Every article must reach the minimum relevance (`search_min_relevance`) and, when
set, a share of the best article's score. And a question much of whose own wording no article
uses ("tailbone pain when sitting" on a blog that never says tailbone or coccyx) is answered
only by a strong match (`search_unknown_words_floor`): such a question still gets middling
scores from its common words ("pain", "sitting"), which would otherwise fill a page with loosely
related posts. A long message's few unknown words (names, drug brands) stay below the share,
so it is judged by the ordinary floor.
"""

from __future__ import annotations

import numpy as np

from relatedposts.config import Settings
from relatedposts.text import stems


def unknown_share(keyword_words: list[str], vocab: dict[str, int]) -> float:
    """Return the share of the query's keyword words that no article contains (0 when none)."""
    found = stems(keyword_words)
    if not found:
        return 0.0
    return sum(1 for s in found if s not in vocab) / len(found)


def count_answering(fused: np.ndarray, share: float, settings: Settings) -> int:
    """Return how many of these scores (sorted, best first) answer the query."""
    if not len(fused):
        return 0
    best = float(fused[0])
    if share >= settings.search_unknown_words_share and best < settings.search_unknown_words_floor:
        return 0
    cut = max(settings.search_min_relevance, settings.search_relative_relevance * best)
    return int(np.count_nonzero(fused >= cut))
