"""Extraction on fixture pages of several layouts: chrome and related blocks removed."""

from __future__ import annotations

import json

import pytest

from relatedposts.errors import ExtractError
from relatedposts.ingest.extract import extract
from tests.support import FIXTURES, ROOT

PAGES = FIXTURES / "pages"
EXPECTED = json.loads((PAGES / "expected.json").read_text("utf-8"))


@pytest.mark.parametrize("name", sorted(k for k in EXPECTED if not k.startswith("_")))
def test_fixture_page_fields_and_clean_body(name: str) -> None:
    exp = EXPECTED[name]
    article = extract((PAGES / f"{name}.html").read_bytes(), exp["fetched_from"])
    assert article.url == (exp["url"] or exp["fetched_from"])
    assert article.title == exp["title"]
    assert article.date == exp["date"]
    assert article.summary.startswith(exp["summary_startswith"])
    assert article.image == exp["image"]
    assert list(article.tags) == exp["tags"]
    assert [s.heading for s in article.sections] == exp["headings"]
    text = " ".join(s.heading + " " + s.text for s in article.sections)
    for phrase in exp["must_contain"]:
        assert phrase in text, phrase
    for phrase in exp["must_not_contain"]:
        assert phrase not in text, phrase


def test_sample_site_page_drops_chrome_and_related_block() -> None:
    page = ROOT / "corpus/site/blog/what-your-back-spasms-are-trying-to-tell-you/index.html"
    article = extract(page.read_bytes(), page.as_uri())
    assert article.url.endswith("/blog/what-your-back-spasms-are-trying-to-tell-you/")
    assert article.title == "What Your Back Spasms Are Trying To Tell You"
    assert article.date == "2024-02-12"
    assert article.image and article.image.endswith(".svg")
    assert "back spasms" in article.tags
    body = article.body
    assert "You Might Also Enjoy" not in body
    assert "cookies" not in body.lower()
    assert "Book Appointment" not in body
    # No other post's title leaks in through the related block or the sidebar.
    assert "Who Benefits From Spinal Fusion?" not in body
    assert len(article.sections) >= 3


@pytest.mark.parametrize("name, reason", [
    ("empty.html", "no body text"),
    ("listing.html", "listing"),
])
def test_pages_that_are_not_articles_are_refused_with_a_reason(name: str, reason: str) -> None:
    # Without og:type the content itself must give the page away.
    html = (PAGES / name).read_text("utf-8").replace('property="og:type"', 'property="x"')
    with pytest.raises(ExtractError, match=reason):
        extract(html, "https://clinic.example/x")


def test_og_type_website_is_not_an_article() -> None:
    with pytest.raises(ExtractError, match="og:type=website"):
        extract((PAGES / "listing.html").read_bytes(), "https://clinic.example/x")


def test_garbage_input_is_refused_not_crashing() -> None:
    with pytest.raises(ExtractError):
        extract(b"\x00\xff\xfe not html at all", "https://clinic.example/bin")


BODY = "<p>Most back pain gets better within weeks when you stay gently active.</p>"


@pytest.mark.parametrize("head, h1, title, warned", [
    ("<title>| Summit Spine Care</title><meta property='og:site_name' "
     "content='Summit Spine Care'><meta property='og:title' content='Heat or ice?'>", "",
     "Heat or ice?", "took og:title"),
    ("<title>Summit Spine Care</title><meta property='og:site_name' "
     "content='Summit Spine Care'>", "<h1>Heat or ice?</h1>", "Heat or ice?", "took the <h1>"),
    ("<title>Summit Spine Care</title><meta property='og:site_name' "
     "content='Summit Spine Care'>", "<h1></h1><h2>Heat or ice?</h2>", "Heat or ice?",
     "took the first heading"),
    ("<title></title>", "<h1> </h1>",
     "Most back pain gets better within weeks when you stay gently active", "first sentence"),
    ("<title>Heat or ice? :: Summit Spine Care</title><meta property='og:site_name' "
     "content='Summit Spine Care'>", "", "Heat or ice?", None),
])
def test_titles_that_are_only_the_site_name_fall_back(head: str, h1: str, title: str,
                                                      warned: str | None) -> None:
    from relatedposts.ingest.extract import extract_page

    page = extract_page(f"<html><head>{head}</head><body><main>{h1}{BODY}</main></body>"
                        "</html>", "https://clinic.example/blog/x/")
    assert page.article.title == title
    if warned is None:
        assert page.warnings == ()
    else:
        assert len(page.warnings) == 1 and warned in page.warnings[0]
