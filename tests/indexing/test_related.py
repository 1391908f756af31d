"""Related lists: duplicates, editor overrides, fallback, recency, reasons, caching, report."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace

import numpy as np
import pytest

from relatedposts.errors import RelatedPostsError
from relatedposts.indexing import index as idx
from relatedposts.indexing.build import build_index
from relatedposts.indexing.embedders import FakeEmbedder
from relatedposts.indexing.reasons import FALLBACK, PINNED
from relatedposts.indexing.related import compute_related
from relatedposts.indexing.versions import current_version
from relatedposts.live.service import Service
from relatedposts.models import Article, Section
from tests.support import TINY, URL, make_article


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


def test_reasons_name_what_is_shared(client) -> None:
    body = client.get(f"/api/related?url={URL.format('sciatica')}").get_json()
    stenosis = next(r for r in body["results"] if r["url"] == URL.format("stenosis"))
    assert stenosis["reason"] == "Also about leg pain"
    assert all(r["reason"] for r in body["results"])


def test_related_has_etag_and_cache_headers_and_answers_304(client) -> None:
    url = f"/api/related?url={URL.format('sciatica')}"
    first = client.get(url)
    assert first.headers["ETag"] and "max-age=300" in first.headers["Cache-Control"]
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    other = client.get(url + "&limit=3")
    assert other.headers["ETag"] != first.headers["ETag"]


def test_pinned_flag_survives_save_and_load(settings, tmp_path) -> None:
    path = tmp_path / "o.json"
    path.write_text(json.dumps({"pin": {URL.format("neck"): [URL.format("fusion")]}}))
    build_index(TINY, FakeEmbedder(), settings.replace(overrides_file=path))
    data = idx.load(current_version(settings.index_dir))
    neck = [a.url for a in data.articles].index(URL.format("neck"))
    assert data.related.flags[neck, 0] == PINNED


def _lists(runner, urls: list[str], limit: int) -> dict[str, list[str]]:
    """Return each URL's related list (fallbacks left out) as `related --json` shows it."""
    out = {}
    for url in urls:
        result = runner("related", url, "--limit", str(limit), "--json")
        out[url] = [r["url"] for r in json.loads(result.output)["results"] if not r["fallback"]]
    return out


def test_report_lists_orphans_hubs_and_changes(settings, runner, tmp_path) -> None:
    extra = make_article("whiplash", "Whiplash after a crash", "Whiplash strains the neck.")
    topics = ["knee", "hip", "shoulder", "ankle", "wrist", "elbow", "jaw", "rib", "heel",
              "thumb", "tailbone", "calf"]
    more = [make_article(t, f"{t.title()} pain", f"{t.title()} pain after {t} strain and "
                         f"how {t} exercises help.") for t in topics]
    articles = [*TINY, *more]
    urls = [a.url for a in [*articles, extra]]
    # An excluded post is an orphan; a post pinned into every list is a hub.
    overrides = tmp_path / "overrides.json"
    overrides.write_text(json.dumps({"exclude": [URL.format("lifting")],
                                     "pin": {u: [URL.format("sleep")] for u in urls}}))
    settings = settings.replace(overrides_file=overrides)
    build_index(articles, FakeEmbedder(), settings)
    build_index([*articles, extra], FakeEmbedder(), settings)
    result = runner("report", "--limit", "2", "--json")
    rep = json.loads(result.output)
    assert rep["previous"] and URL.format("whiplash") in rep["changed"]
    # Orphans and hubs, recounted from the lists the service serves.
    counts = Counter(u for row in _lists(runner, urls, 2).values() for u in row)
    assert sorted(rep["orphans"]) == sorted(u for u in urls if counts[u] == 0)
    assert URL.format("lifting") in rep["orphans"]
    cap = max(3 * 2, int(sum(counts.values()) / len(counts) * 3))
    assert rep["over_recommended"] == [[u, c] for u, c in counts.most_common() if c > cap]
    assert rep["over_recommended"][0] == [URL.format("sleep"), len(urls) - 1]


def test_evaluate_related_scores_against_labels_and_tfidf(built, runner, tmp_path) -> None:
    labels = tmp_path / "labels.json"
    wanted = {"sciatica": ["stenosis"], "stenosis": ["sciatica"], "neck": ["sleep"]}
    labels.write_text(json.dumps(wanted))
    result = runner("evaluate-related", "--labels", str(labels), "--json")
    rows = json.loads(result.output)
    assert set(rows) == {"relatedposts", "tfidf-baseline"}
    ours = rows["relatedposts"]
    # precision@5 and recall@5 recomputed by hand from the served lists.
    lists = _lists(runner, [URL.format(s) for s in wanted], 5)
    hits = [len({URL.format(r) for r in rel} & set(lists[URL.format(s)][:5]))
            for s, rel in wanted.items()]
    assert ours["articles"] == 3
    assert ours["precision"] == pytest.approx(sum(h / 5 for h in hits) / 3)
    assert ours["recall"] == pytest.approx(sum(hits) / 3)
    assert ours["precision"] > 0  # the fake embedder still pairs sciatica with stenosis
    assert ours["coverage"] > 0.5
