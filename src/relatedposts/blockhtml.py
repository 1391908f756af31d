"""The "You Might Also Enjoy..." block as HTML: one template shared by the HTTP fragment and the
static export, reproducing the DOM widget.js builds (data/related_block.html).

Everything is escaped by Jinja's autoescape; a link or image that is not http(s) is dropped the
way the widget drops it, so a stored `javascript:` URL never becomes clickable.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

import jinja2

from relatedposts.models import RelatedPost

DEFAULT_HEADING = "You Might Also Enjoy..."
TEMPLATE = "related_block.html"


@dataclass(frozen=True)
class BlockItem:
    """One rendered entry: only what the block shows, links already checked."""

    href: str
    title: str
    image: str | None
    summary: str


def web_url(value: str | None) -> str | None:
    """Return value stripped when it is an absolute http(s) URL with a host, else None."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    return text if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def block_items(posts: list[RelatedPost]) -> list[BlockItem]:
    """Keep the posts the widget would show: a title and an http(s) link (image optional)."""
    items = []
    for post in posts:
        href = web_url(post.url)
        if not post.title or href is None:
            continue
        items.append(BlockItem(href, post.title, web_url(post.image), post.summary or ""))
    return items


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    """Return the autoescaping environment that loads the packaged block template."""
    return jinja2.Environment(loader=jinja2.PackageLoader("relatedposts", "data"),
                              autoescape=True, trim_blocks=True, lstrip_blocks=True,
                              undefined=jinja2.StrictUndefined, keep_trailing_newline=True)


def render_block(posts: list[RelatedPost], heading: str | None = DEFAULT_HEADING,
                 amp: bool = False) -> str:
    """Render the block ('' when no post is showable); heading '' or None: no heading."""
    items = block_items(posts)
    if not items:
        return ""
    return _environment().get_template(TEMPLATE).render(posts=items, heading=heading or "",
                                                          amp=amp)
