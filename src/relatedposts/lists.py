"""Lists inside article text: one item a line, "- " or "N. " first, two spaces a level deeper.

An article's body keeps its paragraphs apart by blank lines (models.Article.body); a paragraph
whose every line is an item is a list. Extraction writes them (ingest/blocks.py), chunking
keeps items apart (indexing/chunk.py), snippets separate them (search/snippet.py) and /demo
renders them as <ul>/<ol> (web/pages.py), all through this one reading of the format. Old
records and plain-text datasets hold no such paragraphs, so they read as they always did.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

ITEM_RE = re.compile(r"( *)(?:-|(\d{1,4})\.) +(\S.*)")
MAX_DEPTH = 5  # deeper items are written at this depth: 500 nested lists are not 1,000 spaces
INDENT = "  "
# An item ending in one of these reads on into the next; any other needs a separator.
CLOSED = (".", ":", ";", "!", "?", ",", "…")


@dataclass(frozen=True)
class Item:
    """One list item: its text, how deep it is nested, its number (0 for a bullet)."""

    text: str
    depth: int = 0
    number: int = 0


def item_line(text: str, depth: int = 0, number: int = 0) -> str:
    """Return the stored line of one item: indent, marker, text."""
    mark = f"{number}." if number > 0 else "-"
    return f"{INDENT * min(max(depth, 0), MAX_DEPTH)}{mark} {text}"


def list_items(para: str, single: bool = False) -> list[Item]:
    """Return the items of a list paragraph, else [] (a lone item line only when single).

    A list has two or more item lines: a one-line paragraph that starts with "1. " or "- "
    is ordinary text (the dev set's flattened "- a - b" sections stay what they were).
    """
    lines = para.strip("\n").split("\n")
    if len(lines) < 2 and not single:
        return []
    items = []
    for line in lines:
        match = ITEM_RE.fullmatch(line.rstrip())
        if match is None:
            return []
        items.append(Item(match[3], min(len(match[1]) // len(INDENT), MAX_DEPTH),
                          int(match[2] or 0)))
    return items


def unmarked(line: str) -> str:
    """Return an item line's text without its indent and marker (other text unchanged)."""
    match = ITEM_RE.fullmatch(line.rstrip())
    return match[3] if match else line


def separator(before: str) -> str:
    """Return what goes between an item ending in before and the next: '; ' or ' '."""
    return " " if before.rstrip().endswith(CLOSED) else "; "


def flatten(para: str) -> str:
    """Return a list paragraph as one line of text ('a; b; c'), other text unchanged."""
    items = list_items(para)
    if not items:
        return para
    out = items[0].text
    for item in items[1:]:
        out += separator(out) + item.text
    return out


def render_list(items: list[Item]) -> str:
    """Render items as nested <ul>/<ol> markup, every text escaped (one pass, no recursion)."""
    out: list[str] = []
    open_tags: list[str] = []
    for item in items:
        depth = min(item.depth, len(open_tags))  # at most one level below the last item
        while len(open_tags) > depth + 1:
            out.append(f"</li></{open_tags.pop()}>")
        if depth < len(open_tags):
            out.append("</li>")
        else:
            tag = "ol" if item.number else "ul"
            start = f' start="{item.number}"' if item.number > 1 else ""
            out.append(f"<{tag}{start}>")
            open_tags.append(tag)
        out.append(f"<li>{html.escape(item.text, quote=True)}")
    out.extend(f"</li></{tag}>" for tag in reversed(open_tags))
    return "".join(out)
