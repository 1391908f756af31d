"""Search curation: pins first in the editor's order, hides gone, exact normalised queries."""

from __future__ import annotations

import json

from relatedposts.indexing.build import build_index
from relatedposts.indexing.embedders import FakeEmbedder
from relatedposts.live.service import Service
from relatedposts.models import Article, Section
from relatedposts.search import Filters
from tests.support import SCIATICA, TINY, URL

LIFTING, SLEEP, NECK = URL.format("lifting"), URL.format("sleep"), URL.format("neck")


RED_FLAGS = Article(URL.format("red-flags"), "Back pain red flags",
                    (Section("", "Loss of bladder control with back pain needs urgent care."),),
                    date="2024-03-01")


def _service(settings, tmp_path, rules: dict, articles=TINY) -> Service:
    path = tmp_path / "overrides.json"
    path.write_text(json.dumps({"search": rules}))
    build_index(articles, FakeEmbedder(), settings.replace(overrides_file=path))
    service = Service(settings.replace(overrides_file=path), FakeEmbedder())
    service.reload()
    return service


def _urls(service: Service, query: str, **kwargs) -> list[str]:
    return [h.url for h in service.search(query, 10, **kwargs).results]


def test_pins_come_first_in_order_and_hides_are_gone(settings, tmp_path) -> None:
    service = _service(settings, tmp_path, {"leg pain": {"pin": [SLEEP, LIFTING],
                                                         "hide": [SCIATICA]}})
    plain = service.search("sciatica leg pain", 10)
    page = service.search("  LEG   Pain ", 10)
    urls = [h.url for h in page.results]
    assert urls[:2] == [SLEEP, LIFTING]
    assert SCIATICA not in urls and len(urls) == len(set(urls))
    assert page.total == len(urls)  # pins answer; the hidden one is not counted
    assert SCIATICA in [h.url for h in plain.results]  # another query: no rule
    assert _urls(service, "leg pain", offset=1)[0] == LIFTING  # paging over the curated list


def test_filters_still_apply_to_pins(settings, tmp_path) -> None:
    service = _service(settings, tmp_path, {"leg pain": {"pin": [SLEEP, NECK]}})
    urls = _urls(service, "leg pain", filters=Filters(tag="posture"))
    assert urls[0] == NECK and SLEEP not in urls


def test_rank_applies_the_rules_too(settings, tmp_path) -> None:
    service = _service(settings, tmp_path, {"leg pain": {"pin": [SLEEP], "hide": [SCIATICA]}})
    searcher = service.live.searcher
    _, order = searcher.rank("leg pain")
    urls = [searcher.data.articles[int(a)].url for a in order]
    assert urls[0] == SLEEP and SCIATICA not in urls


def test_an_urgent_querys_red_flag_article_stays_before_pins(settings, tmp_path) -> None:
    rule = {"i lost bladder control": {"pin": [SLEEP]}}
    service = _service(settings, tmp_path, rule, [*TINY, RED_FLAGS])
    page = service.search("I lost bladder control", 10)
    assert page.urgent is not None
    assert [h.url for h in page.results][:2] == [RED_FLAGS.url, SLEEP]
    # Without a red-flag article, the pin leads an urgent query too.
    service = _service(settings, tmp_path, rule)
    assert service.search("I lost bladder control", 10).results[0].url == SLEEP
