"""Snippets: the best passage trimmed around the match, query words in <mark>, rest escaped.

A passage holding a list (one item a line, lists.py) shows its items apart: "loss of bladder
control; loss of bowel control", never "control Loss of".

What does not depend on the query is worked out once per passage (_analysed): where each
token starts and which of them are words worth matching, with their stems. A search then
looks its stems up among those words and slices the passage text around them (issue 26: a
tenth of the time of tokenizing and stemming each shown passage again).
"""

from __future__ import annotations

import html
import re
import sys
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from functools import lru_cache
from itertools import accumulate
from typing import NamedTuple

from relatedposts.lists import separator
from relatedposts.text import STOPWORDS, stems

TOKEN_RE = re.compile(r"\w+(?:'\w+)?|\W+")
# An item's marker at the start of its line: the line break alone is kept (see _plain).
LINE_BACK = 40  # tokens a snippet may reach back for the start of the list item it is in
MARKER_RE = re.compile(r"(^|\n)[ \t]*(?:-|\d{1,4}\.)[ \t]+")
# Passages whose analysis stays cached (~1.5 KB each on the dev set): a site of 8,000
# passages is held whole, so a unique question's results rarely stem a passage again.
ANALYSED_CACHE = 8192


class Analysed(NamedTuple):
    """A passage's query-independent analysis (tokens tile `shown`, so offsets suffice)."""

    shown: str  # the text as snippets show it: a list's markers off (else the text itself)
    chars: Sequence[int]  # where each token starts, then where the text ends
    words: tuple[str, ...]  # the stems of the words a query can match (no stopwords)
    at: Sequence[int]  # the token each of those words is


def make_snippet(text: str, query_stems: set[str], width: int = 240) -> str:
    """Return an HTML-safe excerpt of about width characters with matches highlighted."""
    return _snippet(text, frozenset(query_stems), width)


@lru_cache(maxsize=8192)
def _snippet(text: str, query_stems: frozenset[str], width: int) -> str:
    """Build the snippet; cached, so a repeated search costs a lookup per result."""
    shown, chars, words, at = _analysed(text)
    marks = [at[k] for k, stem in enumerate(words) if stem in query_stems]
    tokens = len(chars) - 1
    start, end = _window(shown, chars, marks, width)
    end = min(end, tokens)  # an empty passage: no token to end at
    out: list[str] = []
    pos = chars[start]  # the text between marks is sliced out and escaped a run at a time
    for i in marks:
        if start <= i < end:
            out.append(_plain(shown[pos:chars[i]], out))
            out.append(f"<mark>{html.escape(shown[chars[i]:chars[i + 1]], quote=True)}</mark>")
            pos = chars[i + 1]
    out.append(_plain(shown[pos:chars[end]], out))
    return ellipsised("".join(out), start > 0, end < tokens)


def ellipsised(body: str, cut_start: bool, cut_end: bool) -> str:
    """Return the excerpt with "…" where it was cut, the same way at every cut.

    A window may begin or end on a space or a separator token; without this one snippet read
    "…If" and the next "… started", and a cut list item left "; …".
    """
    body = body.strip()
    if cut_start:
        body = "…" + body.lstrip(" ,;:.")
    if cut_end:
        body = body.rstrip(" ,;:")
        body += " …" if body.endswith((".", "!", "?")) else "…"
    return body


def _plain(text: str, before: list[str]) -> str:
    """Escape a run of unmarked text, a line break becoming '; ' (or ' ' after a stop)."""
    if "\n" in text:
        lines = text.split("\n")
        prior = before[-1] if before else ""
        for n in range(1, len(lines)):
            prior = lines[n - 1] or (prior if n == 1 else "")
            glue = separator(prior) if prior.strip() and prior != "…" else " "
            lines[n] = glue + lines[n].lstrip()
            lines[n - 1] = lines[n - 1].rstrip()
        text = "".join(lines)
    return html.escape(text, quote=True)


@lru_cache(maxsize=ANALYSED_CACHE)
def _analysed(text: str) -> Analysed:
    """Tokenize and stem a passage once: token offsets, and its matchable words' stems.

    Passages are fixed for an index's lifetime and the same ones come up again and again,
    so this is cached. Kept compact: offsets as 2-byte arrays, and only the words a query
    can match (stopwords and punctuation are never marked), their stems interned (one copy
    of each stem, shared across passages). Caching the tokens themselves cost ~10 KB a
    passage; a stem per token ~2.4 KB.
    """
    shown = text
    if "\n" in text:  # a list's lines: markers off, each break shown as a separator
        shown = MARKER_RE.sub(r"\1", text).strip("\n")
    tokens = TOKEN_RE.findall(shown)
    lowered = [t.lower() for t in tokens]
    at = [i for i, w in enumerate(lowered) if w[:1].isalnum() and w not in STOPWORDS]
    words = tuple(sys.intern(s) for s in stems([lowered[i].split("'")[0] for i in at]))
    code = "H" if len(shown) < 1 << 16 else "I"
    return Analysed(shown, array(code, [0, *accumulate(map(len, tokens))]), words,
                    array(code, at))


def warm(texts: Sequence[str]) -> None:
    """Analyse passages now (as many as the cache holds), so no search result pays for it.

    Run once per index version with the passage postings, at the first search: on the dev
    set 6,699 passages, ~0.4 s and ~11 MB per worker, after which every snippet of a new
    question costs ~16 us instead of ~80 us for each passage not shown before.
    """
    for text in texts[:ANALYSED_CACHE]:
        _analysed(text)


def _window(text: str, chars: Sequence[int], marks: list[int],
            width: int) -> tuple[int, int]:
    """Find the token span of about width characters holding the most marked tokens.

    chars: where each token of text starts, then the text's end; marks: the marked tokens,
    in order. Only windows starting at a mark need trying (one starting earlier holds no
    more), each found by bisecting character offsets: a tenth of the sliding window's Python
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

    def token(i: int) -> str:
        return text[chars[i]:chars[i + 1]]

    # Start at a sentence or word boundary rather than mid-phrase when one is close.
    while start > 0 and start > best - 6 and not _opens(token(start - 1)):
        start -= 1
    if start > 1 and not _opens(token(start - 1)):  # none that close: a list item's start?
        item = next((i for i in range(start - 1, max(0, best - LINE_BACK), -1)
                     if "\n" in token(i)), None)
        if item is not None:
            start = item + 1
            end = max(last + 1, min(end, bisect_right(chars, chars[start] + width) - 1))
    return (0 if start <= 1 else start), max(end, start + 1)


def _opens(token: str) -> bool:
    """Return True when a sentence or a list item starts after token."""
    return "\n" in token or token.rstrip().endswith((".", "!", "?"))
