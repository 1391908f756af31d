"""The lazy embedder: the model loads on the first search only, and one that does not match
the index is refused then.
"""

from __future__ import annotations

import pytest

from relatedposts.config import Settings
from relatedposts.errors import IndexFormatError
from relatedposts.indexing.embedders import FakeEmbedder
from relatedposts.live.service import Service
from tests.support import TINY


class CountingFactory:
    """Stands in for make_embedder: counts how often the model would be loaded."""

    def __init__(self, embedder) -> None:
        self.embedder, self.loads = embedder, 0

    def __call__(self, settings, build: bool = False):
        self.loads += 1
        return self.embedder


def test_the_model_loads_on_the_first_search_only(built, monkeypatch) -> None:
    factory = CountingFactory(FakeEmbedder())
    monkeypatch.setattr("relatedposts.live.service.make_embedder", factory)
    service = Service(built)
    service.reload()
    service.related(TINY[0].url)
    service.find_article(TINY[2].url)
    assert factory.loads == 0 and not service.model_loaded
    service.search("sciatica")
    service.search("neck pain")
    assert factory.loads == 1 and service.model_loaded


def test_a_model_that_does_not_match_the_index_is_refused_at_first_search(built,
                                                                          monkeypatch) -> None:
    factory = CountingFactory(FakeEmbedder(name="another-model"))
    monkeypatch.setattr("relatedposts.live.service.make_embedder", factory)
    service = Service(built)
    service.reload()
    assert service.related(TINY[0].url)[1]  # lookups do not care which model is configured
    with pytest.raises(IndexFormatError, match="built with model 'fake-hash-64'"):
        service.search("sciatica")
    wrong_dim = CountingFactory(FakeEmbedder(dim=32))
    monkeypatch.setattr("relatedposts.live.service.make_embedder", wrong_dim)
    with pytest.raises(IndexFormatError, match="dimension 64"):
        _search(built)


def _search(settings: Settings) -> None:
    service = Service(settings)
    service.reload()
    service.search("sciatica")
