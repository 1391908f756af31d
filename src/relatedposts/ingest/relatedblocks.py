"""Blocks of links to other posts ("You Might Also Enjoy...", "Related posts") found and removed.

The heading is found by its words; the block is the wrapper it leads, or the heading and what
follows it up to the next heading. Only short elements are read, so the pass stays linear.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, NavigableString, Tag

from relatedposts.ingest.blocks import HEADINGS, CpuBudget, Size, gone, measure, page_root

# Headings that introduce a block of links to other posts.
RELATED_RE = re.compile(
    r"^\s*(you might also (enjoy|like)|you may also (enjoy|like)|related( posts| articles| "
    r"reading| stories| content)?|read next|keep reading|more (articles|posts|stories|"
    r"from (the|our) blog)|recommended( for you| reading)?|further reading|"
    r"popular posts|recent posts)\s*[.:…!]*\s*$",
    re.I,
)
MAX_HEADING_NODES = 8  # elements in such a heading at most ("<h2><span>Related</span></h2>")


def drop_related_blocks(soup: BeautifulSoup) -> None:
    """Remove blocks introduced by a heading such as 'You Might Also Enjoy...'."""
    sizes = measure(page_root(soup))
    for n, el in enumerate(soup.find_all(list(HEADINGS) + ["b", "strong", "div", "p", "span"])):
        CpuBudget.check(n)
        size = sizes.get(id(el), Size())
        # Only short elements of a few tags can be such a heading: walking the text of every
        # element of a deep chain (20,000 unclosed <b><i>) was quadratic.
        if gone(el) or size.text > 60 or size.nodes > MAX_HEADING_NODES:
            continue
        if not RELATED_RE.match(el.get_text(" ", strip=True) or "x"):
            continue
        node = el
        # Climb while this is the first thing in a wrapper: the wrapper is the block.
        while _leads_wrapper(node):
            node = node.parent
        if node is el or node.name in HEADINGS:
            _drop_heading_run(node)
        else:
            node.decompose()


def _drop_heading_run(heading: Tag) -> None:
    """Remove a heading and its following siblings up to the next heading."""
    for sib in list(heading.next_siblings):
        if isinstance(sib, Tag) and sib.name in HEADINGS:
            break
        sib.extract()
    heading.decompose()


def _leads_wrapper(node: Tag) -> bool:
    """Return True when node is the first thing inside a wrapper below body/main/article."""
    parent = node.parent
    return (parent is not None and parent.name not in ("body", "main", "article")
            and _first_element(parent) is node)


def _first_element(parent: Tag) -> Tag | None:
    """Return the first child tag of parent, ignoring whitespace."""
    for child in parent.children:
        if isinstance(child, Tag):
            return child
        if isinstance(child, NavigableString) and child.strip():
            return None
    return None
