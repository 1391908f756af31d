"""Why two posts are related: distinctive terms per article and a short human line."""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from relatedposts.models import Article
from relatedposts.text import article_document, stems, top_terms, word_list, words

SIMILAR, PINNED, FALLBACK = 0, 1, 2  # the flags stored with each related entry
# Articles whose prominent words stay memoized: a related lookup reads each post's once.
PROMINENT_MEMO = 4096
NOT_TOPICS = word_list("not_topics.txt")


def key_terms(articles: list[Article], title_weight: int, top: int = 25) -> list[list[str]]:
    """Return each article's most distinctive words by TF-IDF (title and headings count more)."""
    return top_terms([article_document(a, title_weight, tags=False) for a in articles], top)


def reason(source: Article, target: Article, source_terms: list[str],
           target_terms: list[str], flag: int) -> str:
    """Write a short human line saying why target is related to source."""
    if flag == PINNED:
        return "Recommended by our editors"
    if flag == FALLBACK:
        return "Recently published"
    tags = [t for t in target.tags if t.lower() in {s.lower() for s in source.tags}
            and t.lower() != (target.category or "").lower()]
    shared = tags or _shared_topics(source, target, source_terms, target_terms)
    if shared:
        return "Also about " + _join(shared[:2])
    if source.category and source.category == target.category:
        return f"More in {source.category}"
    return "On a similar topic"


def _shared_topics(source: Article, target: Article, source_terms: list[str],
                   target_terms: list[str]) -> list[str]:
    """Return the distinctive words both posts are about, each stem once.

    Both must use the word prominently, and one of them must name it in its title or
    tags: a word two bodies merely repeat, or a heading's ("The first 48 hours", "Results
    without surgery"), says nothing about what they share.
    """
    labelled = (_title_words(source) | _title_words(target)) - NOT_TOPICS
    theirs = set(target_terms)
    out, seen = [], set()
    for t in source_terms:
        if t in theirs and t in labelled and _prominent(source, t) and _prominent(target, t):
            stem = stems([t])[0]
            if stem not in seen:  # not "walking and walk"
                seen.add(stem)
                out.append(t)
    return out


def _prominent(article: Article, term: str) -> bool:
    """Say whether an article is about term: in its title, headings or tags, or used twice.

    A short post's distinctive words are nearly all its words, so a word it uses once in
    passing ("baby" in a tailbone article that names childbirth as a cause) would otherwise
    be offered as what two posts share.
    """
    return term in _prominent_terms(article)


@lru_cache(maxsize=PROMINENT_MEMO)
def _prominent_terms(article: Article) -> frozenset[str]:
    """Return the words an article is about (read once per article, not per lookup)."""
    labels = " ".join([article.title, *(s.heading for s in article.sections), *article.tags])
    counts = Counter(words(article.body))
    return frozenset(words(labels)) | {w for w, n in counts.items() if n >= 2}


@lru_cache(maxsize=PROMINENT_MEMO)
def _title_words(article: Article) -> frozenset[str]:
    """Return the words of an article's title and tags."""
    return frozenset(words(" ".join([article.title, *article.tags])))


def _join(items: list[str]) -> str:
    items = [re.sub(r"\s+", " ", i).strip().lower() for i in items]
    return items[0] if len(items) == 1 else f"{items[0]} and {items[1]}"
