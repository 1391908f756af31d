"""Snippets: the best passage trimmed around the match, query words in <mark>, rest escaped.

A passage holding a list (one item a line, lists.py) shows its items apart: "loss of bladder
control; loss of bowel control", never "control Loss of".
"""

from __future__ import annotations

import html
import re
import sys
from bisect import bisect_left, bisect_right
from functools import lru_cache
from itertools import accumulate

from relatedposts.lists import separator
from relatedposts.text import STOPWORDS, stems

TOKEN_RE = re.compile(r"\w+(?:'\w+)?|\W+")
# An item's marker at the start of its line: the line break alone is kept (see _plain).
LINE_BACK = 40  # tokens a snippet may reach back for the start of the list item it is in
MARKER_RE = re.compile(r"(^|\n)[ \t]*(?:-|\d{1,4}\.)[ \t]+")


def make_snippet(text: str, query_stems: set[str], width: int = 240) -> str:
    """Return an HTML-safe excerpt of about width characters with matches highlighted."""
    return _snippet(text, frozenset(query_stems), width)


@lru_cache(maxsize=8192)
def _snippet(text: str, query_stems: frozenset[str], width: int) -> str:
    """Build the snippet; cached, so a repeated search costs a lookup per result."""
    if "\n" in text:  # a list's lines: markers off, each break shown as a separator
        text = MARKER_RE.sub(r"\1", text).strip("\n")
    tokens = TOKEN_RE.findall(text)  # cheap (C); only the stems are worth caching
    token_stems = _analysed(text)
    hits = [stem is not None and stem in query_stems for stem in token_stems]
    start, end = _best_window(tokens, hits, width)
    out = ["…"] if start > 0 else []
    plain: list[str] = []  # escaped a run at a time: one html.escape call per run, not token
    for tok, hit in zip(tokens[start:end], hits[start:end], strict=True):
        if hit:
            out.append(_plain(plain, out))
            out.append(f"<mark>{html.escape(tok, quote=True)}</mark>")
            plain = []
        else:
            plain.append(tok)
    out.append(_plain(plain, out))
    if end < len(tokens):
        if out[-1].endswith("; "):  # the window ends at an item's end: no "; …"
            out[-1] = out[-1][:-2] + " "
        out.append("…")
    return "".join(out).strip()


def _plain(tokens: list[str], before: list[str]) -> str:
    """Escape a run of unmarked tokens, a line break becoming '; ' (or ' ' after a stop)."""
    text = "".join(tokens)
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


@lru_cache(maxsize=4096)
def _analysed(text: str) -> tuple[str | None, ...]:
    """Stem a passage's tokens once (None for stopwords and punctuation), token by token.

    Passages are fixed for an index's lifetime and the same ones come up again and again,
    so this is cached: a search then only looks its query stems up. Only the stems are kept,
    as a tuple of interned strings (one copy of each stem, shared across passages): caching
    the tokens too cost ~10 KB a passage, ~43 MB per worker when the cache is full.
    """
    tokens = TOKEN_RE.findall(text)
    lowered = [t.lower() for t in tokens]
    words = [i for i, w in enumerate(lowered) if w[:1].isalnum() and w not in STOPWORDS]
    token_stems: list[str | None] = [None] * len(tokens)
    for i, stem in zip(words, stems([lowered[i].split("'")[0] for i in words]), strict=True):
        token_stems[i] = sys.intern(stem)
    return tuple(token_stems)


def _best_window(tokens: list[str], hits: list[bool], width: int) -> tuple[int, int]:
    """Find the token span of about width characters holding the most hits.

    Only windows starting at a hit need trying (one starting earlier holds no more hits),
    each found by bisecting character offsets: a tenth of the sliding window's Python loop,
    which cost about 0.1 ms a result (issue 14).
    """
    chars = [0, *accumulate(map(len, tokens))]
    marks = [i for i, hit in enumerate(hits) if hit]
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
    while start > 0 and start > best - 6 and not _opens(tokens[start - 1]):
        start -= 1
    if start > 1 and not _opens(tokens[start - 1]):  # none that close: a list item's start?
        item = next((i for i in range(start - 1, max(0, best - LINE_BACK), -1)
                     if "\n" in tokens[i]), None)
        if item is not None:
            start = item + 1
            end = max(last + 1, min(end, bisect_right(chars, chars[start] + width) - 1))
    return (0 if start <= 1 else start), max(end, start + 1)


def _opens(token: str) -> bool:
    """Return True when a sentence or a list item starts after token."""
    return "\n" in token or token.rstrip().endswith((".", "!", "?"))
