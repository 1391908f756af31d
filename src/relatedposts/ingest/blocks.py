"""Linear-time passes over a parsed page: text sizes per element, and the body as blocks.

Every pass visits each node a bounded number of times, so extraction time grows with page
size, not with its square: 5,000 nested <div>s cost what 5,000 sibling ones do.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

from relatedposts.errors import ExtractError
from relatedposts.text import INVISIBLE

HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
LISTS = {"ul", "ol", "menu"}
# Inline elements: their text joins the paragraph around them. Everything else breaks it.
INLINE = {"a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "font", "i",
          "kbd", "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time",
          "u", "var", "wbr", "img", "label", "big", "tt", "strike", "del", "ins", "nobr"}
BOLD = {"b", "strong"}
# Elements whose own text the density fallback scores (readability-style).
BLOCK_SCORED = ["p", "li", "blockquote", "pre", "dd", "dt", "td", "th", "figcaption", "div"]
BYLINE_RE = re.compile(r"^(posted|published|written|updated|last updated|by)\b", re.I)


STRUCTURE = {"article", "main", "h1"}


@dataclass
class Size:
    """Text under an element: all of it, inside links, and its own inline run."""

    text: int = 0  # characters of text under the element
    linked: int = 0  # of which inside <a>
    inline: int = 0  # characters not inside a block-level descendant (its own paragraph)
    commas: int = 0  # commas in that inline text: a sign of prose
    struct: bool = False  # an <article>, <main> or <h1> is or lies under it
    nodes: int = 1  # elements in its subtree, itself included: bounds any walk of it


class CpuBudget:
    """The CPU time the current thread's page may still spend, checked by the passes here.

    A thread cannot be interrupted, so each pass over the nodes asks now and then; the
    passes are linear, so a check every CHECK_EVERY nodes overshoots by little.
    """

    CHECK_EVERY = 512
    _local = threading.local()

    @classmethod
    def start(cls, seconds: float | None) -> None:
        """Give this thread's next extraction seconds of CPU (None: no limit)."""
        cls._local.until = None if seconds is None else time.thread_time() + seconds
        cls._local.seconds = seconds

    @classmethod
    def check(cls, count: int) -> None:
        """Raise ExtractError once this thread has spent its budget (every CHECK_EVERY)."""
        until = getattr(cls._local, "until", None)
        if until is not None and count % cls.CHECK_EVERY == 0 and time.thread_time() > until:
            raise ExtractError(f"the page took more than {cls._local.seconds:g} s of CPU to "
                               "extract (RELATEDPOSTS_EXTRACT_CPU_SECONDS)")


def measure(root: Tag) -> dict[int, Size]:
    """Return id(element) -> Size for every element under root, in one bottom-up pass."""
    sizes: dict[int, Size] = {}
    elements = [root, *root.find_all(True)]
    for n, el in enumerate(reversed(elements)):  # children come after parents in order
        CpuBudget.check(n)
        size = Size(struct=el.name in STRUCTURE)
        for child in el.children:
            if isinstance(child, Tag):
                sub = sizes.get(id(child), Size())
                size.nodes += sub.nodes
                size.text += sub.text
                size.linked += sub.linked
                size.struct = size.struct or sub.struct
                if child.name in INLINE:
                    size.inline += sub.inline
                    size.commas += sub.commas
            elif isinstance(child, NavigableString) and not isinstance(child, Comment):
                text = child.strip()
                size.text += len(text)
                size.inline += len(text)
                size.commas += text.count(",")
        if el.name == "a":
            size.linked = size.text
        sizes[id(el)] = size
    return sizes


@dataclass(frozen=True)
class Block:
    """A heading, a paragraph or a list item of the body, in reading order."""

    kind: str  # "h1", "heading", "para" or "item"
    text: str
    depth: int = 0  # an item's: how many lists it is nested in, beyond the first
    number: int = 0  # an item's number in an ordered list; 0 for a bullet


@dataclass
class _Item:
    """An open <li>: where it sits, and where its text went in the blocks (-1: not yet)."""

    depth: int
    number: int
    at: int = -1


