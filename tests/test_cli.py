"""The command line, end to end with the fake embedder."""

from __future__ import annotations

import json

from tests.support import OTHERSITE


def test_scrape_build_search_related_over_http(runner, site_server) -> None:
    base = site_server(OTHERSITE)
    result = runner("scrape", f"{base}/sitemap_index.xml")
    assert result.exit_code == 0, result.output
    assert "wrote 6 articles" in result.output and "HTTP 404" in result.output
    result = runner("build")
    assert result.exit_code == 0, result.output
    assert "6 articles" in result.output
    result = runner("search", "sciatica staying active", "--json")
    hits = json.loads(result.output)["results"]
    assert hits[0]["title"] == "Staying Active With Sciatica"
    result = runner("related", f"{base}/posts/staying-active-with-sciatica.html")
    assert result.exit_code == 0
    assert result.output.startswith("You Might Also Enjoy")
    assert result.output.count("\n1. ") + result.output.count("\n5. ") == 2


def test_errors_are_one_line_and_exit_nonzero(runner) -> None:
    result = runner("search", "back pain")
    assert result.exit_code == 1
    assert result.output.strip().startswith("error: no index built yet")
    result = runner("build")
    assert result.exit_code == 1 and "does not exist" in result.output


def test_scrape_with_nothing_usable_exits_2(runner) -> None:
    result = runner("scrape", "/no/such/place")
    assert result.exit_code == 2
    assert "source not found" in result.output
