"""The HTML search page with Flask's test client: results, paging, spelling, urgent care,
escaping.
"""

from __future__ import annotations

import re

import pytest

from relatedposts.config import Settings
from relatedposts.indexing.build import build_index
from relatedposts.indexing.embedders import FakeEmbedder
from relatedposts.models import Article, Section
from relatedposts.web.app import create_app
from relatedposts.web.searchpage import safe_snippet, title_match, title_spelling
from tests.support import SCIATICA, TINY, XSS_TITLE

EVIL = Article(
    url="https://clinic.example/blog/evil/", title=XSS_TITLE,
    sections=(Section("", "<script>alert(2)</script> back pain payload text. " * 4),),
    date="2026-01-01", summary="<b onmouseover=alert(3)>summary</b>",
    image="javascript:alert(4)")


def _html(resp, status: int = 200) -> str:
    assert resp.status_code == status
    assert resp.mimetype == "text/html"
    return resp.get_data(as_text=True)


def test_search_page_renders_results_with_marked_snippets(client) -> None:
    page = _html(client.get("/search?q=sciatic nerve leg pain"))
    assert f'<a href="{SCIATICA}">Sciatica and leg pain</a>' in page
    assert re.search(r"Results 1–\d+ of \d+ for “sciatic nerve leg pain”", page)
    assert "<mark>" in page and "No close matches" not in page
    assert 'role="alert"' not in page


def test_search_page_without_query_shows_form_topics_and_recent(client) -> None:
    page = _html(client.get("/search"))
    assert '<label for="q">' in page and 'id="q" type="search" name="q"' in page
    assert "Popular topics" in page and "/search?q=leg+pain" in page
    recent = [page.index(t) for t in ("Sleeping positions", "Back spasms", "Neck pain at")]
    assert recent == sorted(recent) and "Spinal stenosis and walking" not in page


def test_search_page_is_accessible_and_phone_ready(client) -> None:
    resp = client.get("/search?q=back")
    page = _html(resp)
    for needle in ('<html lang="en">', '<meta name="viewport"', "<main id=\"main\"",
                   "<header", "<nav", 'class="skip" href="#main"', ":focus-visible",
                   "@media"):
        assert needle in page, needle
    nonce = re.search(r'<style nonce="([^"]+)">', page).group(1)
    assert f"style-src 'nonce-{nonce}'" in resp.headers["Content-Security-Policy"]


def test_search_page_paging(client) -> None:
    first = _html(client.get("/search?q=pain&limit=2"))
    second = _html(client.get("/search?q=pain&limit=2&offset=2"))
    assert "/search?q=pain&amp;offset=2&amp;limit=2" in first and 'rel="prev"' not in first
    assert "/search?q=pain&amp;limit=2" in second and "/search?q=pain&amp;offset=4" in second
    assert 'start="3"' in second and "Results 3–4 of" in second
    titles = re.compile(r'<h2><a href="([^"]+)"')
    assert not set(titles.findall(first)) & set(titles.findall(second))


def test_search_page_past_the_end_links_back(client) -> None:
    page = _html(client.get("/search?q=pain&offset=500"))
    assert "no more results" in page and 'href="/search?q=pain"' in page


def test_search_page_empty_state_offers_topics_and_recent(client) -> None:
    page = _html(client.get("/search?q=zzqx vvkj"))
    assert "No close matches for “zzqx vvkj”" in page
    assert "Popular topics" in page and "Recent articles" in page
    assert "Sleeping positions for your spine" in page


def test_search_page_suggests_a_spelling(client) -> None:
    page = _html(client.get("/search?q=sciatca"))
    assert 'Did you mean <a href="/search?q=sciatica">sciatica</a>?' in page


def test_spelling_suggestion_from_title_words() -> None:
    assert title_spelling("slepping positons", TINY) == "sleeping positions"
    assert title_spelling("chocolate cake recipe", TINY) is None


def test_spelling_suggestion_leaves_real_words_alone() -> None:
    """A weak page once offered "tailbone pain when quitting" for "... when sitting"."""
    quitting = [Article(url="https://clinic.example/blog/quit/", title="Quitting Smoking Helps "
                        "Your Spine", sections=(Section("", "Smoking slows healing."),))]
    assert title_spelling("pain when sitting", quitting) == "pain when quitting"  # no guard
    assert title_spelling("pain when sitting", quitting, frozenset({"sitting", "pain"})) is None
    sitting = [Article(url="https://clinic.example/blog/sit/", title="Sitting All Day",
                       sections=(Section("", "Stand up often."),))]
    assert title_spelling("pain when siting", sitting, frozenset({"sitting"})) == \
        "pain when sitting"  # a typo is still fixed


def test_title_suggestion_for_a_misspelled_title() -> None:
    assert title_match("spinal stenossis", TINY).url == "https://clinic.example/blog/stenosis/"
    assert title_match("qqqq", TINY) is None and title_match("ab", TINY) is None


@pytest.mark.parametrize("query, urgent", [
    ("back pain and a fever", True), ("cant control my bladder and back pain", True),
    ("lower back pain when sitting", False), ("neck pain from my desk", False)])
def test_urgent_care_notice(client, query: str, urgent: bool) -> None:
    page = _html(client.get("/search", query_string={"q": query}))
    assert ('role="alert"' in page) is urgent
    if urgent:
        assert page.index('role="alert"') < page.index('class="results"')


def test_query_is_escaped(client) -> None:
    page = _html(client.get("/search", query_string={"q": "<script>alert(1)</script>"}))
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.fixture
def evil_client(settings: Settings):
    """A client for an index that also holds an article full of HTML payloads."""
    build_index([*TINY, EVIL], FakeEmbedder(), settings)
    return create_app(settings, embedder=FakeEmbedder()).test_client()


def test_article_html_is_escaped_on_search_and_demo(evil_client) -> None:
    for url in ("/search?q=evil payload back pain", f"/demo?url={EVIL.url}"):
        page = _html(evil_client.get(url))
        assert "&lt;img src=x onerror=alert(1)&gt;" in page, url
        assert "<img" not in page and "<script>alert" not in page and "<b " not in page
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page


def test_safe_snippet_keeps_only_balanced_marks() -> None:
    assert safe_snippet("a &amp; <mark>b</mark> &lt;c&gt;") == "a &amp; <mark>b</mark> &lt;c&gt;"
    assert safe_snippet("<img src=x onerror=alert(1)>") == "&lt;img src=x onerror=alert(1)&gt;"
    assert safe_snippet("</mark>x<mark>y") == "x<mark>y</mark>"
    assert safe_snippet('<mark onclick="z">q</mark>') == "&lt;mark onclick=&quot;z&quot;&gt;q"


@pytest.mark.parametrize("query, message", [
    ("q=" + "a" * 1001, "too long"), ("q=back&offset=-1", "offset"),
    ("q=back&offset=ten", "offset"), ("q=back&limit=0", "limit"), ("q=back&limit=51", "limit")])
def test_bad_search_parameters_get_a_friendly_page(client, query: str, message: str) -> None:
    page = _html(client.get(f"/search?{query}"), 400)
    assert message in page and 'role="search"' in page and "Traceback" not in page
