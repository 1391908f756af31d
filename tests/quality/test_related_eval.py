"""Related-list metrics and baselines: hand-computed nDCG, brute-force cosine, toy lists, CLI."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from relatedposts.indexing.related import article_vectors
from relatedposts.models import Chunk
from relatedposts.quality import related_eval as ev
from tests.support import TINY, make_article

ARTICLES = [make_article(s, s.title(), f"{s} text") for s in "abcdef"]


def test_ndcg_precision_recall_match_a_hand_computation() -> None:
    labels = {"a": {"b": 3, "c": 1, "d": 2}}
    lists = [[2, 4, 1, 5, 3], [0], [0], [0], [0], [0]]  # a: c, e, b, f, d
    q = ev.score(ARTICLES, lists, labels, np.eye(6), 5)
    dcg = 1 / math.log2(2) + 3 / math.log2(4) + 2 / math.log2(6)
    ideal = 3 / math.log2(2) + 2 / math.log2(3) + 1 / math.log2(4)
    assert q.ndcg == pytest.approx(dcg / ideal)
    assert q.precision == pytest.approx(3 / 5) and q.recall == pytest.approx(1.0)
    assert q.labelled == 1


def test_coverage_reach_and_in_degree_on_a_toy_list() -> None:
    lists = [[1, 2], [0], [0, 1], [0, 1], [0, 2], [1, 0]]
    q = ev.score(ARTICLES, lists, {"a": {"b": 1}}, np.eye(6), 2)
    assert q.coverage == pytest.approx(5 / 6)  # b's list is one short of k
    assert q.reach == pytest.approx(3 / 6)  # only a, b and c are ever recommended
    assert q.max_in_degree == 5  # a is in five lists


def test_intra_list_similarity_is_the_mean_pairwise_cosine() -> None:
    vectors = np.array([[1, 0], [0, 1], [1, 1], [2, 0]], dtype=np.float32)
    sims = ev.intra_similarity([[0, 1, 2], [3], [0, 3]], vectors, 5)
    first = (0 + math.sqrt(0.5) + math.sqrt(0.5)) / 3
    assert sims == pytest.approx((first + 1.0) / 2)  # the one-item list is left out


def test_mean_vector_baseline_is_a_brute_force_cosine_ranking(monkeypatch) -> None:
    monkeypatch.setattr(ev, "BLOCK", 3)  # several row blocks
    rng = np.random.default_rng(7)
    owners = [0, 0, 1, 2, 2, 2, 3, 4, 5, 5, 6, 7]
    chunks = [Chunk(o, "", "t", p) for p, o in enumerate(owners)]
    vecs = rng.normal(size=(len(chunks), 8)).astype(np.float32)
    got = ev.mean_vector_lists(article_vectors(vecs, chunks, 8), 3)
    means = [vecs[[c for c, o in enumerate(owners) if o == a]].mean(axis=0) for a in range(8)]

    def cos(x: np.ndarray, y: np.ndarray) -> float:
        return float(x @ y / (np.linalg.norm(x) * np.linalg.norm(y)))

    expected = [sorted((j for j in range(8) if j != i), key=lambda j: -cos(means[i], means[j]))
                [:3] for i in range(8)]
    assert got == expected


def test_bm25_title_baseline_finds_the_article_naming_the_title() -> None:
    docs = [make_article("gout", "Gout flares", "Sudden joint pain at night."),
            make_article("diet", "Eating well", "Cherries may calm gout flares, say some."),
            make_article("sleep", "Sleep", "A dark quiet room helps sleep.")]
    assert ev.bm25_title_lists(docs, 1)[0] == [1]


def test_random_baseline_is_seeded_and_never_picks_itself() -> None:
    lists = ev.random_lists(6, 5, seed=3)
    assert lists == ev.random_lists(6, 5, seed=3) != ev.random_lists(6, 5, seed=4)
    assert all(i not in row and len(set(row)) == 5 for i, row in enumerate(lists))


def test_evaluate_related_scores_every_baseline(built, runner, tmp_path) -> None:
    labels = tmp_path / "labels.json"
    labels.write_text(json.dumps({"sciatica": {"stenosis": 3}, "neck": {"sleep": 1}}))
    out = json.loads(runner("evaluate-related", "--labels", str(labels), "--baselines",
                            "--json").output)
    rows = out["methods"]
    assert list(rows) == ["relatedposts", "mean-vector", "tfidf", "bm25-title", "random"]
    assert out["articles"] == len(TINY) and all(r["labelled"] == 2 for r in rows.values())
    assert all(0 <= r["ndcg"] <= 1 and r["max_in_degree"] >= 1 for r in rows.values())
    text = runner("evaluate-related", "--labels", str(labels), "--baselines").output
    assert "mean-vector" in text and "nDCG@5" in text


def test_slug_drops_the_html_extension_of_static_pages() -> None:
    assert ev.slug("https://x.test/articles/2024/10/sciatica-explained.html") == \
        "sciatica-explained"
    assert ev.slug("https://x.test/a/page.htm") == "page"
    assert ev.slug("https://x.test/blog/html-basics/") == "html-basics"
