"""Turn one HTML page into a clean Article: metadata, and the body as headed sections.

Main content is found by structure (article/main/role) and, failing that, by text
density, so pages of layouts never seen before still extract. Navigation, sidebars,
cookie banners, footers, forms, scripts and related-post blocks are removed first.
A page with a title and any body text is an article, however short; every pass is linear
in the page's size (ingest/blocks.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bs4 import BeautifulSoup, Tag

from relatedposts.errors import ExtractError, NotAnArticle
from relatedposts.ingest.blocks import (
    BLOCK_SCORED,
    HEADINGS,
    Block,
    CpuBudget,
    Size,
    blocks,
    first_sentence,
    gone,
    is_byline,
    measure,
    page_root,
)
from relatedposts.ingest.metadata import (
    clean,
    find_canonical,
    find_category,
    find_date,
    find_tags,
    find_title,
    page_meta,
    site_name,
)
from relatedposts.ingest.relatedblocks import drop_related_blocks
from relatedposts.lists import flatten, item_line, list_items
from relatedposts.models import Article, Section
from relatedposts.urls import safe_link, url_key

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

# Bumped when the same page extracts to different text: a record of an older format is
# fetched and extracted again even if the server says 304. 2: lists kept as lists (issue 25).
EXTRACT_FORMAT = 2


@dataclass(frozen=True)
class Page:
    """An extracted article and what looked wrong on the page (reported, not fatal)."""

    article: Article
    warnings: tuple[str, ...] = ()


def extract(html: str | bytes, url: str) -> Article:
    """Parse a page into an Article, or raise ExtractError with the reason it is not one."""
    return extract_page(html, url).article


def extract_page(html: str | bytes, url: str, cpu_seconds: float | None = None) -> Page:
    """Parse a page into an Article plus warnings, or raise ExtractError with the reason.

    cpu_seconds bounds the CPU time of the passes over the parsed page (ExtractError after).
    """
    CpuBudget.start(cpu_seconds)
    try:
        return _extract_page(html, url)
    finally:
        CpuBudget.start(None)


def _extract_page(html: str | bytes, url: str) -> Page:
    """Do extract_page's work."""
    soup = BeautifulSoup(html, "lxml")
    meta = page_meta(soup)
    if meta.get("og:type", "article").lower() in ("website", "profile", "book"):
        raise NotAnArticle(f"not an article (og:type={meta['og:type']})")
    canonical = find_canonical(soup, url)
    site = site_name(soup, meta, url)
    title, warnings = find_title(soup, meta, site)
    date, tags = find_date(soup, meta), find_tags(soup, meta)
    category = meta.get("article:section") or find_category(soup)
    _drop_chrome(soup)
    sizes = measure(page_root(soup))
    content = _main_content(soup, sizes)
    if content is None:
        raise ExtractError("no main content found")
    if _link_density(content, sizes) > 0.5 or _is_listing(content):
        raise NotAnArticle("looks like a listing or navigation page (mostly links)")
    body = [b for b in blocks(content) if not (b.kind == "para" and is_byline(b.text))]
    if not title:
        title, took = _fallback_title(body)
        warnings = [f"{'; '.join(warnings) or 'no title'}, no og:title: {took}"]
    sections = _sections(body, title, site)
    if not any(s.text.strip() for s in sections):
        raise ExtractError("no body text")
    paras = [p for s in sections for p in s.text.split("\n\n")]
    # The first real paragraph, not a stray byline, caption or list.
    first_para = next((p for p in paras if len(p.split()) >= 12 and not list_items(p)),
                      flatten(paras[0]))
    summary = meta.get("description") or meta.get("og:description") or _trim(first_para, 300)
    article = Article(url=canonical, title=title, sections=tuple(sections), date=date,
                      summary=clean(summary), image=_image(meta, content, canonical),
                      tags=tags, category=category, links=body_links(content, canonical))
    return Page(article, tuple(warnings))


def _fallback_title(body: list[Block]) -> tuple[str, str]:
    """Title a page that names none: its first heading, else its first sentence."""
    heading = next((b.text for b in body if b.kind in ("heading", "h1")), None)
    if heading:
        return heading, "took the first heading"
    para = next((b.text for b in body if b.kind == "para"), "")
    if not para:
        raise ExtractError("page has no title and no body text")
    return first_sentence(para), "took the first sentence"


def _image(meta: dict[str, str], content: Tag, canonical: str) -> str | None:
    """Return the article's image: absolute http(s) on the page's own origin, or None."""
    image = safe_link(meta.get("og:image") or meta.get("twitter:image"), canonical)
    if image is None:
        img = content.find("img", src=True)
        image = safe_link(str(img["src"]), canonical) if img else None
    return image


