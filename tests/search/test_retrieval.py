"""Every aggregation mode, table-driven: passage scores turned into article scores."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from relatedposts.config import Settings
from relatedposts.indexing.build import build_index
from relatedposts.live.service import Service
from relatedposts.search import Searcher
from tests.support import TINY, CountingEmbedder, FakeEmbedder

QUERY = "sciatica leg pain when walking"


def _searcher(settings: Settings, embedder: CountingEmbedder | None = None) -> Searcher:
    service = Service(settings, embedder or CountingEmbedder())
    service.reload()
    return service.live.searcher


def _chunk_sims(searcher: Searcher, query: str,
                vector: np.ndarray | None = None) -> dict[int, list[float]]:
    """Each article's chunk similarities to the query, best first, computed from the vectors."""
    index = searcher.data.faiss_index
    vectors = index.reconstruct_n(0, index.ntotal)
    sims = vectors @ (searcher.embedder.encode([query])[0] if vector is None else vector)
    out: dict[int, list[float]] = {}
    for cid, chunk in enumerate(searcher.data.chunks):
        out.setdefault(chunk.article, []).append(float(sims[cid]))
    return {a: sorted(s, reverse=True) for a, s in out.items()}


AGGREGATIONS: list[tuple[str, Callable[[list[float], Settings], float]]] = [
    ("max", lambda sims, s: sims[0]),
    ("topk_mean", lambda sims, s: float(np.mean(sims[:3]))),
    ("max_bonus", lambda sims, s: sims[0] + s.aggregation_bonus * sims[1]),
    ("softmax", lambda sims, s: s.aggregation_temperature * float(
        np.log(np.sum(np.exp(np.asarray(sims) / s.aggregation_temperature))))),
]


@pytest.mark.parametrize("aggregation, expected", AGGREGATIONS, ids=[a for a, _ in AGGREGATIONS])
def test_aggregation_modes_turn_passage_scores_into_article_scores(built, aggregation,
                                                                   expected) -> None:
    settings = built.replace(fusion="dense", aggregation=aggregation, aggregation_bonus=0.3,
                             aggregation_temperature=0.05, dense_feedback_weight=0)
    searcher = _searcher(settings)
    per_article = _chunk_sims(searcher, QUERY)
    assert all(len(s) >= 2 for s in per_article.values())  # every mode differs from max
    dense = searcher.score(QUERY).dense
    for a, sims in per_article.items():
        assert dense[a] == pytest.approx(max(1e-6, expected(sims, settings)), abs=1e-5), a


def test_the_dense_pool_grows_with_the_site_above_its_floor(settings) -> None:
    from relatedposts.search.retrieval import pool_size

    assert pool_size(settings, 6_699) == 200  # the floor on a small site
    assert pool_size(settings, 37_000) == 1_000
    assert pool_size(settings.replace(dense_candidates_per_passages=0), 37_000) == 200


def test_feedback_moves_the_query_towards_its_nearest_passages(built) -> None:
    """q' = q + weight x mean(nearest passages), normalised; articles scored from q'."""
    settings = built.replace(fusion="dense", aggregation="max", dense_feedback_weight=0.5,
                             dense_feedback_passages=2)
    searcher = _searcher(settings)
    index = searcher.data.faiss_index
    vectors = index.reconstruct_n(0, index.ntotal)
    q = searcher.embedder.encode([QUERY])[0]
    nearest = np.argsort(-(vectors @ q))[:2]
    moved = q + 0.5 * vectors[nearest].mean(axis=0)
    moved /= np.linalg.norm(moved)
    dense = searcher.score(QUERY).dense
    for a, sims in _chunk_sims(searcher, QUERY, moved).items():
        assert dense[a] == pytest.approx(max(1e-6, sims[0]), abs=1e-5), a
    plain = _searcher(settings.replace(dense_feedback_weight=0)).score(QUERY).dense
    assert not np.allclose(dense, plain)  # the feedback changed the scores


def test_feedback_costs_no_second_model_call(built) -> None:
    embedder = CountingEmbedder()
    _searcher(built.replace(dense_feedback_weight=0.4), embedder).score(QUERY)
    assert embedder.texts.count(QUERY) == 1


def test_the_cosine_is_the_best_passage_to_the_query_as_typed(built) -> None:
    """search_min_similarity judges the query's own cosine, never the feedback-lifted score."""
    searcher = _searcher(built.replace(dense_feedback_weight=0.6, aggregation="softmax"))
    scores = searcher.dense.score(QUERY)
    for a, sims in _chunk_sims(searcher, QUERY).items():
        assert scores.cosine[a] == pytest.approx(max(0.0, sims[0]), abs=1e-5), a


def test_feedback_reads_passage_vectors_from_an_hnsw_index(settings) -> None:
    """Large sites are served from HNSW: the feedback reconstructs its passages there too."""
    hnsw = settings.replace(ann_threshold=1)
    build_index(TINY, FakeEmbedder(), hnsw)
    searcher = _searcher(hnsw.replace(dense_feedback_weight=0.4))
    assert type(searcher.data.faiss_index).__name__ == "IndexHNSWFlat"
    scores = searcher.dense.score(QUERY)
    assert scores.scores.max() > 0 and scores.best_chunk


def _loop_reference(sims, ids, owner, n, settings):
    """The per-passage loop per_article() replaced: Python floats, first seen is best."""
    from relatedposts.search.retrieval import aggregate

    per, best_chunk = {}, {}
    for s, cid in zip(sims, ids, strict=True):
        a = int(owner[cid])
        per.setdefault(a, []).append(float(s))
        best_chunk.setdefault(a, int(cid))
    dense = np.zeros(n, dtype=np.float32)
    for a, s in per.items():
        dense[a] = max(1e-6, aggregate(s, settings))
    return dense, best_chunk


@pytest.mark.parametrize("how", ["max", "max_bonus", "topk_mean", "softmax"])
@pytest.mark.parametrize("seed", range(15))
def test_numpy_aggregation_gives_the_loops_scores_exactly(how: str, seed: int) -> None:
    from relatedposts.search.retrieval import per_article

    rng = np.random.default_rng(seed)
    n, passages = int(rng.integers(1, 40)), int(rng.integers(1, 300))
    owner = rng.integers(0, n, passages)
    k = int(rng.integers(0, passages + 1))
    ids = rng.permutation(passages)[:k]
    sims = np.sort(rng.uniform(-0.2, 1.0, k).astype(np.float32))[::-1]
    settings = Settings(aggregation=how)
    got, got_chunk = per_article(sims, ids, owner, n, settings)
    dense, best_chunk = _loop_reference(sims, ids, owner, n, settings)
    if how == "softmax":  # a sum of exponentials: the order of additions may differ
        np.testing.assert_allclose(got, dense, rtol=1e-6)
    else:
        assert np.array_equal(got, dense)
    assert list(got_chunk.items()) == list(best_chunk.items())  # ranked order too
