"""Carrying neighbour lists and copy groups through a publish equals computing them afresh."""

from __future__ import annotations

import numpy as np

from relatedposts.indexing.related_candidates import neighbours
from relatedposts.indexing.related_publish import carry_groups, carry_neighbours
from relatedposts.indexing.related_similarity import Similarity
from tests.indexing.test_ingest_one import corpus


def test_carried_neighbours_equal_fresh_ones_after_an_insertion(settings) -> None:
    articles = corpus(40, seed=3)
    vectors = np.random.default_rng(3).standard_normal((40, 16)).astype(np.float32)
    old = Similarity(articles[:-1], vectors[:-1], settings)
    new = Similarity(articles, vectors, settings, old.stats)  # the frozen statistics
    remap = np.arange(39)  # the new article sorts last: every old id stays
    carried, redo, entered = carry_neighbours(neighbours(old, 5), remap, new, [39], 5)
    fresh = neighbours(new, 5)
    assert (carried.dense_ids == fresh.dense_ids).all()
    assert (carried.lex_ids == fresh.lex_ids).all()
    assert redo == {39} and 0 < len(entered) < 39


def test_a_copy_published_joins_its_originals_group(settings) -> None:
    articles = corpus(10, seed=5)
    copy = articles[2].__class__(**{**vars(articles[2]), "url": articles[2].url + "copy/"})
    every = {i: [j for j in range(11) if j != i] for i in range(11)}
    groups = carry_groups([*articles, copy], [], np.arange(10), [10], every, 0.8)
    assert groups == [{2, 10}]
