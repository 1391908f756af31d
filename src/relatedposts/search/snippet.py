"""Snippets: the best passage trimmed around the match, query words in <mark>, rest escaped."""

from __future__ import annotations

import html
import re
import sys
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from functools import lru_cache
from itertools import accumulate

from relatedposts.text import STOPWORDS, stems

TOKEN_RE = re.compile(r"\w+(?:'\w+)?|\W+")


def make_snippet(text: str, query_stems: set[str], width: int = 240) -> str:
    """Return an HTML-safe excerpt of about width characters with matches highlighted."""
    return _snippet(text, frozenset(query_stems), width)


@lru_cache(maxsize=8192)
def _snippet(text: str, query_stems: frozenset[str], width: int) -> str:
    """Build the snippet; cached, so a repeated search costs a lookup per result."""
    token_stems, chars = _analysed(text)
    marks = [i for i, stem in enumerate(token_stems) if stem is not None and stem in query_stems]
    start, end = _window(chars, marks, width, text)
    end = min(end, len(token_stems))  # an empty passage: no token to end at
    out = ["…"] if start > 0 else []
    at = chars[start]  # the text between marks is escaped a run at a time, sliced, not joined
    for i in marks:
        if start <= i < end:
            out.append(html.escape(text[at:chars[i]], quote=True))
            out.append(f"<mark>{html.escape(text[chars[i]:chars[i + 1]], quote=True)}</mark>")
            at = chars[i + 1]
    out.append(html.escape(text[at:chars[end]], quote=True))
    if end < len(token_stems):
        out.append("…")
    return "".join(out).strip()


@lru_cache(maxsize=8192)
def _analysed(text: str) -> tuple[tuple[str | None, ...], array[int]]:
    """Stem a passage's tokens once (None for stopwords and punctuation), token by token.

    Passages are fixed for an index's lifetime and the same ones come up again and again,
    so this is cached: a search then only looks its query stems up. Only the stems are kept,
    as a tuple of interned strings (one copy of each stem, shared across passages): caching
    the tokens too cost ~10 KB a passage, ~43 MB per worker when the cache is full. 8,192
    entries (~2 KB each) hold a site of the dev set's size whole: a miss costs a result
    ~0.2-0.4 ms of stemming, which unique questions met for one passage in three at 4,096.
    """
    tokens = TOKEN_RE.findall(text)
    lowered = [t.lower() for t in tokens]
    words = [i for i, w in enumerate(lowered) if w[:1].isalnum() and w not in STOPWORDS]
    token_stems: list[str | None] = [None] * len(tokens)
    for i, stem in zip(words, stems([lowered[i].split("'")[0] for i in words]), strict=True):
        token_stems[i] = sys.intern(stem)
    # Where each token starts (and the text ends): tokens tile the text, so a snippet slices
    # the text instead of tokenizing it again (half a cached snippet's time); 2 bytes each.
    chars = array("H" if len(text) < 1 << 16 else "I", [0, *accumulate(map(len, tokens))])
    return tuple(token_stems), chars


def _best_window(tokens: list[str], hits: list[bool], width: int) -> tuple[int, int]:
    """Find the token span of about width characters holding the most hits."""
    chars = [0, *accumulate(map(len, tokens))]
    return _window(chars, [i for i, hit in enumerate(hits) if hit], width, "".join(tokens))


def _window(chars: Sequence[int], marks: list[int], width: int, text: str) -> tuple[int, int]:
    """Find the token span of about width characters holding the most marked tokens.

    chars: where each token of text starts, then the text's end; marks: the hit tokens, in
    order. Only windows starting at a hit need trying (one starting earlier holds no more
    hits), each found by bisecting character offsets: a tenth of the sliding window's Python
    loop, which cost about 0.1 ms a result (issue 14).
    """
    if not marks:
        return 0, max(1, bisect_right(chars, width) - 1)
    count, first, end = -1, 0, 0
    for k, at in enumerate(marks):
        reach = max(at + 1, bisect_right(chars, chars[at] + width) - 1)
        held = bisect_left(marks, reach, k) - k
        if held > count:  # the first of equals: the earliest passage text wins
            count, first, end = held, k, reach
    # Start as early as the window's last hit allows, for context before the first hit.
    last = marks[first + count - 1]
    floor = marks[first - 1] + 1 if first else 0
    best = min(marks[first], max(floor, bisect_left(chars, chars[last + 1] - width)))
    end = max(last + 1, bisect_right(chars, chars[best] + width) - 1)
    start = best
    # Start at a sentence or word boundary rather than mid-phrase when one is close.
    while start > 0 and start > best - 6 and not text[chars[start - 1]:chars[start]].rstrip(
            ).endswith((".", "!", "?")):
        start -= 1
    return (0 if start <= 1 else start), max(end, start + 1)
