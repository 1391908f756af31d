"""Passage-level (Chamfer) similarity: each passage's best match in the other post, both ways."""

from __future__ import annotations

import numpy as np
import pytest

from relatedposts.indexing.related import compute_related
from relatedposts.indexing.related_passages import Passages
from relatedposts.models import Article, Section
from tests.support import URL


def _unit(*rows: list[float]) -> np.ndarray:
    m = np.array(rows, np.float32)
    return m / np.linalg.norm(m, axis=1, keepdims=True)


def test_chamfer_is_the_mean_best_match_both_ways_and_symmetric() -> None:
    # Article 0: passages along x and y; article 1: one passage along x; article 2: along z.
    vectors = _unit([1, 0, 0], [0, 1, 0], [1, 0, 0], [0, 0, 1])
    p = Passages(vectors, np.array([0, 0, 1, 2]), 3)
    m = p.block([0, 1, 2], [0, 1, 2])
    # 0 -> 1: x matches 1, y matches 0: mean 0.5; 1 -> 0: x matches 1: so (0.5 + 1) / 2.
    assert m[0, 1] == pytest.approx(0.75) and m[1, 0] == pytest.approx(0.75)
    assert m[0, 0] == pytest.approx(1.0) and m[0, 2] == pytest.approx(0.0)
    assert np.allclose(m, m.T)
    assert p.block([2, 0], [1])[1, 0] == pytest.approx(0.75)  # any order of ids


def test_unsorted_passages_and_articles_without_any() -> None:
    vectors = _unit([0, 1], [1, 0], [1, 0])
    p = Passages(vectors, np.array([2, 0, 2]), 4)  # article 1 and 3 have no passage
    m = p.block([0, 1, 2, 3], [0, 1, 2, 3])
    assert m[0, 2] == pytest.approx((1.0 + 0.5) / 2)
    assert not m[1].any() and not m[:, 3].any()
    assert p.block([], [0]).shape == (0, 1)


def test_without_passages_each_article_vector_is_its_one_passage() -> None:
    vectors = _unit([1, 0], [0.8, 0.6])
    m = Passages.of_articles(vectors).block([0], [0, 1])
    assert m[0, 1] == pytest.approx(0.8)


def test_one_shared_topic_in_depth_stays_the_best_candidate(settings) -> None:
    """A post with one passage on each of two topics is nearest, by passages, to the post
    that covers one of them, even when the mean vectors point elsewhere."""
    def art(slug: str, title: str) -> Article:
        return Article(url=URL.format(slug), title=title, date="2024-01-01",
                       sections=(Section("", f"Words about {slug} only."),))

    articles = [art("sciatica-and-sleep", "Alpha"), art("sciatica", "Beta"),
                art("middle", "Gamma"), art("far", "Delta")]
    chunks = _unit([1, 0, 0, 0], [0, 1, 0, 0],  # article 0: sciatica, sleep
                   [1, 0.05, 0, 0],              # article 1: sciatica, in depth
                   [0.6, 0.6, 0.5, 0],           # article 2: a bit of everything
                   [0, 0, 0, 1])
    owners = np.array([0, 0, 1, 2, 3])
    passages = Passages(chunks, owners, 4)
    means = np.zeros((4, 4), np.float32)
    np.add.at(means, owners, chunks)
    means /= np.linalg.norm(means, axis=1, keepdims=True)
    assert means[0] @ means[2] > means[0] @ means[1]  # by the means, "middle" wins
    only = settings.replace(related_dense_weight=0.0, related_passage_weight=1.0,
                            related_title_weight=0.0, related_bm25_weight=0.0,
                            related_tag_weight=0.0)
    rel = compute_related(articles, means, only, passages=passages)
    assert int(rel.ids[0, 0]) == 1 and int(rel.ids[1, 0]) == 0


def test_centred_passages_equal_the_chamfer_of_passages_moved_off_the_mean() -> None:
    rng = np.random.default_rng(7)
    vectors = _unit(*rng.normal(size=(9, 6)).tolist())
    owners = np.array([0, 0, 1, 2, 2, 2, 3, 4, 4])
    mean = rng.normal(size=6).astype(np.float32) * 0.3
    for share in (0.0, 0.5, 1.0):
        moved = vectors - share * mean
        reference = Passages(moved / np.linalg.norm(moved, axis=1, keepdims=True), owners, 5)
        got = Passages(vectors, owners, 5).centred(mean, share)
        assert np.allclose(got.block([0, 1, 2, 3, 4], [4, 0, 2]),
                           reference.block([0, 1, 2, 3, 4], [4, 0, 2]), atol=1e-5)
    plain = Passages(vectors, owners, 5)
    assert np.array_equal(plain.centred(mean, 0.0).block([0, 1], [2]), plain.block([0, 1], [2]))


def test_centring_keeps_the_post_nearest_the_blog_average_out_of_most_lists(settings) -> None:
    # Every post leans along axis 0 (the blog's one topic, "back pain"); post 0 is nothing
    # else. Pairs (1, 2), (3, 4), (5, 6) share one more axis each, and every post has its own
    # detail (axes 4-9). Plainly the generic post is everyone's first pick; centred on the
    # corpus mean, each post finds its partner first.
    rows = [[3.0] + [0.0] * 9]
    for pair in range(3):
        for side in range(2):
            row = [3.0] + [0.0] * 9
            row[1 + pair], row[4 + 2 * pair + side] = 1.0, 1.5
            rows.append(row)
    vectors = _unit(*rows)
    words = ["sciatica", "stenosis", "posture", "surgery", "injection", "sleep", "lifting"]
    articles = [Article(url=f"{URL}/p{i}", title=f"Post {i}",
                        sections=[Section("", f"A different text about {words[i]}, number {i}.")])
                for i in range(len(rows))]
    only = settings.replace(related_dense_weight=0.0, related_centred_weight=0.0,
                            related_passage_weight=1.0, related_title_weight=0.0,
                            related_bm25_weight=0.0, related_tag_weight=0.0,
                            related_max_in_degree=0, related_min_score=-1.0)
    plain = compute_related(articles, vectors, only.replace(related_passage_centring=0.0))
    centred = compute_related(articles, vectors, only.replace(related_passage_centring=1.0))
    partner = {1: 2, 2: 1, 3: 4, 4: 3, 5: 6, 6: 5}
    assert all(int(plain.ids[i, 0]) == 0 for i in partner)  # the hub leads every list
    assert all(int(centred.ids[i, 0]) == j for i, j in partner.items())
