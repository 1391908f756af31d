"""Editor overrides of related lists: pin in order, block, exclude; bad files fail the build."""

from __future__ import annotations

import json

import pytest

from relatedposts.errors import RelatedPostsError
from relatedposts.indexing import index as idx
from relatedposts.indexing.build import build_index
from relatedposts.indexing.embedders import FakeEmbedder
from relatedposts.indexing.reasons import PINNED
from relatedposts.indexing.versions import current_version
from relatedposts.live.service import Service
from tests.support import TINY, URL


def _service(settings) -> Service:
    service = Service(settings, FakeEmbedder())
    service.reload()
    return service


def test_overrides_pin_in_order_block_and_exclude(settings, tmp_path) -> None:
    overrides = tmp_path / "overrides.json"
    overrides.write_text(json.dumps({
        "pin": {URL.format("sciatica"): [URL.format("lifting"), "http://www.clinic.example"
                                         "/blog/sleep"]},
        "block": {URL.format("sciatica"): [URL.format("stenosis")]},
        "exclude": [URL.format("neck/")],
        "_comment": "editor notes are allowed",
    }))
    settings = settings.replace(overrides_file=overrides)
    build_index(TINY, FakeEmbedder(), settings)
    service = _service(settings)
    article, posts = service.related(URL.format("sciatica"), 6)
    urls = [p.url for p in posts]
    assert urls[:2] == [URL.format("lifting"), URL.format("sleep")]
    assert posts[0].reason == "Recommended by our editors"
    assert URL.format("stenosis") not in urls
    for a in TINY:
        assert URL.format("neck") not in [p.url for p in service.related(a.url, 6)[1]]
    assert service.live.data.manifest.settings["overrides"]["pinned"] == 2


@pytest.mark.parametrize("payload, message", [
    ("[1, 2]", "expected a JSON object"), ('{"pins": {}}', "unknown keys"),
    ('{"pin": {"a": "b"}}', "list of URLs"), ("{nope", "not valid JSON"),
])
def test_malformed_overrides_fail_the_build_clearly(settings, tmp_path, payload, message):
    bad = tmp_path / "overrides.json"
    bad.write_text(payload)
    with pytest.raises(RelatedPostsError, match=message):
        build_index(TINY, FakeEmbedder(), settings.replace(overrides_file=bad))


def test_unknown_override_urls_are_warnings_not_errors(settings, tmp_path) -> None:
    path = tmp_path / "overrides.json"
    path.write_text(json.dumps({"exclude": ["https://clinic.example/blog/gone/"]}))
    result = build_index(TINY, FakeEmbedder(), settings.replace(overrides_file=path))
    assert "gone" in result.manifest.settings["override_warnings"][0]


def test_pinned_flag_survives_save_and_load(settings, tmp_path) -> None:
    path = tmp_path / "o.json"
    path.write_text(json.dumps({"pin": {URL.format("neck"): [URL.format("fusion")]}}))
    build_index(TINY, FakeEmbedder(), settings.replace(overrides_file=path))
    data = idx.load(current_version(settings.index_dir))
    neck = [a.url for a in data.articles].index(URL.format("neck"))
    assert data.related.flags[neck, 0] == PINNED


def test_search_rules_are_normalised_resolved_and_stored(settings, tmp_path) -> None:
    path = tmp_path / "o.json"
    path.write_text(json.dumps({"search": {"  Ｌｅｇ   PAIN ": {
        "pin": ["http://www.clinic.example/blog/lifting"], "hide": [URL.format("sciatica")]}}}))
    result = build_index(TINY, FakeEmbedder(), settings.replace(overrides_file=path))
    assert result.manifest.settings["search_rules"] == {
        "leg pain": {"pin": [URL.format("lifting")], "hide": [URL.format("sciatica")]}}
    assert result.manifest.settings["overrides"]["search_rules"] == 1


@pytest.mark.parametrize("search, message", [
    ({"back": {"pin": ["https://clinic.example/blog/gone/"]}}, "gone/ is not in the index"),
    ({"back": {"boost": []}}, "'search' must map a query"),
    ({"back": ["x"]}, "'search' must map a query"),
    ({" ": {"pin": []}}, "empty query"),
    ({"Back": {}, "back ": {}}, "the same query"),
    ({"back": {"pin": [URL.format("neck")], "hide": [URL.format("neck")]}}, "both pins"),
])
def test_bad_search_rules_fail_the_build(settings, tmp_path, search, message) -> None:
    path = tmp_path / "o.json"
    path.write_text(json.dumps({"search": search}))
    with pytest.raises(RelatedPostsError, match=message):
        build_index(TINY, FakeEmbedder(), settings.replace(overrides_file=path))
