#!/usr/bin/env python3
"""Render the second sample site, "Lakeview Back & Neck Clinic", into corpus/clinic2/.

Usage:
    python corpus/tools/render_clinic2.py [--src FILE] [--out DIR]

A layout unlike corpus/site/: no <article> tag, an older CMS's markup (main > div.post-body,
table layouts, definition lists, div/span/font nesting without <p>), <title> that is often
only the site's name (the real title is in og:title or the h1; some h1 are empty), dates in
several forms, and many short posts of one to three sentences.

    clinic2/index.html                   home page (not an article)
    clinic2/articles/index.html          listing, page 1 (not an article)
    clinic2/articles/page/N.html         listing, further pages (not articles)
    clinic2/topics/<topic>.html          topic listings (not articles)
    clinic2/articles/YYYY/MM/<slug>.html one page per article
    clinic2/sitemap.xml, robots.txt      with {BASE} where the site's origin goes
    clinic2/manifest.json                which pages are articles, with their titles

Deterministic output; standard library only.
"""

from __future__ import annotations

import argparse
import html
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

SITE = "Lakeview Back & Neck Clinic"
ORIGIN = "https://www.lakeviewbackneck.example"
PER_PAGE = 20
TOPICS = {
    "clinic-news": "Clinic News", "back": "Back Pain", "neck": "Neck Pain",
    "knees": "Knees", "posture": "Posture & Ergonomics", "self-care": "Self-Care",
    "imaging": "Imaging", "treatments": "Treatments & Recovery",
}
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Post:
    slug: str
    date: str
    topic: str
    layout: str
    title: str
    lines: list[str] = field(default_factory=list)

    @property
    def path(self) -> str:
        year, month, _ = self.date.split("-")
        return f"/articles/{year}/{month}/{self.slug}.html"

    def words(self) -> int:
        """Count body words: headings and FAQ questions head sections, they are not body."""
        text = [ln.lstrip("=|- ").replace("|", " ") for ln in self.lines
                if not ln.startswith(("## ", "? "))]
        return sum(len(t.split()) for t in text)


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def long_date(iso: str) -> str:
    y, m, d = (int(p) for p in iso.split("-"))
    return f"{MONTHS[m - 1]} {d}, {y}"


def load(src: Path) -> list[Post]:
    posts: list[Post] = []
    for raw in src.read_text("utf-8").splitlines():
        line = raw.strip()
        if not line or line == "#" or line.startswith("# "):
            continue
        if line.startswith("@@"):
            slug, date, topic, layout, title = (p.strip() for p in line[2:].split("|", 4))
            assert topic in TOPICS, topic
            posts.append(Post(slug, date, topic, layout, title))
        else:
            posts[-1].lines.append(line)
    return sorted(posts, key=lambda p: (p.date, p.slug), reverse=True)


# --------------------------------------------------------------------------- body blocks

def body_html(post: Post, style: str) -> str:
    """Render the body lines; style 'p' (paragraphs), 'span' (div/span nesting), 'br'."""
    out: list[str] = []
    rows: list[list[str]] = []
    items: list[str] = []
    qa: list[str] = []

    def flush() -> None:
        if rows:
            head, *rest = rows
            out.append('<table class="data"><tr>' + "".join(f"<th>{esc(c)}</th>" for c in head)
                       + "</tr>" + "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in r)
                                           + "</tr>" for r in rest) + "</table>")
            rows.clear()
        if items:
            out.append("<ul>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>")
            items.clear()
        if qa:
            out.append('<dl class="faq">' + "".join(qa) + "</dl>")
            qa.clear()

    for line in post.lines:
        kind = line[:2]
        if kind != "| " and rows:
            flush()
        if kind != "- " and items:
            flush()
        if kind not in ("? ", "= ") and qa:
            flush()
        if kind == "| ":
            rows.append([c.strip() for c in line[2:].split("|")])
        elif kind == "- ":
            items.append(line[2:])
        elif kind == "? ":
            qa.append(f"<dt>{esc(line[2:])}</dt>")
        elif kind == "= ":
            qa.append(f"<dd>{esc(line[2:])}</dd>")
        elif line.startswith("## "):
            out.append(heading(line[3:], style))
        else:
            out.append(para(line, style))
    flush()
    return "\n".join(out)


