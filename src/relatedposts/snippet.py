"""Snippets: the best passage trimmed around the match, query words in <mark>, rest escaped."""

from __future__ import annotations

import html
import re

from relatedposts.keyword import STOPWORDS, stems

TOKEN_RE = re.compile(r"\w+(?:'\w+)?|\W+")


def make_snippet(text: str, query_stems: set[str], width: int = 240) -> str:
    """Return an HTML-safe excerpt of about width characters with matches highlighted."""
    tokens = TOKEN_RE.findall(text)
    hits = [_is_hit(t, query_stems) for t in tokens]
    start, end = _best_window(tokens, hits, width)
    out = ["…"] if start > 0 else []
    for tok, hit in zip(tokens[start:end], hits[start:end], strict=True):
        escaped = html.escape(tok, quote=True)
        out.append(f"<mark>{escaped}</mark>" if hit else escaped)
    if end < len(tokens):
        out.append("…")
    return "".join(out).strip()


def _is_hit(token: str, query_stems: set[str]) -> bool:
    word = token.lower()
    if not word[:1].isalnum() or word in STOPWORDS:
        return False
    return stems([word.split("'")[0]])[0] in query_stems


def _best_window(tokens: list[str], hits: list[bool], width: int) -> tuple[int, int]:
    """Find the token span of about width characters holding the most hits."""
    lengths = [len(t) for t in tokens]
    best = (0, 0, 0)  # (hits, start, end)
    end, chars, count = 0, 0, 0
    for start in range(len(tokens)):
        while end < len(tokens) and chars + lengths[end] <= width:
            chars += lengths[end]
            count += hits[end]
            end += 1
        if count > best[0] or (best[2] == 0):
            best = (count, start, end)
        chars -= lengths[start]
        count -= hits[start]
        if end == len(tokens):
            break
    _, start, end = best
    # Start at a sentence or word boundary rather than mid-phrase when one is close.
    while start > 0 and start > best[1] - 6 and not tokens[start - 1].rstrip().endswith(
            (".", "!", "?")):
        start -= 1
    return (0 if start <= 1 else start), max(end, start + 1)
