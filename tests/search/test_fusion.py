"""Every fusion mode, table-driven: dense and keyword scores combined; bm25 needs no model."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from relatedposts.config import Settings
from relatedposts.live.service import Service
from relatedposts.search import Searcher
from tests.support import CountingEmbedder

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
        symptom = scored.symptom if scored.symptom is not None else 0.0  # leg: lumbar titles
        conflict = scored.conflict if scored.conflict is not None else 0.0  # neck titles
        want = want * (1 + settings.title_signal_weight * scored.title
                       + settings.heading_signal_weight * scored.heading
                       + settings.symptom_region_weight * symptom
                       - settings.region_conflict_penalty * conflict)
    np.testing.assert_allclose(scored.fused, want, rtol=1e-5, atol=1e-7)


def test_bm25_fusion_never_calls_the_model(built, counting_embedder) -> None:
    searcher = _searcher(built.replace(fusion="bm25"), counting_embedder)
    page = searcher.search(QUERY)
    assert page.results and counting_embedder.calls == 0


def test_rrf_gives_nothing_to_unmatched_articles_and_most_to_the_first() -> None:
    from relatedposts.search.fusion import rrf

    got = rrf(np.array([0.0, 0.9, 0.3], dtype=np.float32), 60)
    assert got[0] == 0.0
    assert got[1] == np.float32(1 / 61) and got[2] == np.float32(1 / 62)


def test_attribute_signals_multiply_and_cannot_lift_an_unmatched_article() -> None:
    from relatedposts.search.fusion import with_attributes

    s = Settings(title_signal_weight=0.5, heading_signal_weight=0.25)
    fused = np.array([0.0, 0.4], dtype=np.float32)
    out = with_attributes(fused, np.array([1.0, 1.0]), np.array([1.0, 0.0]), s)
    assert out[0] == 0.0  # a title match alone never drags up an unmatched article
    assert out[1] == pytest.approx(0.4 * 1.5)


def test_a_title_naming_only_another_region_is_lowered_by_the_penalty() -> None:
    from relatedposts.search.fusion import with_attributes

    s = Settings(title_signal_weight=0.0, heading_signal_weight=0.0, region_conflict_penalty=0.3)
    fused = np.array([0.5, 0.5], dtype=np.float32)
    out = with_attributes(fused, np.zeros(2), np.zeros(2), s, conflict=np.array([1.0, 0.0]))
    assert out[0] == pytest.approx(0.35) and out[1] == pytest.approx(0.5)
    off = with_attributes(fused, np.zeros(2), np.zeros(2), s.replace(region_conflict_penalty=0))
    assert list(off) == [0.5, 0.5]