def heading(text: str, style: str) -> str:
    if style == "br":
        return f"<p><b>{esc(text)}</b></p>"
    if style == "span":
        return f'<div class="sub"><strong>{esc(text)}</strong></div>'
    return f"<h2>{esc(text)}</h2>"


def para(text: str, style: str) -> str:
    if style == "br":
        return f"{esc(text)}<br><br>"
    if style == "span":
        return f'<div class="blk"><div><span class="txt">{esc(text)}</span></div></div>'
    return f"<p>{esc(text)}</p>"


# --------------------------------------------------------------------------- page shell

def head(title: str, metas: list[tuple[str, str, str]], links: str = "") -> str:
    meta = "".join(f'<meta {k}="{esc(n)}" content="{esc(v)}">\n' for k, n, v in metas)
    return (f'<!DOCTYPE html>\n<html lang="en-US">\n<head>\n<meta http-equiv="Content-Type" '
            f'content="text/html; charset=utf-8">\n<title>{esc(title)}</title>\n{meta}{links}'
            '<link rel="stylesheet" href="/assets/lakeview.css">\n</head>\n')


def top(current: str = "") -> str:
    menu = "".join(f'<li><a href="/topics/{k}.html">{esc(v)}</a></li>' for k, v in TOPICS.items())
    return ('<body class="lv">\n<div id="topbar">Call us at (555) 010-7788 &middot; '
            'Mon&ndash;Fri 8&ndash;6, Tue until 7</div>\n<div id="header"><div class="logo">'
            f'<a href="/index.html">{esc(SITE)}</a></div>\n<ul class="menu"><li><a href="/articles/'
            f'index.html">Articles</a></li>{menu}</ul></div>\n')


def bottom(posts: list[Post]) -> str:
    popular = "".join(f'<li><a href="{p.path}">{esc(p.title)}</a></li>' for p in posts[18:23])
    return (f'<div id="sidebar"><h3>Popular</h3><ul>{popular}</ul></div>\n'
            '<div id="footer"><p>Lakeview Back &amp; Neck Clinic, 400 Lakeshore Drive, Suite 3, '
            'Millbrook, WI 53000. Phone (555) 010-7788.</p><p>&copy; 2025 Lakeview Back &amp; '
            'Neck Clinic. All rights reserved.</p></div>\n<div class="cookie-notice">We use '
            'cookies to remember your preferences. <a href="#">OK</a></div>\n</body>\n</html>\n')


def related(post: Post, posts: list[Post]) -> str:
    same = [p for p in posts if p.topic == post.topic and p is not post][:3]
    if not same:
        return ""
    items = "".join(f'<li><a href="{p.path}">{esc(p.title)}</a></li>' for p in same)
    return f'<div class="more-box"><h4>Related reading</h4><ul>{items}</ul></div>'


def article_page(post: Post, posts: list[Post]) -> str:
    """Render one article in its layout."""
    lay, t, url = post.layout, post.title, ORIGIN + post.path
    topic = f'<a href="/topics/{post.topic}.html">{esc(TOPICS[post.topic])}</a>'
    desc = ("name", "description", post.lines[0][:150])
    if lay == "table":
        page = head(f"{t} :: {SITE}", [desc]) + top() + (
            '<table class="layout" width="100%"><tr><td class="navcol" width="180">'
            + "".join(f'<a href="/topics/{k}.html">{esc(v)}</a><br>' for k, v in TOPICS.items())
            + f'</td><td class="contentcol"><font size="4"><b>{esc(t)}</b></font><br>'
            f"<i>Posted on {long_date(post.date)} in {topic}</i><br><br>"
            f'<div class="txt">{body_html(post, "br")}</div></td></tr></table>\n')
        return page + bottom(posts)
    if lay == "nested":
        links = f'<link rel="canonical" href="{post.path}">\n'
        page = head(f"{t} | {SITE}", [desc, ("property", "article:published_time",
                                             post.date + "T09:00:00-06:00")], links) + top()
        page += (f'<main id="content"><div class="wrap"><div class="hdr"><h1><span>{esc(t)}'
                 f'</span></h1></div><div class="post-body"><div><font face="Verdana">'
                 f'{body_html(post, "span")}</font></div></div>{related(post, posts)}</div>'
                 "</main>\n")
        return page + bottom(posts)
    metas = [desc, ("property", "og:type", "article"), ("property", "og:site_name", SITE)]
    links = ""
    if lay in ("og", "emptyh1", "faq"):
        metas.append(("property", "og:title", t))
    if lay in ("og", "faq"):
        links = f'<link rel="canonical" href="{url}">\n'
        metas.append(("property", "og:image", f"/images/{post.slug}.jpg"))
    h1 = "" if lay in ("emptyh1", "bare") else esc(t)
    info = (f'<time datetime="{post.date}">{long_date(post.date)}</time>' if lay in ("og", "faq")
            else f'<span class="date">{long_date(post.date)}</span>')
    page = head(SITE, metas, links) + top()
    page += (f'<main id="content"><div class="post-wrap"><h1 class="post-title">{h1}</h1>'
             f'<div class="post-info">Posted {info} in {topic}</div>'
             f'<div class="post-body">{body_html(post, "p")}</div>{related(post, posts)}'
             "</div></main>\n")
    return page + bottom(posts)


