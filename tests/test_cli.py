"""The command line, end to end with the fake embedder."""

from __future__ import annotations

import json

from click.testing import CliRunner

from relatedposts.cli import main
from tests.conftest import FIXTURES

OTHERSITE = FIXTURES / "othersite"


def _run(settings, *args: str):
    env = {"RELATEDPOSTS_CORPUS_DIR": str(settings.corpus_dir),
           "RELATEDPOSTS_INDEX_DIR": str(settings.index_dir), "RELATEDPOSTS_EMBEDDER": "fake"}
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def test_scrape_build_search_related_over_http(settings, site_server) -> None:
    base = site_server(OTHERSITE)
    result = _run(settings, "scrape", f"{base}/sitemap_index.xml")
    assert result.exit_code == 0, result.output
    assert "wrote 6 articles" in result.output and "HTTP 404" in result.output
    result = _run(settings, "build")
    assert result.exit_code == 0, result.output
    assert "6 articles" in result.output
    result = _run(settings, "search", "sciatica staying active", "--json")
    hits = json.loads(result.output)["results"]
    assert hits[0]["title"] == "Staying Active With Sciatica"
    result = _run(settings, "related", f"{base}/posts/staying-active-with-sciatica.html")
    assert result.exit_code == 0
    assert result.output.startswith("You Might Also Enjoy")
    assert result.output.count("\n1. ") + result.output.count("\n5. ") == 2


def test_errors_are_one_line_and_exit_nonzero(settings) -> None:
    result = _run(settings, "search", "back pain")
    assert result.exit_code == 1
    assert result.output.strip().startswith("error: no index built yet")
    result = _run(settings, "build")
    assert result.exit_code == 1 and "does not exist" in result.output


def test_scrape_with_nothing_usable_exits_2(settings) -> None:
    result = _run(settings, "scrape", "/no/such/place")
    assert result.exit_code == 2
    assert "source not found" in result.output
