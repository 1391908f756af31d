"""decode_html accepts only text encodings, whatever the header or <meta> names."""

from __future__ import annotations

import pytest

from relatedposts.ingest.charset import decode_html
from relatedposts.ingest.crawl import scrape

PAGE = ("<html><head><title>Sciatica {n}</title>{meta}</head><body><article><h1>Sciatica {n}"
        "</h1><p>{body}</p></article></body></html>")
BODY = "Leg pain that runs below the knee is often sciatica and settles with care. " * 8
BAD = ["rot13", "rot_13", "base64", "hex", "zlib", "idna", "bz2", "uu", "quopri", "punycode",
       "unicode_escape", "utf-7", "x-user-defined", "raw_unicode_escape"]


@pytest.mark.parametrize("label", BAD)
def test_a_non_text_codec_in_the_header_or_meta_is_ignored(label) -> None:
    html = PAGE.format(n=1, meta=f'<meta charset="{label}">', body=BODY).encode()
    for header in (label, None):
        text, used = decode_html(html, header)
        assert used == "utf-8" and "Leg pain" in text


@pytest.mark.parametrize("label, used", [("windows-1251", "cp1251"), ("shift_jis", "shift_jis"),
                                         ("latin1", "cp1252"), ("koi8-r", "koi8-r")])
def test_whatwg_text_encodings_are_still_honoured(label, used) -> None:
    assert decode_html(b"<p>x</p>", label)[1] == used


def test_one_hostile_charset_page_is_skipped_and_the_crawl_goes_on(settings, tmp_path) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    for n, label in enumerate(["utf-8", *BAD[:6]]):
        meta = f'<meta http-equiv="Content-Type" content="text/html; charset={label}">'
        (pages / f"p{n}.html").write_text(PAGE.format(n=n, meta=meta, body=BODY))
    report = scrape([str(pages)], settings)
    assert len(report.articles) == 7, report.failures


def test_an_unexpected_error_on_one_page_is_reported_not_raised(settings, tmp_path,
                                                                monkeypatch) -> None:
    import relatedposts.ingest.crawl as crawl

    pages = tmp_path / "pages"
    pages.mkdir()
    for n in range(3):
        (pages / f"p{n}.html").write_text(PAGE.format(n=n, meta="", body=BODY))
    real = crawl.decode_html

    def flaky(raw, charset):
        if b"Sciatica 1" in raw:
            raise LookupError("a codec nobody expected")
        return real(raw, charset)

    monkeypatch.setattr(crawl, "decode_html", flaky)
    report = scrape([str(pages)], settings)
    assert len(report.articles) == 2
    assert [f.url.rsplit("/", 1)[1] for f in report.failures] == ["p1.html"]
    assert "LookupError" in report.failures[0].reason
