"""Related lists: near duplicates, the recent-posts fallback, recency decay, no self or repeats,
bad input (one, two, empty or identical articles) and the in-degree cap."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from relatedposts.indexing import index as idx
from relatedposts.indexing.build import build_index
from relatedposts.indexing.embedders import FakeEmbedder
from relatedposts.indexing.reasons import FALLBACK
from relatedposts.indexing.related import ALL_COPIES, ONLY_ARTICLE, compute_related
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


def _plain(slug: str, text: str, title: str | None = None) -> Article:
    return Article(url=URL.format(slug), title=title or slug.title(), date="2024-01-01",
                   sections=(Section("", text),) if text else ())


def test_one_article_has_an_empty_list_that_says_why(settings) -> None:
    rel = compute_related([_plain("only", "Sciatica is leg pain.")], np.eye(1, 4, dtype=np.float32),
                          settings)
    assert rel.ids.shape == (1, 1) and rel.ids[0, 0] == -1
    assert rel.notes == {0: ONLY_ARTICLE}


def test_two_articles_recommend_each_other(settings) -> None:
    arts = [_plain("a", "Sciatica is leg pain."), _plain("b", "Knee pain in runners.")]
    rel = compute_related(arts, np.eye(2, 4, dtype=np.float32), settings)
    assert rel.ids.tolist() == [[1], [0]] and rel.notes == {}


def test_articles_without_text_still_get_lists(settings) -> None:
    arts = [_plain("empty-1", "", "Back pain"), _plain("empty-2", "", "Neck pain"),
            *[_plain(f"p{k}", f"Post {k} about back pain and neck pain.") for k in range(6)]]
    vectors = np.random.default_rng(1).normal(size=(8, 16)).astype(np.float32)
    rel = compute_related(arts, vectors, settings)
    assert rel.duplicates == []  # two empty bodies are not the same text
    assert (rel.ids[:, :5] >= 0).all() and rel.notes == {}


def test_all_identical_articles_say_they_are_all_copies(settings) -> None:
    arts = [_plain(f"same-{k}", "The very same text about sciatica.", "Sciatica")
            for k in range(4)]
    rel = compute_related(arts, np.ones((4, 8), np.float32), settings)
    assert rel.duplicates == [[0, 1, 2, 3]]
    assert (rel.ids == -1).all() and rel.notes == dict.fromkeys(range(4), ALL_COPIES)


def test_no_post_leads_more_lists_than_the_cap(settings) -> None:
    # A hub: one vector near every other, the rest spread out.
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(40, 8)).astype(np.float32)
    vectors[0] = vectors[1:].mean(axis=0) * 5
    arts = [_plain(f"p{k}", f"text number {k} of the blog") for k in range(40)]
    # Plain (uncentred) vectors: centring, the default, already keeps this hub out of most
    # lists (test_related_passages), and the cap must hold whatever the views.
    plain = settings.replace(related_dense_weight=1.0, related_centred_weight=0.0,
                             related_passage_centring=0.0)
    free = compute_related(arts, vectors, plain.replace(related_max_in_degree=0))
    capped = compute_related(arts, vectors, plain.replace(related_max_in_degree=5))
    assert int((free.ids[:, :5] == 0).sum()) > 5
    assert int((capped.ids[:, :5] == 0).sum()) <= 5
    assert (capped.ids[:, :5] >= 0).all()  # the others' lists stay full