def body_links(content: Tag, page: str) -> tuple[str, ...]:
    """Return the article body's links to other pages of its own site, in order, once each."""
    found: dict[str, None] = {}
    for a in content.find_all("a", href=True):
        url = safe_link(str(a["href"]), page)
        if url:
            url = url.split("#", 1)[0]
            if url_key(url) != url_key(page):
                found.setdefault(url, None)
    return tuple(found)


def _drop_chrome(soup: BeautifulSoup) -> None:
    """Remove scripts, forms, navigation, sidebars, banners, footers and related blocks."""
    for tag in soup.find_all(DROP_TAGS):
        tag.decompose()
    for tag in soup.find_all(["header", "footer"]):
        # A header inside the article holds its h1 and date; page headers hold the menu.
        if gone(tag) or tag.find_parent(["article", "main"]) is not None:
            continue
        tag.decompose()
    sizes = measure(page_root(soup))
    page_len = sizes[id(page_root(soup))].text or 1
    for n, tag in enumerate(soup.find_all(True)):
        CpuBudget.check(n)
        if gone(tag) or tag.name in ("body", "html"):
            continue
        role = str(tag.get("role") or "").lower()
        hint = " ".join([str(tag.get("id") or "")] + [str(c) for c in tag.get("class") or []])
        # A chrome-looking wrapper (say 'has-sidebar') that holds the article itself stays.
        size = sizes.get(id(tag), Size())
        holds = size.struct or size.text > 0.4 * page_len
        if role in DROP_ROLES or (hint and NOISE_RE.search(hint) and not holds):
            tag.decompose()
    drop_related_blocks(soup)


def _main_content(soup: BeautifulSoup, sizes: dict[int, Size]) -> Tag | None:
    """Pick the element holding the article body, by structure first, then text density."""
    body = page_root(soup)
    structural = body.select('[itemprop="articleBody"], article, main, [role="main"]')
    rich = [t for t in structural if sizes[id(t)].text >= 400]
    if rich:
        # The innermost rich structural element: <article> inside <main> beats <main>.
        return min(rich, key=lambda t: sizes[id(t)].text)
    # A short post: the page still marks its main content, however little text it holds.
    texty = [t for t in structural if sizes[id(t)].text > sizes[id(t)].linked]
    if texty:
        return max(texty, key=lambda t: sizes[id(t)].text)
    return _densest(body, sizes)


def _densest(body: Tag, sizes: dict[int, Size]) -> Tag | None:
    """Score containers by the paragraph text they hold (readability-style) and pick the best."""
    scores: dict[int, float] = {}
    nodes: dict[int, Tag] = {}
    for block in body.find_all(BLOCK_SCORED):
        size = sizes[id(block)]
        if size.inline < 40:
            continue
        score = 1 + size.commas + min(size.inline // 100, 3)
        parent, weight = block.parent, 1.0
        for _ in range(3):
            if parent is None or parent.name == "[document]":
                break
            nodes[id(parent)] = parent
            scores[id(parent)] = scores.get(id(parent), 0.0) + score * weight
            parent, weight = parent.parent, weight / 2
    if not scores:
        return None
    best = max(scores, key=lambda k: scores[k] * (1 - _link_density(nodes[k], sizes)))
    return nodes[best]


def _sections(body: list[Block], title: str, site: str) -> list[Section]:
    """Split the blocks into sections at headings; paragraphs joined by blank lines.

    A list's items are one paragraph, a line each (lists.py), so no item runs into another.
    """
    sections: list[Section] = []
    heading, paras = "", list[str]()
    skip = {title.casefold(), site.casefold(), ""}
    in_list = False
    for block in body:
        if block.text.casefold() in skip:
            continue  # the title again (h1, bold line) or the site's name
        if block.kind == "item":
            line = item_line(block.text, block.depth, block.number)
            # A bullet list right after a numbered one (or back) is a list of its own.
            if in_list and (block.depth or (block.number > 0) == paras[-1][:1].isdigit()):
                paras[-1] += "\n" + line
            else:
                paras.append(line)
        elif block.kind == "para":
            paras.append(block.text)
        elif block.kind == "heading":
            if paras:
                sections.append(Section(heading, "\n\n".join(paras)))
            heading, paras = block.text, []
        in_list = block.kind == "item"
    if paras:
        sections.append(Section(heading, "\n\n".join(paras)))
    return sections


def _is_listing(content: Tag) -> bool:
    """Return True when most headings are links: a blog index of teasers, not one article."""
    headings = content.find_all(list(HEADINGS))
    linked = [h for h in headings if h.find("a", href=True) or h.find_parent("a")]
    return len(headings) >= 3 and len(linked) >= 0.6 * len(headings)


def _link_density(el: Tag, sizes: dict[int, Size]) -> float:
    """Return the share of el's text that sits inside links."""
    size = sizes.get(id(el), Size())
    return 1.0 if size.text == 0 else size.linked / size.text


def _trim(text: str, limit: int) -> str:
    """Cut text at a word boundary near limit characters."""
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"
