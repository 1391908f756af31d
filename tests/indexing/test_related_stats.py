"""Frozen corpus statistics: a full build's views are the fitted ones; new words are left out."""

from __future__ import annotations

import numpy as np

from relatedposts.indexing.related_stats import CorpusStats
from relatedposts.text import tfidf_matrix
from tests.support import make_article

ARTICLES = [make_article("a", "Sciatica relief", "sciatica leg nerve pain stretch"),
            make_article("b", "Neck posture", "neck desk posture screen"),
            make_article("c", "Disc pain", "disc herniation nerve pain sciatica")]


def test_views_under_fitted_statistics_are_the_fitted_matrices(settings) -> None:
    stats = CorpusStats.fit(ARTICLES, np.eye(3, dtype=np.float32), settings)
    views = stats.views(ARTICLES, settings)
    want = tfidf_matrix([a.title for a in ARTICLES])
    assert np.allclose(views.titles.toarray(), want.toarray())
    assert np.allclose(stats.mean, np.full((1, 3), 1 / 3))


def test_a_new_articles_unknown_words_are_left_out_and_old_rows_stay(settings) -> None:
    stats = CorpusStats.fit(ARTICLES, np.eye(3, dtype=np.float32), settings)
    new = make_article("d", "Sciatica and zygapophyseal joints", "zygapophyseal sciatica")
    views = stats.views([*ARTICLES, new], settings)
    assert views.titles.shape[1] == len(stats.title_vocab)  # no column for "zygapophyseal"
    assert views.titles[3].nnz == 1  # only "sciatica" is known
    old = stats.views(ARTICLES, settings)
    assert (views.bm25[:3] != old.bm25).nnz == 0


def test_key_terms_count_an_unseen_word_as_distinctive(settings) -> None:
    stats = CorpusStats.fit(ARTICLES, np.eye(3, dtype=np.float32), settings)
    new = make_article("d", "Whiplash", "whiplash after a crash, sciatica too")
    assert stats.key_terms([new], settings)[0][0] == "whiplash"
