"""The weighted similarity: each view scores what it should, weights normalised."""

from __future__ import annotations

import numpy as np
import pytest

from relatedposts.indexing import related_similarity as rs
from relatedposts.models import Article, Section
from tests.support import URL


def _art(slug: str, title: str, body: str, tags: tuple[str, ...] = ()) -> Article:
    return Article(url=URL.format(slug), title=title, tags=tags, sections=(Section("", body),))


ARTICLES = [_art("a", "Herniated disc", "A herniated disc presses on a nerve.", ("disc",)),
            _art("b", "Herniated disc treatment", "Rest, exercise and injections.", ("disc",)),
            _art("c", "Knee pain", "Kneecap pain in runners.", ("knee",))]
VECTORS = np.array([[1, 0], [0.8, 0.6], [0, 1]], dtype=np.float32)


def test_weights_are_normalised_and_zero_stays_zero() -> None:
    w = rs.Weights(1.0, 0.0, 0.5, 0.5, 0.0, 0.0).normalised()
    assert w.dense == pytest.approx(0.5) and w.title == pytest.approx(0.25)
    assert rs.Weights(0, 0, 0, 0, 0, 0).normalised() == rs.Weights(0, 0, 0, 0, 0, 0)
    both = rs.Weights(0.5, 0, 0, 0, 0, 0, passage=0.5).normalised()
    assert both.passage == pytest.approx(0.5) and both.dense == pytest.approx(0.5)


def test_each_view_alone_scores_what_it_should(settings) -> None:
    only = dict(related_dense_weight=0.0, related_centred_weight=0.0, related_title_weight=0.0,
                related_bm25_weight=0.0, related_lexical_weight=0.0, related_tag_weight=0.0,
                related_passage_weight=0.0)
    dense = rs.Similarity(ARTICLES, VECTORS, settings.replace(
        **{**only, "related_dense_weight": 1.0})).matrix([0, 1, 2])
    assert dense[0, 1] == pytest.approx(0.8) and dense[0, 2] == pytest.approx(0.0)
    title = rs.Similarity(ARTICLES, VECTORS, settings.replace(
        **{**only, "related_title_weight": 1.0})).matrix([0, 1, 2])
    assert 0 < title[0, 1] < 1 and title[0, 2] == 0 and title[0, 0] == pytest.approx(1.0)
    tags = rs.Similarity(ARTICLES, VECTORS, settings.replace(
        **{**only, "related_tag_weight": 1.0})).matrix([0, 1, 2])
    assert tags[0, 1] == pytest.approx(1.0) and tags[0, 2] == 0


def test_bm25_is_on_the_titles_own_scale_and_symmetric(settings) -> None:
    sim = rs.Similarity(ARTICLES, VECTORS, settings)
    block = sim.bm25_block([0, 1, 2])
    assert np.allclose(block, block.T) and block.max() <= 1.0
    assert block[0, 0] == pytest.approx(1.0)  # a title matches its own text best
    assert block[0, 1] > 0 and block[0, 2] == 0
    m = sim.matrix([2, 0, 1])  # any order of ids, same values
    assert m[1, 2] == pytest.approx(sim.matrix([0, 1])[0, 1])


def test_unit_rows_leave_zero_rows_alone() -> None:
    out = rs.unit_rows(np.array([[3, 4], [0, 0]], dtype=np.float32))
    assert np.allclose(out, [[0.6, 0.8], [0, 0]])
