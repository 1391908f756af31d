#!/usr/bin/env python3
"""Render the sample "Summit Spine Care" clinic website from corpus/src/*.md.

Usage:
    python corpus/tools/render_site.py [--src DIR] [--out DIR]

Reads every Markdown article in corpus/src (front matter + simple Markdown
body) and (re)writes corpus/site/ as a static WordPress-like clinic website:

    site/index.html                      blog listing (home page)
    site/blog/<slug>/index.html          one page per article
    site/category/<cat-slug>/index.html  category listing pages
    site/news/heat-or-ice-quick-guide/   syndicated near-duplicate article
    site/images/<slug>.svg               placeholder illustrations
    site/sitemap.xml                     sitemap index
    site/sitemap-posts.xml, sitemap-pages.xml
    site/robots.txt

The output is deterministic: no timestamps or randomness, stable ordering,
so re-running on the same sources gives byte-identical files.  The output
directory is emptied first so stale pages never linger.

Python standard library only.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import shutil
import sys
from pathlib import Path
from urllib.parse import quote

BASE_URL = "https://www.summitspinecare.example"
SITE_NAME = "Summit Spine Care"
DOCTOR = "Dr. Elena Marsh"
PHONE = "(555) 014-2290"
PHONE_TEL = "+15550142290"
ADDRESS_LINES = ["1840 Ridgeview Parkway, Suite 210", "Cedar Falls, CO 80917"]
HOURS = [
    ("Monday \u2013 Thursday", "8:00 am \u2013 5:30 pm"),
    ("Friday", "8:00 am \u2013 3:00 pm"),
    ("Saturday \u2013 Sunday", "Closed"),
]

# The syndicated near-duplicate page (tests near-duplicate detection).
DUPLICATE_SOURCE = "heat-or-ice-for-back-pain"
DUPLICATE_PATH = "news/heat-or-ice-quick-guide"
DUPLICATE_TITLE = "Heat or Ice? Our Quick Guide for Sore Backs"
DUPLICATE_DATE = "2025-10-06"

RELATED_COUNT = 5
RECENT_COUNT = 5

CATEGORY_COLORS = {
    "conditions": ("#1f5f8b", "#d9ecf7"),
    "symptoms": ("#a23e48", "#f7dfe1"),
    "treatments": ("#2e7d5b", "#dcf1e6"),
    "surgery": ("#5b4a9e", "#e6e1f6"),
    "recovery": ("#b86e1d", "#f8ead9"),
    "everyday-habits": ("#3f6f73", "#dcefed"),
}
DEFAULT_COLORS = ("#44546a", "#e4e9ef")

MONTHS = [
    "January", "February", "March", "April", "May", "June", "July",
    "August", "September", "October", "November", "December",
]

FRONT_KEYS = ("title", "slug", "date", "category", "tags", "description", "summary")


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------

def esc(text: str) -> str:
    """HTML-escape text (including quotes, safe for attributes)."""
    return html.escape(text, quote=True)


def slugify(text: str) -> str:
    text = text.lower().replace("&", " and ")
    text = re.sub(r"[^a-z0-9]+", "-", text)
    return text.strip("-") or "item"


def human_date(iso: str) -> str:
    year, month, day = (int(p) for p in iso.split("-"))
    return f"{MONTHS[month - 1]} {day}, {year}"


def abs_url(path: str) -> str:
    return BASE_URL + path


def json_for_script(data) -> str:
    """Serialise JSON for embedding inside a <script> element."""
    text = json.dumps(data, ensure_ascii=False, indent=2)
    return text.replace("</", "<\\/")


# --------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------

class Post:
    def __init__(self, meta: dict, blocks: list, source: Path):
        self.meta = meta
        self.blocks = blocks
        self.source = source
        self.slug = meta["slug"]
        self.title = meta["title"]
        self.date = meta["date"]
        self.category = meta["category"]
        self.category_slug = slugify(self.category)
        self.tags = meta["tags"]
        self.description = meta["description"]
        self.summary = meta["summary"]
        self.path = f"/blog/{self.slug}/"

    @property
    def url(self) -> str:
        return abs_url(self.path)

    @property
    def image_url(self) -> str:
        return abs_url(f"/images/{self.slug}.svg")


def parse_front_matter(text: str, source: Path):
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise ValueError(f"{source}: missing front matter")
    meta = {}
    end = None
    for i in range(1, len(lines)):
        line = lines[i]
        if line.strip() == "---":
            end = i
            break
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if ":" not in line:
            continue
        key, value = line.split(":", 1)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        meta[key.strip().lower()] = value
    if end is None:
        raise ValueError(f"{source}: unterminated front matter")
    body = "\n".join(lines[end + 1:])
    tags = meta.get("tags", "")
    tags = tags.strip().strip("[]")
    meta["tags"] = [t.strip().strip("\"'") for t in tags.split(",") if t.strip()]
    if not meta.get("slug"):
        meta["slug"] = source.stem
    for key in FRONT_KEYS:
        meta.setdefault(key, "")
    if not meta["category"]:
        meta["category"] = "Uncategorized"
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", meta["date"]):
        raise ValueError(f"{source}: bad or missing date {meta['date']!r}")
    return meta, body


def parse_body(body: str) -> list:
    """Return a list of blocks: ("p", text), ("h2", text), ("h3", text),
    ("ul", [items]), ("ol", [items])."""
    blocks = []
    para: list[str] = []
    items: list[str] = []
    list_kind = None

    def flush_para():
        if para:
            blocks.append(("p", " ".join(s.strip() for s in para)))
            para.clear()

    def flush_list():
        nonlocal list_kind
        if items:
            blocks.append((list_kind, list(items)))
            items.clear()
        list_kind = None

    for raw in body.splitlines():
        line = raw.rstrip()
        stripped = line.strip()
        if not stripped:
            flush_para()
            flush_list()
            continue
        m = re.match(r"^(#{1,6})\s+(.*?)\s*#*\s*$", stripped)
        if m:
            flush_para()
            flush_list()
            level = len(m.group(1))
            blocks.append(("h3" if level >= 3 else "h2", m.group(2)))
            continue
        m_ul = re.match(r"^[-*+]\s+(.*)$", stripped)
        m_ol = re.match(r"^\d+[.)]\s+(.*)$", stripped)
        if m_ul or m_ol:
            flush_para()
            kind = "ul" if m_ul else "ol"
            if list_kind and list_kind != kind:
                flush_list()
            list_kind = kind
            items.append((m_ul or m_ol).group(1).strip())
            continue
        if items and raw[:1] in (" ", "\t"):
            # continuation of a list item
            items[-1] = items[-1] + " " + stripped
            continue
        flush_list()
        para.append(stripped)
    flush_para()
    flush_list()
    return blocks


def load_posts(src_dir: Path) -> list:
    posts = []
    for path in sorted(src_dir.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        meta, body = parse_front_matter(text, path)
        posts.append(Post(meta, parse_body(body), path))
    seen = set()
    for p in posts:
        if p.slug in seen:
            raise ValueError(f"duplicate slug {p.slug}")
        seen.add(p.slug)
    # newest first, slug as tie-breaker
    posts.sort(key=lambda p: (p.date, p.slug), reverse=True)
    return posts


# --------------------------------------------------------------------------
# Inline Markdown
# --------------------------------------------------------------------------

_LINK_RE = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
_BOLD_RE = re.compile(r"\*\*(.+?)\*\*|__(.+?)__")
_EM_RE = re.compile(
    r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])"
    r"|(?<![\w_])_(?!\s)(.+?)(?<!\s)_(?![\w_])"
)
_CODE_RE = re.compile(r"`([^`]+)`")


def inline(text: str) -> str:
    """Escape text and render a small subset of inline Markdown."""
    out = []
    pos = 0
    for m in _LINK_RE.finditer(text):
        out.append(_inline_plain(text[pos:m.start()]))
        href = m.group(2)
        out.append(f'<a href="{esc(href)}">{_inline_plain(m.group(1))}</a>')
        pos = m.end()
    out.append(_inline_plain(text[pos:]))
    return "".join(out)


def _inline_plain(text: str) -> str:
    s = esc(text)
    s = _CODE_RE.sub(lambda m: f"<code>{m.group(1)}</code>", s)
    s = _BOLD_RE.sub(lambda m: f"<strong>{m.group(1) or m.group(2)}</strong>", s)
    s = _EM_RE.sub(lambda m: f"<em>{m.group(1) or m.group(2)}</em>", s)
    return s


def strip_inline(text: str) -> str:
    """Plain-text version of inline Markdown (for meta/JSON)."""
    text = _LINK_RE.sub(lambda m: m.group(1), text)
    text = _BOLD_RE.sub(lambda m: m.group(1) or m.group(2), text)
    text = _CODE_RE.sub(lambda m: m.group(1), text)
    return text


# --------------------------------------------------------------------------
# Related posts
# --------------------------------------------------------------------------

def related_posts(post: Post, posts: list, count: int = RELATED_COUNT) -> list:
    tags = {t.lower() for t in post.tags}
    candidates = []
    for other in posts:
        if other.slug == post.slug:
            continue
        shared = len(tags & {t.lower() for t in other.tags})
        same_cat = 1 if other.category == post.category else 0
        candidates.append(((-shared, -same_cat, _neg_date(other.date), other.slug), other))
    candidates.sort(key=lambda c: c[0])
    return [c[1] for c in candidates[:count]]


def _neg_date(iso: str) -> int:
    return -int(iso.replace("-", ""))


# --------------------------------------------------------------------------
# Page chrome
# --------------------------------------------------------------------------

NAV_ITEMS = [
    ("Home", "/", "menu-item-home"),
    ("About Dr. Marsh", "/about-dr-marsh/", "menu-item-about"),
    ("Conditions", "/category/conditions/", "menu-item-conditions"),
    ("Treatments", "/category/treatments/", "menu-item-treatments"),
    ("Blog", "/", "menu-item-blog"),
    ("Contact", "/contact/", "menu-item-contact"),
    ("Book Appointment", "/book-appointment/", "menu-item-cta"),
]


class Site:
    def __init__(self, posts: list):
        self.posts = posts
        cats = {}
        for p in posts:
            cats.setdefault(p.category, []).append(p)
        self.categories = sorted(cats.items(), key=lambda kv: kv[0].lower())
        years = [int(p.date[:4]) for p in posts] + [int(DUPLICATE_DATE[:4])]
        self.copyright_year = max(years)

    # ---- head -----------------------------------------------------------
    def head(self, *, title: str, description: str, canonical: str,
             og_type: str, image: str | None, extra_meta: list[str],
             json_ld: dict, body_title: str) -> str:
        lines = [
            "<!DOCTYPE html>",
            '<html lang="en-US">',
            "<head>",
            '<meta charset="UTF-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{esc(title)}</title>",
        ]
        if description:
            lines.append(f'<meta name="description" content="{esc(description)}">')
        lines += [
            '<meta name="robots" content="index, follow, max-image-preview:large">',
            f'<link rel="canonical" href="{esc(canonical)}">',
            '<meta property="og:locale" content="en_US">',
            f'<meta property="og:type" content="{esc(og_type)}">',
            f'<meta property="og:title" content="{esc(body_title)}">',
        ]
        if description:
            lines.append(f'<meta property="og:description" content="{esc(description)}">')
        lines += [
            f'<meta property="og:url" content="{esc(canonical)}">',
            f'<meta property="og:site_name" content="{esc(SITE_NAME)}">',
        ]
        if image:
            lines += [
                f'<meta property="og:image" content="{esc(image)}">',
                '<meta property="og:image:width" content="1200">',
                '<meta property="og:image:height" content="630">',
                '<meta property="og:image:type" content="image/svg+xml">',
            ]
        lines += extra_meta
        lines += [
            '<meta name="twitter:card" content="summary_large_image">',
            f'<meta name="twitter:title" content="{esc(body_title)}">',
            '<link rel="icon" href="/favicon.ico" sizes="32x32">',
            "<link rel='stylesheet' id='summit-theme-style-css' "
            "href='/wp-content/themes/summit-medical/style.css?ver=2.4.1' media='all'>",
            "<link rel='stylesheet' id='summit-blocks-css' "
            "href='/wp-content/plugins/summit-blocks/build/style.css?ver=1.9.0' media='all'>",
            '<link rel="alternate" type="application/rss+xml" '
            f'title="{esc(SITE_NAME)} &raquo; Feed" href="/feed/">',
            "<script>",
            "  window.dataLayer = window.dataLayer || [];",
            "  function gtag(){dataLayer.push(arguments);}",
            "  gtag('js', 'static-build');",
            "  gtag('config', 'G-SSC0000000', { 'anonymize_ip': true });",
            "  /* analytics stub: no network requests are made from this sample site */",
            "</script>",
            '<script type="application/ld+json">',
            json_for_script(json_ld),
            "</script>",
            "</head>",
        ]
        return "\n".join(lines)

    # ---- body chrome ----------------------------------------------------
    def site_header(self, current: str) -> str:
        nav = []
        for label, href, cls in NAV_ITEMS:
            classes = f"menu-item {cls}"
            if label == current:
                classes += " current-menu-item"
            nav.append(f'<li class="{classes}"><a href="{esc(href)}">{esc(label)}</a></li>')
        return "\n".join([
            '<a class="skip-link screen-reader-text" href="#primary">Skip to content</a>',
            '<div class="top-bar">',
            '<div class="container">',
            '<span class="top-bar__hours">Mon\u2013Thu 8\u20135:30 &middot; Fri 8\u20133</span>',
            '<span class="top-bar__phone">Call us: '
            f'<a href="tel:{PHONE_TEL}">{esc(PHONE)}</a></span>',
            '<span class="top-bar__portal"><a href="/patient-portal/">Patient Portal</a></span>',
            "</div>",
            "</div>",
            '<header id="masthead" class="site-header" role="banner">',
            '<div class="container site-header__inner">',
            '<div class="site-branding">',
            '<a href="/" class="custom-logo-link" rel="home">'
            '<img src="/wp-content/uploads/summit-spine-care-logo.png" class="custom-logo" '
            f'alt="{esc(SITE_NAME)} logo" width="220" height="64"></a>',
            f'<p class="site-title"><a href="/" rel="home">{esc(SITE_NAME)}</a></p>',
            '<p class="site-description">Spine care with Dr. Elena Marsh, MD</p>',
            "</div>",
            '<div class="header-contact">',
            '<span class="header-contact__label">Questions? Call</span> '
            f'<a class="header-contact__phone" href="tel:{PHONE_TEL}">{esc(PHONE)}</a>',
            "</div>",
            '<nav id="site-navigation" class="main-navigation" aria-label="Primary menu">',
            '<button class="menu-toggle" aria-controls="primary-menu" aria-expanded="false">Menu'
            '</button>',
            '<ul id="primary-menu" class="menu nav-menu">',
            *nav,
            "</ul>",
            "</nav>",
            "</div>",
            "</header>",
        ])

    @staticmethod
    def cookie_banner() -> str:
        return "\n".join([
            '<div id="cookie-notice" class="cookie-banner" role="dialog" aria-live="polite" '
            'aria-label="Cookie consent">',
            '<div class="cookie-banner__text">',
            "<p>We use cookies to improve your experience on our website, remember your "
            "preferences and understand how visitors use our pages. By clicking "
            "&ldquo;Accept&rdquo; you consent to the use of cookies. Read our "
            '<a href="/privacy-policy/">privacy policy</a> to learn more.</p>',
            "</div>",
            '<div class="cookie-banner__actions">',
            '<button type="button" class="cookie-btn cookie-btn--accept" '
            'data-consent="accept">Accept</button>',
            '<button type="button" class="cookie-btn cookie-btn--decline" '
            'data-consent="decline">Decline</button>',
            "</div>",
            "</div>",
        ])

    @staticmethod
    def breadcrumb(trail: list) -> str:
        parts = ['<nav class="breadcrumbs" aria-label="Breadcrumb">', '<ol class="breadcrumb">']
        for i, (label, href) in enumerate(trail):
            if href and i < len(trail) - 1:
                parts.append(f'<li class="breadcrumb-item"><a href="{esc(href)}">{esc(label)}</a>'
                             '</li>')
            else:
                parts.append(f'<li class="breadcrumb-item active" aria-current="page">{esc(label)}'
                             '</li>')
        parts += ["</ol>", "</nav>"]
        return "\n".join(parts)

    def sidebar(self) -> str:
        recent = self.posts[:RECENT_COUNT]
        lines = [
            '<aside id="secondary" class="widget-area sidebar" role="complementary">',
            '<section id="search-2" class="widget widget_search">',
            '<form role="search" method="get" class="search-form" action="/">',
            '<label><span class="screen-reader-text">Search for:</span>',
            '<input type="search" class="search-field" placeholder="Search our articles&hellip;" '
            'value="" name="s"></label>',
            '<button type="submit" class="search-submit">Search</button>',
            "</form>",
            "</section>",
            '<section id="recent-posts-2" class="widget widget_recent_entries">',
            '<h2 class="widget-title">Recent Posts</h2>',
            "<ul>",
        ]
        for p in recent:
            lines.append(f'<li><a href="{esc(p.path)}">{esc(p.title)}</a> '
                         f'<span class="post-date">{esc(human_date(p.date))}</span></li>')
        lines += [
            "</ul>",
            "</section>",
            '<section id="categories-2" class="widget widget_categories">',
            '<h2 class="widget-title">Categories</h2>',
            "<ul>",
        ]
        for cat, cposts in self.categories:
            lines.append(f'<li class="cat-item cat-item-{esc(slugify(cat))}">'
                         f'<a href="/category/{esc(slugify(cat))}/">{esc(cat)}</a> ({len(cposts)})'
                         '</li>')
        lines += [
            "</ul>",
            "</section>",
            '<section id="custom_html-3" class="widget widget_custom_html widget-cta">',
            '<div class="cta-box">',
            '<h2 class="widget-title">Book an appointment</h2>',
            "<p>Living with back or neck pain? Dr. Marsh and our team offer same-week "
            "consultations and can help you understand your options.</p>",
            '<a class="button button--primary" href="/book-appointment/">Request a visit</a>',
            f'<p class="cta-box__phone">Or call <a href="tel:{PHONE_TEL}">{esc(PHONE)}</a></p>',
            "</div>",
            "</section>",
            "</aside>",
        ]
        return "\n".join(lines)

    @staticmethod
    def newsletter() -> str:
        return "\n".join([
            '<section class="newsletter-signup" id="newsletter">',
            '<div class="container">',
            '<h2 class="newsletter-signup__title">Get spine health tips in your inbox</h2>',
            "<p>Join our monthly newsletter for exercises, clinic news and seasonal advice. "
            "We never share your email address.</p>",
            '<form class="newsletter-form" action="/newsletter/subscribe/" method="post">',
            '<label for="nl-email" class="screen-reader-text">Email address</label>',
            '<input type="email" id="nl-email" name="email" placeholder="Your email address" '
            'required>',
            '<input type="hidden" name="list" value="monthly-tips">',
            '<button type="submit" class="button">Subscribe</button>',
            "</form>",
            "</div>",
            "</section>",
        ])

    def footer(self) -> str:
        hours = "\n".join(
            f"<li><span class=\"day\">{esc(d)}</span> <span class=\"time\">{esc(t)}</span></li>"
            for d, t in HOURS)
        cat_links = "\n".join(
            f'<li><a href="/category/{esc(slugify(c))}/">{esc(c)}</a>'
            '</li>' for c, _ in self.categories)
        return "\n".join([
            '<footer id="colophon" class="site-footer" role="contentinfo">',
            '<div class="footer-widgets container">',
            '<div class="footer-col footer-col--contact">',
            f'<h3 class="footer-title">{esc(SITE_NAME)}</h3>',
            '<address class="clinic-address">',
            "<br>".join(esc(a) for a in ADDRESS_LINES),
            "</address>",
            f'<p class="footer-phone">Phone: <a href="tel:{PHONE_TEL}">{esc(PHONE)}</a></p>',
            '<p class="footer-fax">Fax: (555) 014-2291</p>',
            "</div>",
            '<div class="footer-col footer-col--hours">',
            '<h3 class="footer-title">Office Hours</h3>',
            '<ul class="office-hours">',
            hours,
            "</ul>",
            "</div>",
            '<div class="footer-col footer-col--links">',
            '<h3 class="footer-title">Patient Resources</h3>',
            '<ul class="footer-menu">',
            '<li><a href="/new-patients/">New Patient Forms</a></li>',
            '<li><a href="/insurance/">Insurance &amp; Billing</a></li>',
            '<li><a href="/patient-portal/">Patient Portal</a></li>',
            '<li><a href="/privacy-policy/">Privacy Policy</a></li>',
            '<li><a href="/accessibility/">Accessibility</a></li>',
            "</ul>",
            "</div>",
            '<div class="footer-col footer-col--topics">',
            '<h3 class="footer-title">Blog Topics</h3>',
            '<ul class="footer-menu">',
            cat_links,
            "</ul>",
            "</div>",
            "</div>",
            '<div class="site-info">',
            '<div class="container">',
            f"<p>&copy; {self.copyright_year} {esc(SITE_NAME)}. All rights reserved. "
            "The information on this website is for general education and is not a "
            "substitute for medical advice.</p>",
            '<p class="social-links"><a '
            'href="https://www.facebook.com/summitspinecare.example">Facebook</a> '
            '&middot; <a href="https://www.instagram.com/summitspinecare.example">Instagram</a> '
            '&middot; <a href="https://www.youtube.com/@summitspinecare.example">YouTube</a></p>',
            "</div>",
            "</div>",
            "</footer>",
        ])

    @staticmethod
    def scripts_footer() -> str:
        return "\n".join([
            "<script>",
            "(function(){",
            "  var b = document.getElementById('cookie-notice');",
            "  if (!b) return;",
            "  b.addEventListener('click', function(e){",
            "    var c = e.target.getAttribute('data-consent');",
            "    if (c) { b.style.display = 'none'; }",
            "  });",
            "})();",
            "</script>",
        ])

    def page(self, *, head: str, body_class: str, current_nav: str,
             trail: list, main_html: str) -> str:
        return "\n".join([
            head,
            f'<body class="{esc(body_class)}">',
            '<div id="page" class="site">',
            self.site_header(current_nav),
            self.cookie_banner(),
            '<div id="content" class="site-content">',
            '<div class="container content-area-wrap">',
            self.breadcrumb(trail),
            '<div class="row">',
            '<main id="primary" class="site-main content-area">',
            main_html,
            "</main>",
            self.sidebar(),
            "</div>",
            "</div>",
            "</div>",
            self.newsletter(),
            self.footer(),
            "</div>",
            self.scripts_footer(),
            "</body>",
            "</html>",
            "",
        ])

    # ---- article pages --------------------------------------------------
    def article_page(self, post: Post, *, path: str | None = None,
                     title: str | None = None, date: str | None = None,
                     section: tuple = ("Blog", "/")) -> str:
        page_id = (path or post.path).strip("/").split("/")[-1]
        path = path or post.path
        title = title or post.title
        date = date or post.date
        canonical = abs_url(path)
        description = strip_inline(post.description)
        extra = [f'<meta property="article:published_time" content="{esc(date)}T08:00:00-07:00">',
                 f'<meta property="article:author" content="{esc(DOCTOR)}">',
                 f'<meta property="article:section" content="{esc(post.category)}">']
        extra += [f'<meta property="article:tag" content="{esc(t)}">' for t in post.tags]
        json_ld = {
            "@context": "https://schema.org",
            "@type": "BlogPosting",
            "headline": title,
            "description": description,
            "image": post.image_url,
            "datePublished": f"{date}T08:00:00-07:00",
            "author": {"@type": "Person", "name": DOCTOR, "url": abs_url("/about-dr-marsh/")},
            "publisher": {
                "@type": "MedicalClinic",
                "name": SITE_NAME,
                "telephone": PHONE,
                "logo": {"@type": "ImageObject",
                         "url": abs_url("/wp-content/uploads/summit-spine-care-logo.png")},
            },
            "mainEntityOfPage": {"@type": "WebPage", "@id": canonical},
            "articleSection": post.category,
            "keywords": ", ".join(post.tags),
        }
        head = self.head(title=f"{title} | {SITE_NAME}", description=description,
                         canonical=canonical, og_type="article", image=post.image_url,
                         extra_meta=extra, json_ld=json_ld, body_title=title)

        body = []
        for kind, value in post.blocks:
            if kind == "p":
                body.append(f"<p>{inline(value)}</p>")
            elif kind in ("h2", "h3"):
                body.append(f'<{kind} id="{esc(slugify(strip_inline(value)))}">{inline(value)}'
                            f'</{kind}>')
            else:
                body.append(f"<{kind}>")
                body += [f"<li>{inline(item)}</li>" for item in value]
                body.append(f"</{kind}>")

        cat_href = f"/category/{post.category_slug}/"
        tag_links = ", ".join(
            f'<a href="/tag/{esc(slugify(t))}/" rel="tag">{esc(t)}</a>' for t in post.tags)
        share_url = quote(canonical, safe="")
        share_title = quote(title, safe="")
        related = related_posts(post, self.posts)
        rel_items = []
        for r in related:
            rel_items.append("\n".join([
                '<li class="related-post">',
                f'<a class="related-post__thumb" href="{esc(r.path)}"><img '
                f'src="/images/{esc(r.slug)}.svg" '
                f'alt="" width="300" height="158" loading="lazy"></a>',
                f'<h3 class="related-post__title"><a href="{esc(r.path)}">{esc(r.title)}</a></h3>',
                f'<p class="related-post__excerpt">{inline(r.summary)}</p>',
                "</li>",
            ]))
        main_html = "\n".join([
            f'<article id="post-{esc(page_id)}" class="post type-post status-publish '
            'format-standard '
            f'has-post-thumbnail category-{esc(post.category_slug)} entry">',
            '<header class="entry-header">',
            f'<div class="entry-categories"><a href="{esc(cat_href)}" rel="category '
            f'tag">{esc(post.category)}</a></div>',
            f'<h1 class="entry-title">{esc(title)}</h1>',
            '<div class="entry-meta">',
            f'<span class="posted-on">Posted on <time class="entry-date published" '
            f'datetime="{esc(date)}T08:00:00-07:00">{esc(human_date(date))}</time></span>',
            f'<span class="byline"> by <span class="author vcard"><a class="url fn n" '
            f'href="/about-dr-marsh/">{esc(DOCTOR)}</a></span></span>',
            "</div>",
            "</header>",
            '<figure class="post-thumbnail">',
            f'<img src="/images/{esc(post.slug)}.svg" alt="{esc(title)}" width="1200" '
            'height="630">',
            "</figure>",
            '<div class="entry-content">',
            *body,
            "</div>",
            '<footer class="entry-footer">',
            f'<span class="cat-links">Posted in <a href="{esc(cat_href)}" rel="category '
            f'tag">{esc(post.category)}</a></span>',
            f'<span class="tags-links">Tagged {tag_links}</span>',
            "</footer>",
            '<div class="share-bar social-share">',
            '<span class="share-bar__label">Share this post:</span>',
            '<a class="share-facebook" '
            f'href="https://www.facebook.com/sharer/sharer.php?u={share_url}" '
            'rel="nofollow noopener">Facebook</a>',
            '<a class="share-x" '
            f'href="https://twitter.com/intent/tweet?url={share_url}&amp;text={share_title}" '
            'rel="nofollow noopener">X</a>',
            '<a class="share-linkedin" '
            f'href="https://www.linkedin.com/sharing/share-offsite/?url={share_url}" '
            'rel="nofollow noopener">LinkedIn</a>',
            '<a class="share-email" '
            f'href="mailto:?subject={share_title}&amp;body={share_url}">Email</a>',
            "</div>",
            '<div class="author-box">',
            '<img class="author-box__photo" src="/wp-content/uploads/dr-elena-marsh.jpg" alt="Dr. '
            'Elena Marsh" width="96" height="96">',
            '<div class="author-box__bio"><p class="author-box__name">About Dr. Elena Marsh</p>',
            "<p>Dr. Marsh is a board-certified spine specialist who has cared for patients "
            "with back and neck problems for more than fifteen years.</p></div>",
            "</div>",
            "</article>",
            '<section class="related-posts yarpp-related" aria-labelledby="related-heading">',
            '<h2 id="related-heading" class="related-posts__title">You Might Also Enjoy...</h2>',
            '<ul class="related-posts__list">',
            *rel_items,
            "</ul>",
            "</section>",
            '<nav class="navigation post-navigation" aria-label="Posts">',
            self._post_nav(post),
            "</nav>",
        ])
        trail = [("Home", "/"), section, (post.category, cat_href), (title, None)]
        return self.page(head=head,
                         body_class=f"post-template-default single single-post postid-{page_id} "
                                    f"single-format-standard",
                         current_nav="Blog", trail=trail, main_html=main_html)

    def _post_nav(self, post: Post) -> str:
        # posts are newest first: previous (older) is the next index
        idx = next((i for i, p in enumerate(self.posts) if p.slug == post.slug), None)
        parts = ['<div class="nav-links">']
        if idx is not None and idx + 1 < len(self.posts):
            older = self.posts[idx + 1]
            parts.append(f'<div class="nav-previous"><a href="{esc(older.path)}" rel="prev">'
                         f'<span class="meta-nav">Previous</span> {esc(older.title)}</a></div>')
        if idx is not None and idx > 0:
            newer = self.posts[idx - 1]
            parts.append(f'<div class="nav-next"><a href="{esc(newer.path)}" rel="next">'
                         f'<span class="meta-nav">Next</span> {esc(newer.title)}</a></div>')
        parts.append("</div>")
        return "\n".join(parts)

    # ---- listing pages --------------------------------------------------
    def listing_page(self, *, path: str, heading: str, intro: str, posts: list,
                     page_title: str, description: str, trail: list, current_nav: str,
                     body_class: str) -> str:
        canonical = abs_url(path)
        json_ld = {
            "@context": "https://schema.org",
            "@type": "CollectionPage" if path != "/" else "Blog",
            "name": heading,
            "url": canonical,
            "publisher": {"@type": "MedicalClinic", "name": SITE_NAME},
        }
        head = self.head(title=page_title, description=description, canonical=canonical,
                         og_type="website",
                         image=abs_url("/wp-content/uploads/summit-spine-care-social.png"),
                         extra_meta=[], json_ld=json_ld, body_title=heading)
        items = []
        for p in posts:
            items.append("\n".join([
                f'<article class="post-card post type-post category-{esc(p.category_slug)}">',
                f'<a class="post-card__thumb" href="{esc(p.path)}"><img '
                f'src="/images/{esc(p.slug)}.svg" '
                f'alt="" width="400" height="210" loading="lazy"></a>',
                '<div class="post-card__body">',
                '<span class="post-card__category"><a '
                f'href="/category/{esc(p.category_slug)}/">{esc(p.category)}</a></span>',
                f'<h2 class="entry-title"><a href="{esc(p.path)}" rel="bookmark">{esc(p.title)}'
                '</a></h2>',
                '<div class="entry-meta"><time class="entry-date published" '
                f'datetime="{esc(p.date)}T08:00:00-07:00">'
                f"{esc(human_date(p.date))}</time></div>",
                f'<div class="entry-summary"><p>{inline(p.summary)}</p></div>',
                f'<a class="more-link" href="{esc(p.path)}">Read more<span '
                'class="screen-reader-text"> '
                f"about {esc(p.title)}</span></a>",
                "</div>",
                "</article>",
            ]))
        main_html = "\n".join([
            '<header class="page-header">',
            f'<h1 class="page-title">{esc(heading)}</h1>',
            f'<div class="archive-description"><p>{esc(intro)}</p></div>',
            "</header>",
            '<div class="posts-grid">',
            *items,
            "</div>",
        ])
        return self.page(head=head, body_class=body_class, current_nav=current_nav,
                         trail=trail, main_html=main_html)


# --------------------------------------------------------------------------
# SVG, sitemaps, robots
# --------------------------------------------------------------------------

def wrap_words(text: str, width: int) -> list:
    lines, cur = [], ""
    for word in text.split():
        if cur and len(cur) + 1 + len(word) > width:
            lines.append(cur)
            cur = word
        else:
            cur = f"{cur} {word}" if cur else word
    if cur:
        lines.append(cur)
    return lines


def svg_for(post: Post) -> str:
    dark, light = CATEGORY_COLORS.get(post.category_slug, DEFAULT_COLORS)
    lines = wrap_words(post.title, 30)
    if len(lines) > 4:
        lines = lines[:4]
        lines[-1] = lines[-1][:27].rstrip() + "\u2026"
    font = 60 if len(lines) <= 2 else 52
    step = font + 14
    start = 330 - (len(lines) - 1) * step // 2
    tspans = "".join(
        f'<tspan x="90" y="{start + i * step}">{html.escape(line, quote=False)}</tspan>'
        for i, line in enumerate(lines))
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1200 630" width="1200" height="630" '
        f'role="img" aria-label="{html.escape(post.title, quote=True)}">'
        f'<rect width="1200" height="630" fill="{light}"/>'
        f'<rect width="24" height="630" fill="{dark}"/>'
        f'<circle cx="1050" cy="120" r="210" fill="{dark}" opacity="0.12"/>'
        '<path d="M1010 470c40-30 80-30 120 0M1010 510c40-30 80-30 120 0M1010 550c40-30 80-30 '
        '120 0" '
        f'stroke="{dark}" stroke-width="10" fill="none" stroke-linecap="round" opacity="0.5"/>'
        f'<text x="90" y="120" font-family="Helvetica, Arial, sans-serif" font-size="30" '
        'font-weight="700" letter-spacing="4" '
        f'fill="{dark}">{html.escape(post.category.upper(), quote=False)}</text>'
        f'<text font-family="Georgia, serif" font-size="{font}" font-weight="700" '
        f'fill="#1c2530">{tspans}</text>'
        '<text x="90" y="570" font-family="Helvetica, Arial, sans-serif" font-size="26" '
        f'fill="{dark}">'
        f"Summit Spine Care</text>"
        "</svg>\n"
    )
    return svg


def sitemap_index() -> str:
    return "\n".join([
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
        "  <sitemap>",
        f"    <loc>{BASE_URL}/sitemap-posts.xml</loc>",
        "  </sitemap>",
        "  <sitemap>",
        f"    <loc>{BASE_URL}/sitemap-pages.xml</loc>",
        "  </sitemap>",
        "</sitemapindex>",
        "",
    ])


def urlset(entries: list) -> str:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for loc, lastmod in entries:
        lines += ["  <url>", f"    <loc>{html.escape(loc, quote=False)}</loc>"]
        if lastmod:
            lines.append(f"    <lastmod>{lastmod}</lastmod>")
        lines.append("  </url>")
    lines += ["</urlset>", ""]
    return "\n".join(lines)


def robots_txt() -> str:
    return "\n".join([
        "User-agent: *",
        "Disallow: /wp-admin/",
        "Allow: /wp-admin/admin-ajax.php",
        "",
        f"Sitemap: {BASE_URL}/sitemap.xml",
        "",
    ])


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------

def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)


def clean_output(out: Path) -> None:
    if not out.exists():
        return
    for child in sorted(out.iterdir()):
        if child.is_dir():
            shutil.rmtree(child)
        else:
            child.unlink()


def render(src: Path, out: Path) -> dict:
    posts = load_posts(src)
    site = Site(posts)
    clean_output(out)
    out.mkdir(parents=True, exist_ok=True)

    for post in posts:
        write(out / "blog" / post.slug / "index.html", site.article_page(post))
        write(out / "images" / f"{post.slug}.svg", svg_for(post))

    dup = next((p for p in posts if p.slug == DUPLICATE_SOURCE), None)
    if dup is not None:
        write(out / DUPLICATE_PATH / "index.html",
              site.article_page(dup, path=f"/{DUPLICATE_PATH}/", title=DUPLICATE_TITLE,
                                date=DUPLICATE_DATE, section=("News", "/")))

    write(out / "index.html", site.listing_page(
        path="/", heading="Spine Health Blog",
        intro="Practical articles from Dr. Elena Marsh and the Summit Spine Care team about "
              "back and neck pain, treatment options, surgery and everyday habits.",
        posts=posts, page_title=f"Spine Health Blog | {SITE_NAME}",
        description="Articles about back pain, neck pain, spine conditions, treatments and "
                    "recovery from the Summit Spine Care team.",
        trail=[("Home", "/"), ("Blog", None)], current_nav="Home",
        body_class="home blog hfeed"))

    for cat, cposts in site.categories:
        cslug = slugify(cat)
        write(out / "category" / cslug / "index.html", site.listing_page(
            path=f"/category/{cslug}/", heading=f"Category: {cat}",
            intro=f"All of our articles filed under {cat}.",
            posts=cposts, page_title=f"{cat} Archives | {SITE_NAME}",
            description=f"Articles about {cat.lower()} from the Summit Spine Care blog.",
            trail=[("Home", "/"), ("Blog", "/"), (cat, None)],
            current_nav=cat if cat in ("Conditions", "Treatments") else "Blog",
            body_class=f"archive category category-{cslug}"))

    post_entries = [(p.url, p.date) for p in posts]
    if dup is not None:
        post_entries.append((abs_url(f"/{DUPLICATE_PATH}/"), DUPLICATE_DATE))
        post_entries.sort(key=lambda e: (e[1], e[0]), reverse=True)
    page_entries = [(abs_url("/"), posts[0].date if posts else None)]
    for cat, cposts in site.categories:
        page_entries.append((abs_url(f"/category/{slugify(cat)}/"), cposts[0].date))
    write(out / "sitemap.xml", sitemap_index())
    write(out / "sitemap-posts.xml", urlset(post_entries))
    write(out / "sitemap-pages.xml", urlset(page_entries))
    write(out / "robots.txt", robots_txt())
    return {"posts": len(posts), "categories": len(site.categories),
            "duplicate": dup is not None}


def main(argv=None) -> int:
    here = Path(__file__).resolve().parent
    corpus = here.parent
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--src", type=Path, default=corpus / "src")
    ap.add_argument("--out", type=Path, default=corpus / "site")
    args = ap.parse_args(argv)
    info = render(args.src, args.out)
    msg = (f"rendered {info['posts']} articles in {info['categories']} categories to {args.out}")
    if not info["duplicate"]:
        msg += f" (no {DUPLICATE_SOURCE}.md yet: syndicated duplicate skipped)"
    print(msg)
    return 0


if __name__ == "__main__":
    sys.exit(main())
