"""Every fusion and aggregation mode, table-driven, and one JSON shape for API and CLI."""

from __future__ import annotations

import json
from collections.abc import Callable

import numpy as np
import pytest

from relatedposts.config import Settings
from relatedposts.indexing.versions import current_version
from relatedposts.ingest.store import write_record
from relatedposts.live.service import Service
from relatedposts.search import Searcher
from tests.support import TINY, CountingEmbedder

QUERY = "sciatica leg pain when walking"


def _searcher(settings: Settings, embedder: CountingEmbedder | None = None) -> Searcher:
    service = Service(settings, embedder or CountingEmbedder())
    service.reload()
    return service.live.searcher


def _ranks(scores: np.ndarray) -> np.ndarray:
    """1-based rank of each score, best first (ties by position)."""
    ranks = np.empty(len(scores))
    ranks[np.argsort(-scores, kind="stable")] = np.arange(1, len(scores) + 1)
    return ranks


def _weighted(dense: np.ndarray, kw: np.ndarray, s: Settings) -> np.ndarray:
    return s.dense_weight * dense + (1 - s.dense_weight) * kw / kw.max()


def _rrf(dense: np.ndarray, kw: np.ndarray, s: Settings) -> np.ndarray:
    return sum(np.where(x > 0, 1 / (s.rrf_k + _ranks(x)), 0.0) for x in (dense, kw))


FUSIONS: list[tuple[str, Callable[[np.ndarray, np.ndarray, Settings], np.ndarray]]] = [
    ("dense", lambda dense, kw, s: dense),
    ("bm25", lambda dense, kw, s: kw),
    ("weighted", _weighted),
    ("rrf", _rrf),
]


@pytest.mark.parametrize("fusion, expected", FUSIONS, ids=[f for f, _ in FUSIONS])
def test_fusion_modes_combine_dense_and_keyword_scores(built, fusion, expected) -> None:
    base = _searcher(built)
    dense = base.with_settings(built.replace(fusion="dense")).score(QUERY).fused
    kw = base.with_settings(built.replace(fusion="bm25")).score(QUERY).fused
    assert dense.max() > 0 and kw.max() > 0 and not np.allclose(dense / dense.max(), kw / kw.max())
    settings = built.replace(fusion=fusion)
    scored = base.with_settings(settings).score(QUERY)
    want = expected(dense, kw, settings)
    if fusion == "weighted":  # the title/heading signals multiply the weighted fusion
        assert scored.title is not None and scored.heading is not None and scored.title.max() > 0
        want = want * (1 + settings.title_signal_weight * scored.title
                       + settings.heading_signal_weight * scored.heading)
    np.testing.assert_allclose(scored.fused, want, rtol=1e-5, atol=1e-7)


def test_bm25_fusion_never_calls_the_model(built, counting_embedder) -> None:
    searcher = _searcher(built.replace(fusion="bm25"), counting_embedder)
    page = searcher.search(QUERY)
    assert page.results and counting_embedder.calls == 0


def _chunk_sims(searcher: Searcher, query: str) -> dict[int, list[float]]:
    """Each article's chunk similarities to the query, best first, computed from the vectors."""
    index = searcher.data.faiss_index
    vectors = index.reconstruct_n(0, index.ntotal)
    sims = vectors @ searcher.embedder.encode([query])[0]
    out: dict[int, list[float]] = {}
    for cid, chunk in enumerate(searcher.data.chunks):
        out.setdefault(chunk.article, []).append(float(sims[cid]))
    return {a: sorted(s, reverse=True) for a, s in out.items()}


AGGREGATIONS: list[tuple[str, Callable[[list[float], Settings], float]]] = [
    ("max", lambda sims, s: sims[0]),
    ("topk_mean", lambda sims, s: float(np.mean(sims[:3]))),
    ("max_bonus", lambda sims, s: sims[0] + s.aggregation_bonus * sims[1]),
]


@pytest.mark.parametrize("aggregation, expected", AGGREGATIONS, ids=[a for a, _ in AGGREGATIONS])
def test_aggregation_modes_turn_passage_scores_into_article_scores(built, aggregation,
                                                                   expected) -> None:
    settings = built.replace(fusion="dense", aggregation=aggregation, aggregation_bonus=0.3)
    searcher = _searcher(settings)
    per_article = _chunk_sims(searcher, QUERY)
    assert all(len(s) >= 2 for s in per_article.values())  # every mode differs from max
    dense = searcher.score(QUERY).dense
    for a, sims in per_article.items():
        assert dense[a] == pytest.approx(max(1e-6, expected(sims, settings)), abs=1e-5), a


def test_the_api_reports_the_corrected_query(client) -> None:
    body = client.get("/api/search?q=sciatca%20leg%20pain").get_json()
    assert body["corrected_query"] == "sciatica leg pain"
    assert body["results"][0]["url"] == TINY[0].url
    assert "corrected_query" not in client.get("/api/search?q=sciatica").get_json()


def test_cli_search_json_is_the_api_json(client, runner) -> None:
    for query in ("sciatica leg pain", "sciatca"):
        api = client.get("/api/search", query_string={"q": query, "limit": 3}).get_json()
        cli = json.loads(runner("search", query, "--limit", "3", "--json").output)
        assert cli == api and api["results"]


def test_cli_related_json_is_the_api_json(client, runner) -> None:
    api = client.get("/api/related", query_string={"url": TINY[0].url, "limit": 4}).get_json()
    cli = json.loads(runner("related", TINY[0].url, "--limit", "4", "--json").output)
    assert cli == api and len(api["results"]) == 4


def test_build_json_reports_the_new_live_version(settings, runner) -> None:
    settings.corpus_dir.mkdir(parents=True)
    for article in TINY:
        write_record(settings.corpus_dir, article, article.url)
    result = runner("build", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["version_dir"] == str(current_version(settings.index_dir))
    assert (report["articles"], report["model"], report["dim"]) == (7, "fake-hash-64", 64)
    assert report["embedded"] + report["reused"] == report["chunks"] > 7
    assert set(report["seconds"]) >= {"chunk", "embed", "index", "write", "verify"}
    again = json.loads(runner("build", "--json").output)
    assert again["reused"] == again["chunks"] and again["embedded"] == 0