class _Run:
    """Inline text gathered between two block boundaries."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.bold_only = True
        self.linked = 0

    def add(self, text: str, bold: bool, linked: bool) -> None:
        if text.strip():
            self.parts.append(text)
            self.bold_only = self.bold_only and bold
            self.linked += len(text.strip()) if linked else 0

    def flush(self, in_item: bool = False) -> Block | None:
        text = " ".join(" ".join(self.parts).split())
        bold, linked = self.bold_only, self.linked
        self.parts, self.bold_only, self.linked = [], True, 0
        if not text.translate(INVISIBLE).strip() or linked > 0.6 * len(text):
            return None  # empty or invisible, or mostly links: a tag list, "Read more", a menu
        if bold and not in_item and len(text) < 90 and not text.endswith((".", ":")):
            return Block("heading", text)  # a bold line alone: a heading without an h tag
        return Block("para", text)


def blocks(content: Tag) -> list[Block]:
    """Return content's headings, paragraphs and list items in order (one pass, no recursion)."""
    out: list[Block] = []
    run = _Run()
    rows: list[int] = []  # where each open <tr> started in out
    lists: list[list[int]] = []  # per open list: [1 if ordered else 0, items so far]
    items: list[_Item] = []  # the open <li>s, innermost last
    stack: list[tuple[Tag, Iterator, int, bool]] = [(content, iter(content.children), 0, False)]
    steps = 0
    while stack:
        steps += 1
        CpuBudget.check(steps)
        el, children, bold, linked = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            if el.name not in INLINE:
                _emit(out, run, items)
                if el.name == "tr" and rows:
                    _join_row(out, rows.pop())
                _close_list(el, lists, items)
            continue
        if isinstance(child, Comment) or not isinstance(child, (Tag, NavigableString)):
            continue
        if isinstance(child, NavigableString):
            run.add(str(child), bold > 0, linked)
        elif child.name == "br":
            _emit(out, run, items)
        elif child.name in HEADINGS or (child.name == "dt" and _short(child)):
            _emit(out, run, items)
            text = " ".join(child.get_text(" ").split())
            if text:
                out.append(Block("h1" if child.name == "h1" else "heading", text))
        else:
            if child.name not in INLINE:
                _emit(out, run, items)
            if child.name == "tr":
                rows.append(len(out))
            _open_list(child, lists, items)
            stack.append((child, iter(child.children), bold + (child.name in BOLD),
                          linked or child.name == "a"))
    _emit(out, run, items)
    return out


def _short(el: Tag) -> bool:
    return len(el.get_text(" ", strip=True)) < 150


def _open_list(el: Tag, lists: list[list[int]], items: list[_Item]) -> None:
    """Note a list or an item being entered (an <li> outside any list is an item too)."""
    if el.name in LISTS:
        start = str(el.get("start") or "1").strip()
        lists.append([int(el.name == "ol"), int(start) - 1 if start.isdigit() else 0])
    elif el.name == "li":
        if lists:
            lists[-1][1] += 1
        ordered = bool(lists and lists[-1][0])
        items.append(_Item(max(len(lists) - 1, 0), lists[-1][1] if ordered else 0))


def _close_list(el: Tag, lists: list[list[int]], items: list[_Item]) -> None:
    """Note a list or an item being left."""
    if el.name in LISTS and lists:
        lists.pop()
    elif el.name == "li" and items:
        items.pop()


def _emit(out: list[Block], run: _Run, items: list[_Item]) -> None:
    """Append the run as a block: inside an <li>, its item (a second paragraph joins it)."""
    item = items[-1] if items else None
    block = run.flush(item is not None)
    if block is None:
        return
    if item is None:
        out.append(block)
    elif item.at >= 0 and item.at == len(out) - 1:
        last = out[-1]
        out[-1] = Block("item", f"{last.text} {block.text}", last.depth, last.number)
    else:  # its first text, or text after a nested list: a line of its own
        number = item.number if item.at < 0 else 0
        item.at = len(out)
        out.append(Block("item", block.text, item.depth, number))


def _join_row(out: list[Block], start: int) -> None:
    """Join a table row's short cells into one paragraph: 'Wall sit | 3 x 30 s | ...'."""
    cells = out[start:]
    if any(c.kind == "item" for c in cells):
        return  # a list in a cell stays a list
    if len(cells) > 1 and all(len(c.text) < 120 for c in cells):
        out[start:] = [Block("para", " | ".join(c.text for c in cells))]


def is_byline(text: str) -> bool:
    """Return True for a short 'Posted on March 3, 2024 in News' line: metadata, not body."""
    return len(text.split()) <= 15 and bool(BYLINE_RE.match(text))


def first_sentence(text: str, limit: int = 120) -> str:
    """Return the first sentence of text (without its full stop), cut near limit chars."""
    sentence = re.split(r"(?<=[.!?])\s+", text.strip(), maxsplit=1)[0].rstrip(".")
    if len(sentence) <= limit:
        return sentence
    return sentence[:limit].rsplit(" ", 1)[0] + "…"


def page_root(soup: BeautifulSoup) -> Tag:
    """Return the body (or the whole document when there is none)."""
    return soup.body or soup


def gone(tag: Tag) -> bool:
    """Return True for a decomposed tag (bs4's own .decomposed walks the subtree)."""
    return bool(tag.__dict__.get("_decomposed", False))
