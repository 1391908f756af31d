"""Warm-up: a serving worker builds the model and the search lookups before visitors ask."""

from __future__ import annotations

import dataclasses
import logging
import time

from relatedposts.config import Settings
from relatedposts.indexing.build import build_index
from relatedposts.indexing.embedders import FakeEmbedder
from relatedposts.live.service import Service
from relatedposts.live.warmup import keep_warm, warm
from relatedposts.web.context import get_service
from relatedposts.web.worker import build_app
from tests.support import TINY, make_article


class CountingFactory:
    """Stands in for make_embedder: counts model loads."""

    def __init__(self) -> None:
        self.loads = 0

    def __call__(self, settings: Settings, build: bool = False) -> FakeEmbedder:
        self.loads += 1
        return FakeEmbedder()


def _postings_built(service: Service) -> bool:
    return service.live.searcher._passages._postings is not None


def test_a_warmed_service_has_its_model_and_postings_before_any_search(built, monkeypatch):
    factory = CountingFactory()
    monkeypatch.setattr("relatedposts.live.service.make_embedder", factory)
    service = Service(built)
    service.reload()
    assert not service.model_loaded and not _postings_built(service)
    assert keep_warm(service) is not None
    assert factory.loads == 1 and _postings_built(service)
    assert service.live.suggester  # search-as-you-type's completions are built too
    service.search("sciatica")
    assert factory.loads == 1  # the visitor's search loaded nothing


def test_each_reloaded_version_is_warmed_in_the_background(built) -> None:
    service = Service(built, FakeEmbedder())
    service.reload()
    keep_warm(service)
    build_index([*TINY, make_article("new-post", "A New Post", "Brand new words. " * 30)],
                FakeEmbedder(), built)
    service.reload()
    deadline = time.monotonic() + 10
    while not _postings_built(service) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert _postings_built(service) and len(service.live.data.articles) == len(TINY) + 1


def test_warming_without_an_index_does_nothing(settings) -> None:
    service = Service(settings, FakeEmbedder())
    assert not service.try_reload()
    assert warm(service) is None


def test_a_failing_warm_up_is_logged_and_serving_goes_on(built, caplog) -> None:
    class Broken(FakeEmbedder):
        def encode(self, texts):  # type: ignore[no-untyped-def]
            raise RuntimeError("model file unreadable")

    service = Service(built, Broken())
    service.reload()
    with caplog.at_level(logging.WARNING):
        assert warm(service) is None
    assert "warm-up search failed: model file unreadable" in caplog.text
    assert service.related(TINY[0].url)[1]  # lookups still answer


def test_serve_warms_each_worker_unless_told_not_to(built) -> None:
    warmed = get_service(build_app(built, workers=1))
    assert warmed.model_loaded and _postings_built(warmed)
    cold = get_service(build_app(built.replace(serve_warm_up=False), workers=1))
    assert not cold.model_loaded and not _postings_built(cold)


def test_serve_with_a_sites_file_loads_the_shared_model_before_ready(multi) -> None:
    from relatedposts.web.context import get_registry

    registry = get_registry(build_app(multi, workers=1))
    assert registry is not None and registry.embedder().loaded
    assert not registry._loaded  # the sites themselves still load on first use
    cold = get_registry(build_app(multi.replace(serve_warm_up=False), workers=1))
    assert cold is not None and not cold.embedder().loaded


def test_a_failing_model_warm_up_is_logged_and_the_sites_still_answer(multi, caplog) -> None:
    from relatedposts.live.sites import SiteRegistry
    from relatedposts.live.warmup import warm_model

    class Broken(FakeEmbedder):
        def encode(self, texts):  # type: ignore[no-untyped-def]
            raise RuntimeError("model file unreadable")

    registry = SiteRegistry(multi, Broken())
    with caplog.at_level(logging.WARNING):
        assert warm_model(registry) is None
    assert "warm-up of the model failed: model file unreadable" in caplog.text
    assert registry.get("summit").related(TINY[0].url.replace(
        "https://clinic.example", "https://summit.example"))[1]


def test_a_site_of_a_sites_file_warms_each_version_it_reloads_to(multi) -> None:
    from relatedposts.sites import settings_for
    from relatedposts.web.context import get_registry
    from tests.support import SUMMIT, summit_articles

    registry = get_registry(build_app(multi, workers=1))
    assert registry is not None
    site = registry.get("summit")
    assert site.on_reload is not None  # set as the site loaded
    new = make_article("new-post", "A New Post", "Brand new words. " * 30)
    new = dataclasses.replace(new, url=new.url.replace("https://clinic.example", SUMMIT))
    build_index([*summit_articles(), new], FakeEmbedder(), settings_for(multi, "summit"))
    site.reload()
    deadline = time.monotonic() + 10
    while not _postings_built(site) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert _postings_built(site) and len(site.live.data.articles) == len(summit_articles()) + 1
