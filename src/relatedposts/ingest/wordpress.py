"""Read a WordPress site through its REST API: every published post as an Article.

A source written `wp+https://blog.example/` (the site's home, or the folder WordPress lives
in) is read here rather than crawled: the explicit prefix keeps every other source's meaning
unchanged and costs no discovery fetch. The posts endpoint is tried as `wp-json/wp/v2/posts`
(pretty permalinks), then as `?rest_route=/wp/v2/posts` (which every WordPress answers),
paged with per_page and the X-WP-TotalPages header, with `_embed` for the featured image and
the category and tag names. Every request goes through the Fetcher (the site's own origin,
robots.txt, retries, size caps); a post whose link names another origin is refused. Content
goes through the page extractor, so the text is cleaned exactly as a crawled page's is. The
API is not trusted to end: wordpress_max_pages and wordpress_max_posts stop the read, and
the report says so (and a scrape with --prune then deletes nothing).
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field, replace
from typing import Any

from bs4 import BeautifulSoup

from relatedposts.config import Settings
from relatedposts.errors import ExtractError, FetchError, FetchHTTPStatus, NotAPage
from relatedposts.ingest.extract import extract_page
from relatedposts.ingest.fetch import Fetcher, Response
from relatedposts.ingest.metadata import clean, parse_date
from relatedposts.models import Article, Failure
from relatedposts.urls import safe_link

PREFIX = "wp+"
JSON_TYPES = ("application/json",)
STYLES = ("wp-json/wp/v2/posts?", "?rest_route=/wp/v2/posts&")  # pretty, then plain
DROP = ["script", "style", "template", "noscript", "iframe"]


@dataclass
class WordPressRead:
    """What one site's API gave: articles, posts refused, and why the read stopped early."""

    articles: list[Article] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    incomplete: str = ""  # empty when every page was read
    pages: int = 0


def is_wordpress(source: str) -> bool:
    """Return whether source names a WordPress site to read through its REST API."""
    return source.startswith(PREFIX)


def site_of(source: str) -> str:
    """Return the site URL of a wp+ source, ending in a slash."""
    site = source.removeprefix(PREFIX)
    return site if site.endswith("/") else site + "/"


def read_site(source: str, fetcher: Fetcher, settings: Settings) -> WordPressRead:
    """Read every published post of a wp+ source, page by page, within the caps."""
    site, out = site_of(source), WordPressRead()
    seen: set[str] = set()
    style: str | None = None
    while True:
        page = out.pages + 1
        if page > settings.wordpress_max_pages:
            out.incomplete = (f"stopped at wordpress_max_pages={settings.wordpress_max_pages}: "
                              "the API still had pages; posts beyond them were not read")
            return out
        try:
            resp, style = _fetch_page(site, style, page, fetcher, settings)
            posts = parse_posts(resp.body)
        except FetchHTTPStatus as exc:
            if page > 1 and exc.status_code == 400:  # WordPress: past the last page
                return out
            out.incomplete = f"API page {page}: {exc.message}"
            return out
        except (FetchError, ValueError) as exc:
            out.incomplete = f"API page {page}: {getattr(exc, 'message', None) or exc}"
            return out
        out.pages = page
        fresh = [p for p in posts if _post_id(p) not in seen]
        for post in fresh:
            if len(seen) >= settings.wordpress_max_posts:
                out.incomplete = (f"stopped at wordpress_max_posts="
                                  f"{settings.wordpress_max_posts} (on API page {page}); "
                                  "the rest were not read")
                return out
            seen.add(_post_id(post))
            _add(post, fetcher, out)
        if _last(resp, page, len(posts), len(fresh), settings.wordpress_per_page):
            return out


def parse_posts(body: bytes) -> list[Any]:
    """Return the JSON list of posts an API page holds, or raise ValueError saying why not."""
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"malformed JSON ({type(exc).__name__}: {str(exc)[:80]})") from exc
    if not isinstance(data, list):
        raise ValueError(f"expected a JSON list of posts, got {type(data).__name__}")
    return data


