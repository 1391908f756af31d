"""An editor's search rule end to end: overrides file, build, API and page, report, next version."""

from __future__ import annotations

import json

from relatedposts.indexing.build import build_index
from relatedposts.indexing.embedders import FakeEmbedder
from relatedposts.web.app import create_app, get_service
from tests.support import SCIATICA, TINY, URL

SLEEP, LIFTING = URL.format("sleep"), URL.format("lifting")


def _write(path, rules: dict) -> None:
    path.write_text(json.dumps({"search": rules}))


def test_a_rule_takes_effect_at_the_next_version_and_is_reported(settings, tmp_path,
                                                                  runner) -> None:
    overrides = tmp_path / "overrides.json"
    _write(overrides, {"Sciatica": {"pin": [SLEEP], "hide": [SCIATICA]}})
    settings = settings.replace(overrides_file=overrides)
    build_index(TINY, FakeEmbedder(), settings)
    client = create_app(settings, embedder=FakeEmbedder()).test_client()
    body = client.get("/api/search?q=sciatica").get_json()
    urls = [r["url"] for r in body["results"]]
    assert urls[0] == SLEEP and SCIATICA not in urls and body["curated"] is True
    assert "curated" not in client.get("/api/search?q=sciatica pain").get_json()
    html = client.get("/search?q=SCIATICA").get_data(as_text=True)
    results = html[html.index('class="results"'):]
    assert results.index(SLEEP) < results.index("</li>") and SCIATICA not in html

    out = runner("report", RELATEDPOSTS_OVERRIDES_FILE=str(overrides)).output
    assert f"search rules (pinned first, hidden never listed): 1\n  'sciatica': pin {SLEEP}; " \
           f"hide {SCIATICA}" in out

    _write(overrides, {"sciatica": {"pin": [LIFTING]}})  # the editor changes the rule
    assert client.get("/api/search?q=sciatica").get_json()["results"][0]["url"] == SLEEP
    build_index(TINY, FakeEmbedder(), settings)
    get_service(client.application).reload()
    urls = [r["url"] for r in client.get("/api/search?q=sciatica").get_json()["results"]]
    assert urls[0] == LIFTING and SCIATICA in urls
