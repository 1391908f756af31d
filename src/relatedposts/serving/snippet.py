"""Snippets: the best passage trimmed around the match, query words in <mark>, rest escaped."""

from __future__ import annotations

import html
import re
import sys
from functools import lru_cache

import numpy as np

from relatedposts.text import STOPWORDS, stems

TOKEN_RE = re.compile(r"\w+(?:'\w+)?|\W+")


def make_snippet(text: str, query_stems: set[str], width: int = 240) -> str:
    """Return an HTML-safe excerpt of about width characters with matches highlighted."""
    return _snippet(text, frozenset(query_stems), width)


@lru_cache(maxsize=8192)
def _snippet(text: str, query_stems: frozenset[str], width: int) -> str:
    """Build the snippet; cached, so a repeated search costs a lookup per result."""
    tokens = TOKEN_RE.findall(text)  # cheap (C); only the stems are worth caching
    token_stems = _analysed(text)
    hits = [stem is not None and stem in query_stems for stem in token_stems]
    start, end = _best_window(tokens, hits, width)
    out = ["…"] if start > 0 else []
    plain: list[str] = []  # escaped a run at a time: one html.escape call per run, not token
    for tok, hit in zip(tokens[start:end], hits[start:end], strict=True):
        if hit:
            out.append(html.escape("".join(plain), quote=True))
            out.append(f"<mark>{html.escape(tok, quote=True)}</mark>")
            plain = []
        else:
            plain.append(tok)
    out.append(html.escape("".join(plain), quote=True))
    if end < len(tokens):
        out.append("…")
    return "".join(out).strip()


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

    Prefix sums and one searchsorted instead of a Python sliding window: the loop cost
    about 0.1 ms a result, a tenth of a search's time (issue 14).
    """
    n = len(tokens)
    chars = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, tokens), dtype=np.int64, count=n), out=chars[1:])
    found = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.fromiter(hits, dtype=np.int64, count=n), out=found[1:])
    # For each start, the furthest end whose characters fit in width.
    ends = np.searchsorted(chars, chars[:-1] + width, side="right") - 1
    # Starts after the first window that reaches the end add nothing new.
    last = int(np.argmax(ends == n)) if n and ends[-1] == n else n - 1
    counts = found[ends[:last + 1]] - found[:last + 1]
    best = int(np.argmax(counts)) if n else 0  # the first of equals, as reading order
    start, end = best, int(ends[best]) if n else 0
    # Start at a sentence or word boundary rather than mid-phrase when one is close.
    while start > 0 and start > best - 6 and not tokens[start - 1].rstrip().endswith(
            (".", "!", "?")):
        start -= 1
    return (0 if start <= 1 else start), max(end, start + 1)
