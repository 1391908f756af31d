"""Issue 16 with the real model on the sample blog: one gap of 15 searches, links, duplicates."""

from __future__ import annotations

import json

import pytest

from relatedposts.config import Settings
from relatedposts.console.draft import check_draft, parse_draft
from relatedposts.indexing import index as idx
from relatedposts.indexing.build import build_index
from relatedposts.indexing.embedders import make_embedder
from relatedposts.indexing.versions import current_version
from relatedposts.ingest.crawl import scrape
from relatedposts.quality.gaps import find_gaps
from relatedposts.quality.links import suggest_links
from tests.support import FIXTURES, ROOT

pytestmark = pytest.mark.model
QUERIES = json.loads((FIXTURES / "gap_queries.json").read_text("utf-8"))


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """The sample blog indexed with the real model."""
    tmp = tmp_path_factory.mktemp("editor")
    settings = Settings(corpus_dir=tmp / "corpus", index_dir=tmp / "indexes")
    embedder = make_embedder(settings)
    build_index(scrape([str(ROOT / "corpus/site")], settings).articles, embedder, settings)
    return settings, embedder, idx.load(current_version(settings.index_dir))


def test_fifteen_searches_on_a_missing_topic_are_one_gap(sample) -> None:
    settings, embedder, data = sample
    assert not any("tailbone" in a.body.lower() or "coccyx" in a.body.lower()
                   for a in data.articles)  # the blog really lacks the topic
    entries = [{"query": q, "results": 4} for q in QUERIES["gap"]]
    entries += [{"query": q, "results": 4} for q in QUERIES["other_unanswered"]]
    entries += [{"query": q, "results": 6} for q in QUERIES["answered"] * 3]
    gaps = find_gaps(entries, data, embedder, settings)
    tailbone = [g for g in gaps if set(g.queries) & set(QUERIES["gap"])]
    assert len(tailbone) == 1 and tailbone[0].count == 15
    assert "tailbone" in tailbone[0].label
    assert gaps[0] is tailbone[0]  # the biggest gap first
    gap_queries = {q for g in gaps for q in g.queries}
    assert not gap_queries & set(QUERIES["answered"])  # answered searches are no gap
    assert all(g.count < 15 for g in gaps[1:])


def test_link_suggestions_have_their_anchor_in_the_sentence(sample) -> None:
    settings, embedder, data = sample
    rows = suggest_links(data, embedder, settings)
    assert len(rows) >= 30
    bodies = {a.url: a.body for a in data.articles}
    per_source: dict[str, int] = {}
    for r in rows:
        assert r.anchor in r.sentence and r.sentence in bodies[r.source_url]
        assert r.target_url != r.source_url
        per_source[r.source_url] = per_source.get(r.source_url, 0) + 1
    assert max(per_source.values()) <= settings.links_per_article


def test_a_published_text_posted_as_a_draft_names_its_article(sample) -> None:
    settings, embedder, data = sample
    article = next(a for a in data.articles if "sacroiliac-joint-pain" in a.url)
    result = check_draft(parse_draft({"title": "A new post", "text": article.body},
                                     settings.draft_max_words), data,
                         embedder, settings)
    assert article.url in [d["url"] for d in result["duplicates"]]
    assert article.url not in [r["url"] for r in result["related"]]
    fresh = check_draft(parse_draft({"title": "Tailbone pain when sitting", "text":
                                     "Tailbone pain, or coccydynia, often follows a fall. A "
                                     "cushion with a cut-out takes weight off the coccyx."},
                                    settings.draft_max_words),
                        data, embedder, settings)
    assert fresh["duplicates"] == [] and len(fresh["related"]) == 5
