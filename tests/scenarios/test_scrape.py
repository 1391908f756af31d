"""Scraping local directories and a real HTTP site; bad pages are skipped with reasons."""

from __future__ import annotations

import json

from relatedposts.ingest.crawl import scrape
from relatedposts.ingest.store import read_corpus
from tests.support import OTHERSITE, ROOT


def test_local_directory_of_sample_site(settings) -> None:
    report = scrape([str(ROOT / "corpus/site")], settings)
    urls = {a.url for a in report.articles}
    assert len(report.articles) >= 40
    assert "https://www.summitspinecare.example/blog/conditions-that-can-cause-sciatica/" in urls
    # Listing and category pages are skipped, each with a reason.
    assert report.failures and all("not an article" in f.reason for f in report.failures)
    records = list(settings.corpus_dir.glob("*.json"))
    assert len(records) == len(report.articles)
    assert read_corpus(settings.corpus_dir)[0].sections
    # Its bullet lists stay lists (issue 25), never "bladder control Loss of bowel control".
    flags = next(a for a in report.articles if "back-pain-red-flags" in a.url)
    assert ("loss of bladder control\n- Loss of bowel control\n- Sexual dysfunction"
            in flags.body)


def test_http_site_from_sitemap_index_skips_bad_pages(settings, site_server) -> None:
    base = site_server(OTHERSITE)
    report = scrape([f"{base}/sitemap_index.xml"], settings)
    titles = sorted(a.title for a in report.articles)
    assert len(titles) == 6
    assert "Staying Active With Sciatica" in titles
    reasons = {f.url.rsplit("/", 1)[-1]: f.reason for f in report.failures}
    assert reasons["old-page-that-was-deleted.html"] == "HTTP 404"
    assert "not HTML" in reasons["brochure.pdf"]
    assert "not the site's own origin" in reasons["a.html"]
    article = next(a for a in report.articles if a.title == "Staying Active With Sciatica")
    assert article.url == f"{base}/posts/staying-active-with-sciatica.html"
    assert "Keep Reading" not in article.body
    assert "225 Millrace Square" not in article.body
    assert article.date == "2024-07-16"


def test_url_list_file_and_single_page(settings, site_server, tmp_path) -> None:
    base = site_server(OTHERSITE)
    listing = tmp_path / "urls.txt"
    listing.write_text(f"# pages\n{base}/posts/there-is-no-perfect-posture.html\n"
                       f"{base}/posts/nope.html\n")
    report = scrape([str(listing)], settings)
    assert [a.title for a in report.articles] == ["There Is No Perfect Posture"]
    assert [f.reason for f in report.failures] == ["HTTP 404"]


def test_missing_source_is_reported_not_raised(settings) -> None:
    report = scrape(["/no/such/dir"], settings)
    assert report.articles == []
    assert "source not found" in report.failures[0].reason


def test_prune_removes_records_of_pages_gone_from_the_site(settings, site_server) -> None:
    base = site_server(OTHERSITE)
    scrape([f"{base}/sitemap_index.xml"], settings)
    assert len(list(settings.corpus_dir.glob("*.json"))) == 6
    report = scrape([f"{base}/posts/stiff-hips-and-back-pain.html"], settings, prune=True)
    assert report.removed == 5
    records = [json.loads(p.read_text()) for p in settings.corpus_dir.glob("*.json")]
    assert [r["title"] for r in records] == ["Why Stiff Hips Can Cause Back Pain"]
