"""What the HTML search page shows: safe snippets, paging, suggestions, recent articles."""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass

from markupsafe import Markup
from rapidfuzz import fuzz, process, utils

from relatedposts.models import Article, Facets, SearchHit, SearchPage
from relatedposts.search import RedFlag, red_flag_groups

MARK_RE = re.compile(r"(<mark>|</mark>)")
WORD_RE = re.compile(r"[a-z]+")
TITLE_SUGGESTION_CUTOFF = 80.0


def safe_snippet(snippet: str) -> Markup:
    """Return the API snippet as markup in which <mark> and </mark> are the only tags.

    The API promises an HTML-escaped passage with query words in <mark>; rather than
    trust that, every other part is unescaped and escaped again (so well-formed input is
    unchanged and any raw '<' becomes text), and the marks are kept only when balanced.
    """
    out: list[str] = []
    open_mark = False
    for part in MARK_RE.split(snippet):
        if part == "<mark>" and not open_mark:
            out.append(part)
            open_mark = True
        elif part == "</mark>" and open_mark:
            out.append(part)
            open_mark = False
        elif part not in ("<mark>", "</mark>"):
            out.append(html.escape(html.unescape(part), quote=True))
    if open_mark:
        out.append("</mark>")
    return Markup("".join(out))


@dataclass(frozen=True)
class Pager:
    """Where one page of results sits: 1-based first/last shown, prev/next offsets."""

    offset: int
    limit: int
    total: int
    shown: int

    @property
    def first(self) -> int:
        """Return the 1-based position of the first result shown."""
        return self.offset + 1 if self.shown else 0

    @property
    def last(self) -> int:
        """Return the 1-based position of the last result shown."""
        return self.offset + self.shown

    @property
    def prev_offset(self) -> int | None:
        """Return the offset of the previous page, or None on the first page."""
        return max(0, self.offset - self.limit) if self.offset > 0 else None

    @property
    def next_offset(self) -> int | None:
        """Return the offset of the next page, or None on the last page."""
        nxt = self.offset + self.limit
        return nxt if nxt < self.total else None


@dataclass(frozen=True)
class PageModel:
    """Everything the search template needs for one request."""

    query: str
    results: tuple[SearchHit, ...]
    pager: Pager
    corrected: str | None
    weak: bool
    urgent: tuple[str, ...]
    title_match: Article | None
    recent: tuple[Article, ...]
    facets: Facets = Facets()


def is_weak(page: SearchPage) -> bool:
    """Return True when nothing answers (the search said so) or no result shares a word."""
    if page.weak:
        return page.offset == 0
    if page.curated and page.results:
        return False  # the editor chose these for this query
    if not page.results:
        return page.offset == 0
    return page.offset == 0 and not any("<mark>" in h.snippet for h in page.results)


def recent_articles(articles: list[Article], n: int = 5) -> tuple[Article, ...]:
    """Return the n most recently dated articles, newest first."""
    return tuple(sorted(articles, key=lambda a: a.date or "", reverse=True)[:n])


def popular_topics(articles: list[Article], n: int = 8) -> tuple[str, ...]:
    """Return the n tags most articles share: the blog's popular topics."""
    counts = Counter(t.lower() for a in articles for t in dict.fromkeys(a.tags))
    return tuple(t for t, _ in counts.most_common(n))


def title_spelling(query: str, articles: list[Article],
                   real_words: frozenset[str] = frozenset()) -> str | None:
    """Return the query with unknown words swapped for close title or tag words, if any.

    A real word is no typo ("sitting" is not a misspelt "quitting"), whatever the titles say.
    """
    vocab = {w for a in articles for w in WORD_RE.findall(f"{a.title} {' '.join(a.tags)}".lower())
             if len(w) > 3}
    out, changed = [], False
    for word in query.split():
        low = word.lower()
        if len(low) > 3 and low.isalpha() and low not in vocab and low not in real_words:
            cutoff = 80.0 if len(low) <= 5 else 75.0 if len(low) <= 7 else 65.0
            best = process.extractOne(low, vocab, scorer=fuzz.ratio, score_cutoff=cutoff)
            if best:
                out.append(best[0])
                changed = True
                continue
        out.append(word)
    return " ".join(out) if changed else None


def title_match(query: str, articles: list[Article]) -> Article | None:
    """Return the article whose title best fits a misspelled query, if one fits well."""
    cleaned = utils.default_process(query)
    if len(cleaned.replace(" ", "")) < 4 or not articles:
        return None
    best = process.extractOne(cleaned, [a.title for a in articles], scorer=fuzz.partial_ratio,
                              processor=utils.default_process,
                              score_cutoff=TITLE_SUGGESTION_CUTOFF)
    return articles[best[2]] if best else None


def build_model(query: str, page: SearchPage, limit: int, flags: list[RedFlag],
                articles: list[Article], real_words: frozenset[str] = frozenset()) -> PageModel:
    """Assemble the search page from a search result and the index's articles."""
    weak = is_weak(page)
    return PageModel(
        query=query, results=page.results,
        pager=Pager(page.offset, limit, page.total, len(page.results)),
        corrected=page.corrected_query or (
            title_spelling(query, articles, real_words) if weak else None),
        weak=weak,
        # The search's own notice (what /api/search sends); flags for pages built without one.
        urgent=page.urgent.groups if page.urgent else tuple(red_flag_groups(flags)),
        title_match=title_match(query, articles) if weak else None,
        recent=recent_articles(articles) if weak else (),
        facets=page.facets or Facets(),
    )
