"""Facet counts: how many of the articles that answer carry each tag, and date from each year.

Counted over the whole answering set (SearchPage.total's articles), before paging, after the
filters; a tag is counted once per article, case-insensitively, shown as first written. The
search page turns each value into a link adding ?tag= or a from/to range of that year.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from relatedposts.models import Article, Facets

MAX_VALUES = 20  # per facet: a long tail of one-article tags is no filter


def count_facets(articles: Sequence[Article], answering: Iterable[int]) -> Facets:
    """Return the tag and year counts of these article positions."""
    tags: Counter[str] = Counter()
    shown: dict[str, str] = {}  # folded tag -> as first written
    years: Counter[str] = Counter()
    for a in answering:
        article = articles[int(a)]
        for tag in {t.casefold(): t for t in article.tags if t.strip()}.items():
            shown.setdefault(tag[0], tag[1])
            tags[tag[0]] += 1
        if article.date and article.date[:4].isdigit():
            years[article.date[:4]] += 1
    # Most first; ties by name (tags) or newest year, so the order is stable.
    tag_rows = sorted(tags.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_VALUES]
    year_rows = sorted(years.items(), key=lambda kv: kv[0], reverse=True)[:MAX_VALUES]
    return Facets(tuple((shown[t], n) for t, n in tag_rows), tuple(year_rows))
