"""Issue 25: lists kept as lists, on markup written to break them. Pages are strings."""

from __future__ import annotations

import time

from relatedposts.indexing.chunk import chunk_article
from relatedposts.ingest.extract import extract
from relatedposts.lists import list_items
from relatedposts.search.snippet import make_snippet
from relatedposts.text import stems

URL = "http://127.0.0.1:9/lists.html"
LEAD = "<p>Gentle walking helps most people with back pain recover sooner, doctors say.</p>"


def _page(body: str) -> str:
    return (f"<html><head><title>Lists</title></head><body><article><h1>Lists</h1>{LEAD}"
            f"{body}</article></body></html>")


def _lists(article) -> list[str]:
    return [p for s in article.sections for p in s.text.split("\n\n") if list_items(p)]


def test_ten_thousand_items_extract_and_chunk_in_bounded_time() -> None:
    items = "".join(f"<li>Exercise number {n} for the lower back</li>" for n in range(10_000))
    start = time.process_time()
    article = extract(_page(f"<p>Try these:</p><ul>{items}</ul>"), URL)
    chunks = chunk_article(article, 0, max_words=150)
    assert time.process_time() - start < 20.0  # a bound, not a benchmark
    (listed,) = _lists(article)
    assert len(listed.split("\n")) == 10_000
    assert all(len(c.text.split()) <= 151 for c in chunks)
    assert "Exercise number 9999 for the lower back" in chunks[-1].text


def test_lists_nested_five_hundred_deep_do_not_recurse_or_indent_forever() -> None:
    html = _page("<ul><li>level" * 500 + "</li></ul>" * 500)
    start = time.process_time()
    article = extract(html, URL)
    chunk_article(article, 0)
    assert time.process_time() - start < 10.0
    (listed,) = _lists(article)
    assert max(len(line) - len(line.lstrip()) for line in listed.split("\n")) <= 12


def test_an_item_outside_any_list_is_still_an_item() -> None:
    article = extract(_page("<li>Loss of bladder control</li><li>Loss of bowel control</li>"),
                      URL)
    assert _lists(article) == ["- Loss of bladder control\n- Loss of bowel control"]


def test_a_list_inside_a_table_cell_keeps_its_items() -> None:
    html = _page("<table><tr><td>Red flags</td><td><ul><li>Fever</li><li>Numb groin</li>"
                 "</ul></td></tr></table>")
    article = extract(html, URL)
    assert _lists(article) == ["- Fever\n- Numb groin"]


def test_empty_and_invisible_items_are_dropped() -> None:
    html = _page("<ul><li></li><li>   </li><li>\u200b\u200c\ufeff \u2060</li><li>Rest</li>"
                 "<li>&nbsp;</li><li>Walk</li></ul>")
    assert _lists(extract(html, URL)) == ["- Rest\n- Walk"]


def test_a_list_under_a_related_posts_heading_is_still_stripped() -> None:
    html = _page("<p>Keep moving through the day.</p><div class='wrap'><h3>Related posts</h3>"
                 "<ul><li>Sciatica stretches that help</li><li>Posture at the desk</li></ul>"
                 "</div>")
    article = extract(html, URL)
    assert "Sciatica stretches" not in article.body and not _lists(article)


def test_markup_in_items_never_reaches_the_stored_text_or_snippet() -> None:
    html = _page("<ul><li>&lt;script&gt;alert(1)&lt;/script&gt; pain</li><li><b>Bold</b> "
                 "pain</li></ul>")
    article = extract(html, URL)
    (listed,) = _lists(article)
    chunk = chunk_article(article, 0)[0]
    snippet = make_snippet(chunk.text, set(stems(["pain"])))
    assert "<script>" not in snippet and "&lt;script&gt;" in snippet
    assert "<mark>pain</mark>; Bold <mark>pain</mark>" in snippet