def post_article(post: Any, fetcher: Fetcher) -> Article:
    """Turn one REST API post into an Article; raise ValueError, FetchError or ExtractError."""
    if not isinstance(post, dict) or not isinstance(post.get("link"), str):
        raise ValueError("not a post (no link)")
    url = str(fetcher.own_url(post["link"]))  # FetchRefused: another origin
    title = plain_text(_rendered(post, "title"))
    head = f"<title>{html.escape(title)}</title>" if title else ""
    h1 = f"<h1>{html.escape(title)}</h1>" if title else ""
    doc = (f"<!doctype html><html><head>{head}</head><body><article>{h1}"
           f"{_rendered(post, 'content')}</article></body></html>")
    article = extract_page(doc, url).article
    categories, tags = _terms(post)
    return replace(article, url=url, title=title or article.title,
                   date=parse_date(_text(post.get("date_gmt") or post.get("date"))),
                   image=_featured(post, url), tags=tuple(tags),
                   category=categories[0] if categories else None)


def plain_text(rendered: str) -> str:
    """Return rendered HTML as plain text: tags and scripts dropped, entities decoded."""
    text = rendered
    for _ in range(2):  # twice: escaped markup ("&lt;b&gt;") comes back as tags once decoded
        soup = BeautifulSoup(f"<div>{text}</div>", "lxml")
        for tag in soup(DROP):
            tag.decompose()
        text = soup.get_text("")
        if "<" not in text:
            break
    return clean(text)  # get_text decoded the entities, once


def _fetch_page(site: str, style: str | None, page: int, fetcher: Fetcher,
                settings: Settings) -> tuple[Response, str]:
    """Fetch one API page; on page 1, find which URL style the site answers."""
    query = f"per_page={settings.wordpress_per_page}&page={page}&orderby=id&order=asc&_embed=1"
    for candidate in (style,) if style else STYLES:
        try:
            return fetcher.get(site + candidate + query, types=JSON_TYPES), candidate
        except (FetchHTTPStatus, NotAPage) as exc:
            if candidate == STYLES[-1] or style or getattr(exc, "status_code", 404) != 404:
                raise
    raise AssertionError("unreachable")  # the loop returns or raises


def _last(resp: Response, page: int, count: int, fresh: int, per_page: int) -> bool:
    """Return whether this was the last page: as the header says, or a short or stale one."""
    if fresh == 0:
        return True  # an empty page, or one repeating posts already read
    try:
        total = int(resp.headers.get("X-WP-TotalPages", ""))
    except ValueError:
        return count < per_page
    return page >= total


def _add(post: Any, fetcher: Fetcher, out: WordPressRead) -> None:
    """Add one post's article to out, or a failure naming the post and why."""
    where = post.get("link") if isinstance(post, dict) else None
    name = where if isinstance(where, str) else f"post {_post_id(post)}"
    try:
        out.articles.append(post_article(post, fetcher))
    except (FetchError, ExtractError) as exc:
        out.failures.append(Failure(name, exc.message))
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        out.failures.append(Failure(name, f"malformed post: {exc}"))


def _post_id(post: Any) -> str:
    value = post.get("id") if isinstance(post, dict) else None
    return str(value) if value is not None else json.dumps(post, sort_keys=True)[:200]


def _rendered(post: dict, key: str) -> str:
    value = post.get(key)
    return _text(value.get("rendered") if isinstance(value, dict) else value)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _embedded(post: dict, key: str) -> list:
    embedded = post.get("_embedded")
    found = embedded.get(key) if isinstance(embedded, dict) else None
    return found if isinstance(found, list) else []


def _terms(post: dict) -> tuple[list[str], list[str]]:
    """Return the post's category names and tag names, from the embedded terms."""
    found: dict[str, list[str]] = {"category": [], "post_tag": []}
    for group in _embedded(post, "wp:term"):
        for term in group if isinstance(group, list) else ():
            if isinstance(term, dict) and term.get("taxonomy") in found:
                name = plain_text(_text(term.get("name")))
                if name and name not in found[term["taxonomy"]]:
                    found[term["taxonomy"]].append(name)
    return found["category"], found["post_tag"]


def _featured(post: dict, url: str) -> str | None:
    """Return the featured image's URL when it is on the post's own origin."""
    media = _embedded(post, "wp:featuredmedia")
    first = media[0] if media and isinstance(media[0], dict) else {}
    return safe_link(_text(first.get("source_url")), url)
