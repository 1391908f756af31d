"""Issue 24: extraction linear in unclosed inline tags, with a CPU deadline per page and one
per crawl. No network: pages are strings or files."""

from __future__ import annotations

import time

import pytest

from relatedposts.errors import ExtractError
from relatedposts.ingest import blocks
from relatedposts.ingest.crawl import scrape
from relatedposts.ingest.extract import extract, extract_page

TEXT = "Gentle walking helps most people with back pain recover sooner. "
SHAPES = ["<b><i>", "<i>w <b>x ", "<em>w <strong>x ", "<span><font>"]


def _unclosed(shape: str, pairs: int) -> str:
    return (f"<html><head><title>Deep</title></head><body><article><h1>Deep</h1><p>{TEXT * 3}"
            "</p><p>" + shape * pairs + "ok</p></article></body></html>")


@pytest.mark.parametrize("shape", SHAPES)
def test_twenty_thousand_unclosed_inline_pairs_extract_fast(shape) -> None:
    start = time.process_time()
    article = extract(_unclosed(shape, 20_000), "http://127.0.0.1:9/deep.html")
    # A generous bound, not a benchmark: the quadratic step took 99 s for 20,000 pairs.
    assert time.process_time() - start < 10.0
    assert article.title == "Deep" and "walking" in article.body


def test_work_grows_linearly_with_the_nesting(monkeypatch) -> None:
    """Count text walks (get_text): a quadratic pass does one per nested element."""
    calls = {"n": 0}
    real = blocks.Tag.get_text

    def counting(self, *args, **kwargs):
        calls["n"] += 1
        return real(self, *args, **kwargs)

    monkeypatch.setattr(blocks.Tag, "get_text", counting)
    counts = []
    for pairs in (500, 2000):
        calls["n"] = 0
        extract(_unclosed("<b><i>", pairs), "http://127.0.0.1:9/deep.html")
        counts.append(calls["n"])
    assert counts[1] <= counts[0] + 20, counts


def test_a_page_over_its_cpu_budget_is_refused_with_a_reason() -> None:
    html = _unclosed("<i>w <b>x ", 20_000)
    with pytest.raises(ExtractError, match="CPU"):
        extract_page(html, "http://127.0.0.1:9/deep.html", cpu_seconds=0.001)


def test_the_crawl_deadline_skips_what_is_left_and_reports_it(settings, tmp_path) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    for n in range(6):
        (pages / f"p{n}.html").write_text(_unclosed("<b>", 50).replace("Deep", f"Deep {n}"))
    report = scrape([str(pages)], settings.replace(crawl_deadline=1e-6, crawl_concurrency=1))
    assert len(report.articles) < 6
    assert report.failures and all("crawl deadline" in f.reason for f in report.failures)
    assert len(report.articles) + len(report.failures) == 6