def listing_page(title: str, intro: str, shown: list[Post], posts: list[Post],
                 pager: str = "") -> str:
    """Render a listing: teasers with linked headings and a read-more link."""
    teasers = "".join(
        f'<div class="teaser"><h3><a href="{p.path}">{esc(p.title)}</a></h3>'
        f'<div class="when">{long_date(p.date)}</div><p>{esc(p.lines[0].split(". ")[0])}.</p>'
        f'<a class="more" href="{p.path}">Read more &raquo;</a></div>\n' for p in shown)
    page = head(f"{title} | {SITE}" if title != SITE else SITE,
                [("property", "og:type", "website")] if title == SITE else []) + top()
    page += (f'<main id="content"><div class="listing"><h1>{esc(title)}</h1><p>{esc(intro)}</p>'
             f'\n{teasers}{pager}</div></main>\n')
    return page + bottom(posts)


def render(src: Path, out: Path) -> dict:
    posts = load(src)
    if out.exists():
        shutil.rmtree(out)
    pages: dict[str, str] = {}
    for post in posts:
        pages[post.path] = article_page(post, posts)
    pages["/index.html"] = listing_page(
        SITE, "Care for back, neck and knee pain on the lake shore since 1998.", posts[:6], posts)
    chunks = [posts[i:i + PER_PAGE] for i in range(0, len(posts), PER_PAGE)]
    for n, chunk in enumerate(chunks, 1):
        path = "/articles/index.html" if n == 1 else f"/articles/page/{n}.html"
        pager = "".join(f'<a href="/articles/page/{k}.html">{k}</a> ' for k in
                        range(2, len(chunks) + 1))
        pages[path] = listing_page("Articles" if n == 1 else f"Articles, page {n}",
                                   "News and advice from our clinicians.", chunk, posts,
                                   f'<div class="pager">{pager}</div>')
    for key, name in TOPICS.items():
        shown = [p for p in posts if p.topic == key]
        pages[f"/topics/{key}.html"] = listing_page(name, f"Everything we have written on "
                                                    f"{name.lower()}.", shown, posts)
    for path, text in pages.items():
        target = out / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, "utf-8")
    urls = "".join(f"  <url><loc>{{BASE}}{p}</loc></url>\n" for p in sorted(pages))
    (out / "sitemap.xml").write_text('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns='
                                     f'"http://www.sitemaps.org/schemas/sitemap/0.9">\n{urls}'
                                     "</urlset>\n", "utf-8")
    (out / "robots.txt").write_text("User-agent: *\nDisallow: /search\nDisallow: /*?replytocom="
                                    "\n\nSitemap: {BASE}/sitemap.xml\n", "utf-8")
    manifest = {
        "site": SITE,
        "articles": [{"path": p.path, "title": p.title, "date": p.date, "layout": p.layout,
                      "words": p.words()} for p in sorted(posts, key=lambda p: p.path)],
        "not_articles": sorted(p for p in pages if not p.startswith("/articles/2")),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n", "utf-8")
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", type=Path, default=ROOT / "tools" / "clinic2_posts.txt")
    parser.add_argument("--out", type=Path, default=ROOT / "clinic2")
    args = parser.parse_args()
    manifest = render(args.src, args.out)
    short = sum(1 for a in manifest["articles"] if a["words"] < 50)
    print(f"{len(manifest['articles'])} articles ({short} under 50 words), "
          f"{len(manifest['not_articles'])} other pages -> {args.out}")


if __name__ == "__main__":
    main()
