"""The command line, end to end with the fake embedder."""

from __future__ import annotations

import json

from relatedposts.config import Settings
from relatedposts.settings_doc import markdown_table
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


def test_settings_lists_every_setting_with_its_value(runner, tmp_path) -> None:
    rows = json.loads(runner("settings", "--json", RELATEDPOSTS_FUSION="rrf").output)
    fusion = next(r for r in rows if r["name"] == "fusion")
    assert fusion == {"name": "fusion", "env": "RELATEDPOSTS_FUSION", "default": "weighted",
                      "value": "rrf", "help": fusion["help"],
                      "allowed": "one of `weighted`, `rrf`, `dense`, `bm25`"}
    assert "rrf" in fusion["help"]
    assert len(rows) == len(Settings.__dataclass_fields__)
    text = runner("settings", RELATEDPOSTS_FUSION="rrf").output
    assert "RELATEDPOSTS_FUSION = 'weighted'  (now 'rrf')" in text
    assert "RELATEDPOSTS_MAX_LIMIT = '50'\n" in text  # unchanged: no "(now ...)"
    readme = tmp_path / "README.md"
    readme.write_text("intro\n<!-- settings-table:start -->\nold\n<!-- settings-table:end -->\n"
                      "outro\n")
    assert runner("settings", "--write-readme", str(readme)).exit_code == 0
    text = readme.read_text()
    assert "\nold\n" not in text and "| `RELATEDPOSTS_FUSION` | `weighted` |" in text
    assert text.startswith("intro\n") and text.endswith("-->\noutro\n")
    assert runner("settings", "--markdown").output.strip() == markdown_table()
