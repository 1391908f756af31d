"""Candidates from two views: a post found by words alone is still scored."""

from __future__ import annotations

import numpy as np

from relatedposts.indexing import related_candidates as rc
from relatedposts.indexing.related_similarity import Similarity
from relatedposts.models import Article, Section
from tests.support import URL


def _art(slug: str, title: str, body: str) -> Article:
    return Article(url=URL.format(slug), title=title, sections=(Section("", body),))


ARTICLES = [_art("stenosis", "Spinal stenosis", "Narrowing of the canal squeezes nerves."),
            _art("walking", "Walking gets harder", "Legs tire; spinal stenosis is one cause."),
            _art("knee", "Knee pain", "Kneecap pain in runners."),
            _art("neck", "Neck pain", "Desk posture and the neck."),
            _art("hip", "Hip pain", "Hip arthritis and walking aids.")]


def _vectors() -> np.ndarray:
    # stenosis is nearest to knee in meaning; walking is far from it (orthogonal).
    v = np.eye(5, dtype=np.float32)
    v[0] = [0.6, 0, 0.8, 0, 0]
    return v


def test_a_lexical_neighbour_joins_the_pool_when_the_dense_view_misses_it(settings) -> None:
    sim = Similarity(ARTICLES, _vectors(), settings)
    _, dense = rc.dense_neighbours(sim.dense, 2)
    assert 1 not in dense[0].tolist()  # by meaning alone, walking is not stenosis' neighbour
    assert rc.lexical_neighbours(sim, 2)[0].tolist() == [0, 1]  # itself, then the title's words
    pools = rc.candidate_pool(sim, 1)
    assert 1 in pools[0] and 2 in pools[0]


def test_pools_never_hold_the_article_itself_or_padding(settings) -> None:
    sim = Similarity(ARTICLES, _vectors(), settings)
    for i, pool in enumerate(rc.candidate_pool(sim, 10)):
        assert i not in pool and -1 not in pool and len(pool) == len(set(pool))
    # Only titles sharing a word are lexical neighbours; the rest of the row is padding.
    neck = rc.lexical_neighbours(sim, 5)[3].tolist()
    assert neck[0] == 3 and set(neck[1:]) == {2, 4, -1}  # "pain" in their titles


def test_the_lexical_view_is_the_same_in_small_blocks(settings, monkeypatch) -> None:
    sim = Similarity(ARTICLES, _vectors(), settings)
    whole = rc.lexical_neighbours(sim, 3)
    monkeypatch.setattr(rc, "BLOCK", 2)
    assert (rc.lexical_neighbours(sim, 3) == whole).all()
