"""The related-lists report (orphans, hubs, changes) and the labeled evaluation."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from relatedposts.indexing.build import build_index
from relatedposts.indexing.embedders import FakeEmbedder
from tests.support import TINY, URL, make_article


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
