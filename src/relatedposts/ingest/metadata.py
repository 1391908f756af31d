"""Article metadata from a page's head and markup: URL, title, date, tags, category."""

from __future__ import annotations

import json
import re
from datetime import datetime
from urllib.parse import urlsplit

from bs4 import BeautifulSoup

from relatedposts.urls import safe_link

MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
TEXT_DATE_RE = re.compile(
    rf"\b(({MONTHS})\.? \d{{1,2}},? \d{{4}}|\d{{1,2}} ({MONTHS}) \d{{4}}"
    rf"|\d{{4}}-\d{{2}}-\d{{2}})\b",
    re.I,
)


def clean(text: str) -> str:
    """Collapse whitespace."""
    return " ".join(text.split())


def page_meta(soup: BeautifulSoup) -> dict[str, str]:
    """Collect <meta> name/property → content (first wins; article:tag gathered apart)."""
    out: dict[str, str] = {}
    for m in soup.find_all("meta"):
        key = str(m.get("property") or m.get("name") or m.get("itemprop") or "").strip().lower()
        content = str(m.get("content") or "").strip()
        if key and content and key not in out:
            out[key] = content
    return out



def find_canonical(soup: BeautifulSoup, url: str) -> str:
    """Return the page's canonical URL, falling back to og:url and then the fetched URL.

    Only an http(s) canonical on the page's own origin counts (same scheme, host and port,
    normalized by the crawler's one URL parser), so a page cannot make the index link away.
    """
    link = soup.find("link", rel=lambda r: r and "canonical" in r, href=True)
    og = soup.find("meta", property="og:url", content=True)
    for candidate in (link["href"] if link else None, og["content"] if og else None):
        resolved = safe_link(str(candidate) if candidate else None, url)
        if resolved:
            return resolved
    return safe_link(url, url) or url


def site_name(soup: BeautifulSoup, meta: dict[str, str], url: str) -> str:
    """Return the site's name: og:site_name, application-name, or the home link's text."""
    for key in ("og:site_name", "application-name"):
        if meta.get(key):
            return clean(meta[key])
    for a in soup.find_all("a", href=True, limit=50):
        href = str(a["href"]).strip()
        text = clean(a.get_text(" ", strip=True))
        if text and len(text) < 60 and (href in ("/", "/index.html", "./", "index.html")
                                        or href.rstrip("/") == _origin(url)):
            return text
    return ""


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def find_title(soup: BeautifulSoup, meta: dict[str, str],
               site: str = "") -> tuple[str, list[str]]:
    """Return (title, warnings): og:title, then a real <h1>, then <title> minus the site name.

    A <title> that is only the site's name, or an empty <h1>, is no title; "" means none of
    them gave one (the caller falls back to the first heading or sentence).
    """
    not_site = {"", site.casefold()}
    page_title = _title_tag(soup, site)
    h1 = soup.find("h1")
    h1_text = clean(h1.get_text(" ", strip=True)) if h1 else ""
    problem = "the <title> is empty or only the site's name" + (f" ({site})" if site else "")
    if h1 is not None and not h1_text:
        problem += " and the <h1> is empty"
    for source, candidate in (("og:title", meta.get("og:title")), ("the <h1>", h1_text),
                              ("<title>", page_title)):
        if candidate and clean(candidate).casefold() not in not_site:
            return clean(candidate), ([] if page_title else [f"{problem}: took {source}"])
    return "", [problem]


SEPARATORS = " |-–—·»/:"


def _title_tag(soup: BeautifulSoup, site: str) -> str:
    """Return the <title> text without the site's name ("Post | Clinic" -> "Post")."""
    raw = clean(soup.title.get_text(" ", strip=True)) if soup.title else ""
    raw = raw.strip(SEPARATORS)  # "| Summit Spine Care": a separator with nothing before it
    parts = [p.strip(SEPARATORS) for p in re.split(r"\s+(?:[|\-–—·»/]|::)\s+", raw)]
    parts = [p for p in parts if p and p.casefold() != site.casefold()]
    return clean(max(parts, key=len)) if parts else ""


def find_date(soup: BeautifulSoup, meta: dict[str, str]) -> str | None:
    """Return the publish date as YYYY-MM-DD from meta, <time>, JSON-LD or visible text."""
    candidates = [meta.get(k) for k in ("article:published_time", "datepublished",
                                        "date", "dc.date", "og:published_time")]
    for t in soup.find_all("time"):
        candidates.append(str(t.get("datetime") or t.get_text(" ", strip=True)))
    for script in soup.find_all("script", type="application/ld+json"):
        candidates.extend(jsonld_values(script.string or "", "datePublished"))
    for c in candidates:
        parsed = parse_date(c)
        if parsed:
            return parsed
    body = soup.body.get_text(" ", strip=True) if soup.body else ""
    m = TEXT_DATE_RE.search(body)
    return parse_date(m.group(0)) if m else None



def jsonld_values(raw: str, key: str) -> list[str]:
    """Return every value of key found anywhere in a JSON-LD block."""
    try:
        data = json.loads(raw)
    except ValueError:
        return []
    found: list[str] = []
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if isinstance(item.get(key), str):
                found.append(item[key])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found



def parse_date(value: str | None) -> str | None:
    """Parse ISO or 'March 3, 2023' style dates into YYYY-MM-DD."""
    if not value:
        return None
    value = value.strip()
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        pass
    cleaned = re.sub(r"[.,]", "", value)
    for fmt in ("%B %d %Y", "%b %d %Y", "%d %B %Y", "%d %b %Y", "%Y/%m/%d", "%Y-%m-%d"):
        try:
            return datetime.strptime(cleaned, fmt).date().isoformat()
        except ValueError:
            continue
    return None



def find_tags(soup: BeautifulSoup, meta: dict[str, str]) -> tuple[str, ...]:
    """Return tags from article:tag metas, rel=tag links and meta keywords, de-duplicated."""
    tags = [str(m.get("content", "")) for m in soup.find_all("meta", property="article:tag")]
    # WordPress marks category links rel="category tag": those are the category, not tags.
    tags += [a.get_text(" ", strip=True) for a in soup.select('a[rel~="tag"]')
             if "category" not in (a.get("rel") or [])]
    if not tags and meta.get("keywords"):
        tags = meta["keywords"].split(",")
    seen: dict[str, str] = {}
    for t in tags:
        t = clean(t)
        if t and t.lower() not in seen:
            seen[t.lower()] = t
    return tuple(seen.values())



def find_category(soup: BeautifulSoup) -> str | None:
    """Return the text of a rel="category" link, WordPress's way of naming the category."""
    link = soup.select_one('a[rel~="category"]')
    return clean(link.get_text(" ", strip=True)) if link else None
