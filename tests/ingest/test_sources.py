"""A crawl's sources before any fetch: URL list files expanded, the web origins it may visit."""

from __future__ import annotations

from relatedposts.ingest.sources import read_url_lists, web_origins


def test_a_url_list_file_is_replaced_by_its_urls(tmp_path) -> None:
    listing = tmp_path / "urls.txt"
    listing.write_text("# the clinic's posts\nhttps://a.example/one/\n\n  https://a.example/two/\n")
    page = tmp_path / "page.html"
    page.write_text("<p>x</p>")
    assert read_url_lists([str(listing), str(page), "https://b.example/"]) == [
        "https://a.example/one/", "https://a.example/two/", str(page), "https://b.example/"]


def test_only_web_sources_give_origins(tmp_path) -> None:
    origins = web_origins(["https://a.example/sitemap.xml", str(tmp_path), "file:///x.html",
                           "wp+https://b.example/blog/"])
    assert len(origins) == 2 and origins[0].startswith("https://a.example")
    assert "b.example" in origins[1]
