"""Turn one HTML page into a clean Article: metadata, and the body as headed sections.

Main content is found by structure (article/main/role) and, failing that, by text
density, so pages of layouts never seen before still extract. Navigation, sidebars,
cookie banners, footers, forms, scripts and related-post blocks are removed first.
"""

from __future__ import annotations

import re
from typing import cast

from bs4 import BeautifulSoup, NavigableString, Tag

from relatedposts.errors import ExtractError
from relatedposts.ingest.metadata import (
    clean,
    find_canonical,
    find_category,
    find_date,
    find_tags,
    find_title,
    page_meta,
)
from relatedposts.models import Article, Section
from relatedposts.urls import absolute, web_link

MIN_BODY_WORDS = 60
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
BLOCKS = {"p", "li", "blockquote", "pre", "dd", "dt", "td", "th", "figcaption"}
CONTAINERS = {"div", "section", "article", "main", "td", "span", "font", "center"}
DROP_TAGS = [
    "script", "style", "noscript", "template", "iframe", "svg", "form", "button",
    "input", "select", "textarea", "nav", "aside", "dialog", "object", "embed", "canvas",
]
DROP_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "dialog",
              "alertdialog", "menu", "menubar"}
# Class/id words that mark page chrome on most CMS themes; one signal among several.
NOISE_RE = re.compile(
    r"(^|[-_ ])(cookie|consent|gdpr|cc-window|newsletter|subscribe|share|sharing|social|"
    r"breadcrumbs?|sidebar|widget|widget-area|comments?|respond|related|relatedposts|"
    r"popup|modal|menu|navbar|site-header|site-footer|footer|masthead|colophon|"
    r"advert|ads?|promo|cta|author-bio|author-box|about-author|pagination|post-navigation|"
    r"entry-meta|post-meta|byline|posted-on|entry-footer|tags-links|cat-links)([-_ ]|$)",
    re.I,
)
RELATED_RE = re.compile(
    r"^\s*(you might also (enjoy|like)|you may also (enjoy|like)|related( posts| articles| "
    r"reading| stories| content)?|read next|keep reading|more (articles|posts|stories|"
    r"from (the|our) blog)|recommended( for you| reading)?|further reading|"
    r"popular posts|recent posts)\s*[.:…!]*\s*$",
    re.I,
)


def extract(html: str | bytes, url: str) -> Article:
    """Parse a page into an Article, or raise ExtractError with the reason it is not one."""
    soup = BeautifulSoup(html, "lxml")
    meta = page_meta(soup)
    if meta.get("og:type", "article").lower() in ("website", "profile", "book"):
        raise ExtractError(f"not an article (og:type={meta['og:type']})")
    canonical = find_canonical(soup, url)
    title = find_title(soup, meta)
    date = find_date(soup, meta)
    tags = find_tags(soup, meta)
    category = meta.get("article:section") or find_category(soup)
    _drop_chrome(soup)
    content = _main_content(soup)
    if content is None:
        raise ExtractError("no main content found")
    sections = _sections(content, title)
    words = sum(len(s.text.split()) for s in sections)
    if words < MIN_BODY_WORDS:
        raise ExtractError(f"empty body ({words} words of text)")
    if _link_density(content) > 0.5 or _is_listing(content):
        raise ExtractError("looks like a listing or navigation page (mostly links)")
    paras = [p for s in sections for p in s.text.split("\n\n")]
    # The first real paragraph, not a stray byline or caption.
    first_para = next((p for p in paras if len(p.split()) >= 12), paras[0] if paras else "")
    summary = meta.get("description") or meta.get("og:description") or _trim(first_para, 300)
    # Images on any host are fine, but only over http(s): never file:, data: or javascript:.
    image = web_link(absolute(canonical, meta.get("og:image") or meta.get("twitter:image")))
    if image is None:
        img = content.find("img", src=True)
        image = web_link(absolute(canonical, img["src"])) if img else None
    return Article(
        url=canonical, title=title, sections=tuple(sections), date=date,
        summary=clean(summary), image=image, tags=tags,
        category=category,
    )


def _drop_chrome(soup: BeautifulSoup) -> None:
    """Remove scripts, forms, navigation, sidebars, banners, footers and related blocks."""
    for tag in soup.find_all(DROP_TAGS):
        tag.decompose()
    for tag in soup.find_all(["header", "footer"]):
        # A header inside the article holds its h1 and date; page headers hold the menu.
        if tag.decomposed or tag.find_parent(["article", "main"]) is not None:
            continue
        tag.decompose()
    page_len = _text_len(soup.body or soup) or 1
    for tag in soup.find_all(True):
        if tag.decomposed or tag.attrs is None or tag.name in ("body", "html"):
            continue
        role = (tag.get("role") or "").lower()
        hint = " ".join([tag.get("id") or ""] + list(tag.get("class") or []))
        if role in DROP_ROLES or (hint and NOISE_RE.search(hint) and not _holds_content(
                tag, page_len)):
            tag.decompose()
    _drop_related_blocks(soup)


