"""Related lists: near duplicates, the recent-posts fallback, recency decay, no self or repeats."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from relatedposts.indexing import index as idx
from relatedposts.indexing.build import build_index
from relatedposts.indexing.embedders import FakeEmbedder
from relatedposts.indexing.reasons import FALLBACK
from relatedposts.indexing.related import compute_related
from relatedposts.indexing.versions import current_version
from relatedposts.live.service import Service
from relatedposts.models import Article, Section
from tests.support import TINY, URL


def _service(settings) -> Service:
    service = Service(settings, FakeEmbedder())
    service.reload()
    return service


def _related_urls(service: Service, slug: str, limit: int = 5) -> list[str]:
    return [p.url for p in service.related(URL.format(slug), limit)[1]]


def test_near_duplicates_never_shown_for_each_other_or_together(settings) -> None:
    copy = replace(TINY[0], url=URL.format("sciatica-copy"), title="Sciatica (syndicated)")
    build_index([*TINY, copy], FakeEmbedder(), settings)
    service = _service(settings)
    data = service.live.data
    groups = [{data.articles[i].url for i in g} for g in data.related.duplicates]
    assert groups == [{URL.format("sciatica"), URL.format("sciatica-copy")}]
    assert URL.format("sciatica-copy") not in _related_urls(service, "sciatica", 7)
    assert URL.format("sciatica") not in _related_urls(service, "sciatica-copy", 7)
    for slug in ("neck", "stenosis", "spasms", "fusion"):
        urls = _related_urls(service, slug, 7)
        # Only the original is recommended; the copy (same date, later URL) never is.
        assert URL.format("sciatica-copy") not in urls


def test_never_empty_fills_with_recent_posts_marked_fallback(client, app) -> None:
    service = app.extensions["relatedposts"]
    data = service.live.data
    strict = compute_related(data.articles, data.article_vectors,
                             service.settings.replace(related_min_score=0.99))
    assert (strict.flags[:, :5] == FALLBACK).all()
    data.related = strict
    body = client.get(f"/api/related?url={URL.format('sciatica')}").get_json()
    assert len(body["results"]) == 5 and all(r["fallback"] for r in body["results"])
    dates = [r["date"] for r in body["results"]]
    assert dates == sorted(dates, reverse=True)


def _pair_articles() -> list[Article]:
    def art(slug: str, date: str, text: str) -> Article:
        return Article(url=URL.format(slug), title=slug, date=date,
                       sections=(Section("", text),))
    return [art("a", "2025-01-01", "alpha beta gamma"), art("old", "2015-01-01",
                                                              "delta epsilon zeta"),
            art("new", "2025-06-01", "eta theta iota")] + [
        art(f"far{i}", "2020-01-01", f"unrelated words {i}") for i in range(3)]


def test_recency_decay_prefers_newer_posts_when_enabled(settings) -> None:
    vectors = np.array([[1, 0, 0], [0.6, 0.8, 0], [0.6, 0, 0.8]], dtype=np.float32)
    # Make the old post slightly more similar, so only decay can put the new one first.
    vectors[1] = [0.62, 0.78, 0]
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    # Antipodes keep the corpus mean at zero, so centering leaves the geometry alone.
    vectors = np.vstack([vectors, -vectors])
    base = settings.replace(related_min_score=-1.0, related_tag_weight=0.0,
                            related_lexical_weight=0.0)
    plain = compute_related(_pair_articles(), vectors, base)
    decayed = compute_related(_pair_articles(), vectors,
                              base.replace(related_half_life_days=365.0))
    assert list(plain.ids[0][:2]) == [1, 2]
    assert list(decayed.ids[0][:2]) == [2, 1]


def test_related_lists_never_hold_self_or_duplicates(built) -> None:
    data = idx.load(current_version(built.index_dir))
    for i, row in enumerate(data.related.ids):
        ids = [int(j) for j in row if j >= 0]
        assert i not in ids
        assert len(ids) == len(set(ids))
        assert len(ids) == len(TINY) - 1
