"""Why two posts are related: distinctive terms per article and a short human line."""

from __future__ import annotations

import math
import re
from collections import Counter

from relatedposts.indexing.keywords import words
from relatedposts.models import Article

SIMILAR, PINNED, FALLBACK = 0, 1, 2  # the flags stored with each related entry


def key_terms(articles: list[Article], top: int = 25) -> list[list[str]]:
    """Return each article's most distinctive words by TF-IDF (title and headings count more)."""
    docs = []
    for a in articles:
        heads = " ".join(s.heading for s in a.sections)
        text = " ".join([a.title] * 3 + [heads] * 2 + [a.body])
        docs.append(Counter(w for w in words(text) if len(w) > 3 and not w.isdigit()))
    df = Counter(w for d in docs for w in d)
    n = len(docs)
    out = []
    for d in docs:
        scored = {w: tf * math.log((1 + n) / (1 + df[w])) for w, tf in d.items()}
        out.append([w for w in sorted(scored, key=lambda w: -scored[w])[:top]])
    return out


def reason(source: Article, target: Article, source_terms: list[str],
           target_terms: list[str], flag: int) -> str:
    """Write a short human line saying why target is related to source."""
    if flag == PINNED:
        return "Recommended by our editors"
    if flag == FALLBACK:
        return "Recently published"
    tags = [t for t in target.tags if t.lower() in {s.lower() for s in source.tags}
            and t.lower() != (target.category or "").lower()]
    shared = tags or [t for t in source_terms if t in set(target_terms)]
    if shared:
        return "Also about " + _join(shared[:2])
    if source.category and source.category == target.category:
        return f"More in {source.category}"
    return "On a similar topic"


def _join(items: list[str]) -> str:
    items = [re.sub(r"\s+", " ", i).strip().lower() for i in items]
    return items[0] if len(items) == 1 else f"{items[0]} and {items[1]}"