def _holds_content(tag: Tag, page_len: int) -> bool:
    """Return True when a chrome-looking wrapper (say 'has-sidebar') holds the article itself."""
    if tag.find(["article", "main", "h1"]) is not None:
        return True
    return _text_len(tag) > 0.4 * page_len


def _drop_related_blocks(soup: BeautifulSoup) -> None:
    """Remove blocks introduced by a heading such as 'You Might Also Enjoy...'."""
    for el in soup.find_all(list(HEADINGS) + ["b", "strong", "div", "p", "span"]):
        if el.decomposed or not RELATED_RE.match(el.get_text(" ", strip=True) or "x"):
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


def _main_content(soup: BeautifulSoup) -> Tag | None:
    """Pick the element holding the article body, by structure first, then text density."""
    body = soup.body or soup
    structural = body.select('[itemprop="articleBody"], article, main, [role="main"]')
    rich = [t for t in structural if _text_len(t) >= 400]
    if rich:
        # The innermost rich structural element: <article> inside <main> beats <main>.
        return min(rich, key=_text_len)
    return _densest(body)


def _densest(body: Tag) -> Tag | None:
    """Score containers by the paragraph text they hold (readability-style) and pick the best."""
    scores: dict[int, float] = {}
    nodes: dict[int, Tag] = {}
    for block in body.find_all(list(BLOCKS) + ["div"]):
        text = _own_text(block) if block.name == "div" else block.get_text(" ", strip=True)
        if len(text) < 40:
            continue
        score = 1 + text.count(",") + min(len(text) // 100, 3)
        parent, weight = block.parent, 1.0
        for _ in range(3):
            if parent is None or parent.name == "[document]":
                break
            nodes[id(parent)] = parent
            scores[id(parent)] = scores.get(id(parent), 0.0) + score * weight
            parent, weight = parent.parent, weight / 2
    if not scores:
        return None
    best = max(scores, key=lambda k: scores[k] * (1 - _link_density(nodes[k])))
    return nodes[best]


def _sections(content: Tag, title: str) -> list[Section]:
    """Split the content into sections at headings; paragraphs joined by blank lines."""
    sections: list[Section] = []
    heading, paras = "", cast(list[str], [])
    for el in content.find_all(True):
        if el.name in HEADINGS or _pseudo_heading(el):
            text = clean(el.get_text(" ", strip=True))
            if el.name == "h1" or text.lower() == title.lower() or not text:
                continue
            if paras:
                sections.append(Section(heading, "\n\n".join(paras)))
            heading, paras = text, []
        elif el.name in BLOCKS and not el.find(list(BLOCKS | HEADINGS)):
            if el.find_parent(HEADINGS):
                continue
            text = clean(el.get_text(" ", strip=True))
            if text:
                paras.append(text)
        elif el.name in CONTAINERS and not el.find(list(BLOCKS | HEADINGS)):
            text = clean(_own_text(el))
            if len(text) >= 40 and not _pseudo_heading(el):
                paras.append(text)
    if paras:
        sections.append(Section(heading, "\n\n".join(paras)))
    return sections


def _is_listing(content: Tag) -> bool:
    """Return True when most headings are links: a blog index of teasers, not one article."""
    headings = content.find_all(list(HEADINGS))
    linked = [h for h in headings if h.find("a", href=True) or h.find_parent("a")]
    return len(headings) >= 3 and len(linked) >= 0.6 * len(headings)


def _pseudo_heading(el: Tag) -> bool:
    """Return True for a short block whose whole text is bold: a heading without an h tag."""
    if el.name not in ("div", "p"):
        return False
    text = el.get_text(" ", strip=True)
    bold = el.find(["b", "strong"])
    return (bool(text) and len(text) < 90 and bold is not None
            and bold.get_text(" ", strip=True) == text and not text.endswith((".", ":")))


def _own_text(el: Tag) -> str:
    """Return the text of el's direct string children and inline tags."""
    parts = []
    for child in el.children:
        if isinstance(child, NavigableString):
            parts.append(str(child))
        elif isinstance(child, Tag) and child.name in ("a", "b", "strong", "em", "i", "span",
                                                       "br", "sup", "sub", "abbr", "code"):
            parts.append(child.get_text(" "))
    return " ".join(" ".join(parts).split())


def _text_len(el: Tag) -> int:
    return len(el.get_text(" ", strip=True))


def _link_density(el: Tag) -> float:
    """Return the share of el's text that sits inside links."""
    total = _text_len(el)
    if total == 0:
        return 1.0
    linked = sum(len(a.get_text(" ", strip=True)) for a in el.find_all("a"))
    return linked / total



def _trim(text: str, limit: int) -> str:
    """Cut text at a word boundary near limit characters."""
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"
