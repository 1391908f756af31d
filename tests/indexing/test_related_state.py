"""What a version keeps for the next publish: it round-trips, and says when it no longer fits."""

from __future__ import annotations

import numpy as np

from relatedposts.indexing.overrides import Overrides
from relatedposts.indexing.related import compute_related
from relatedposts.indexing.related_state import RelatedState, fingerprint
from tests.support import make_article

ARTICLES = [make_article(f"p{i}", f"Back pain {w}", f"{w} back pain spine {w}")
            for i, w in enumerate(["sleep", "desk", "lifting", "running", "sleep desk"])]


def test_the_state_round_trips_through_npz_and_json(settings, tmp_path) -> None:
    vectors = np.random.default_rng(1).standard_normal((5, 8)).astype(np.float32)
    state = compute_related(ARTICLES, vectors, settings).state
    assert state is not None
    state.save(tmp_path)
    back = RelatedState.load(tmp_path)
    assert back is not None and back.fingerprint == state.fingerprint
    assert all((a == b).all() for a, b in zip(back.ranked, state.ranked, strict=True))
    assert (back.views.bm25 != state.views.bm25).nnz == 0
    assert back.stats.title_vocab == state.stats.title_vocab
    assert (back.near.lex_ids == state.near.lex_ids).all()


def test_a_directory_without_a_state_has_none(tmp_path) -> None:
    assert RelatedState.load(tmp_path) is None


def test_the_fingerprint_follows_related_settings_and_overrides(settings) -> None:
    urls = [a.url for a in ARTICLES]
    plain = fingerprint(settings, Overrides(), urls)
    assert plain == fingerprint(settings, Overrides(), urls)
    assert plain != fingerprint(settings.replace(related_limit=3), Overrides(), urls)
    assert plain != fingerprint(settings, Overrides(pins={0: [1]}), urls)
