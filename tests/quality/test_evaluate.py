"""Search-quality machinery: metrics against ranx, snippets, vocabulary, typos, evaluate CLI."""

from __future__ import annotations

import json
import random

import pytest

from relatedposts.indexing.keywords import KeywordIndex, Vocabulary
from relatedposts.quality.evaluate import evaluate, import_jsonl, mrr_at, ndcg_at, recall_at
from relatedposts.search.snippet import make_snippet


def _random_case(rng: random.Random):
    docs = [f"d{i}" for i in range(30)]
    qrels = {f"q{q}": {d: rng.choice([0, 0, 1, 2, 3]) for d in rng.sample(docs, 8)}
             for q in range(25)}
    runs = {q: rng.sample(docs, 15) for q in qrels}
    return qrels, runs


def test_metrics_match_ranx_reference_implementation() -> None:
    ranx = pytest.importorskip("ranx")
    qrels, runs = _random_case(random.Random(7))
    # ranx only sees relevant judgments; grade-0 rows mean "judged not relevant".
    rq = ranx.Qrels({q: {d: g for d, g in j.items() if g > 0} for q, j in qrels.items()
                     if any(g > 0 for g in j.values())})
    rr = ranx.Run({q: {d: float(100 - i) for i, d in enumerate(r)} for q, r in runs.items()
                   if q in rq.qrels})
    ref = ranx.evaluate(rq, rr, ["ndcg@10", "recall@10", "mrr@10"])
    ours = evaluate(lambda text: runs[text], {q: q for q in qrels}, qrels, k=10)
    assert ours.ndcg == pytest.approx(ref["ndcg@10"], abs=1e-6)
    assert ours.recall == pytest.approx(ref["recall@10"], abs=1e-6)
    assert ours.mrr == pytest.approx(ref["mrr@10"], abs=1e-6)


def test_metric_edge_cases() -> None:
    judged = {"a": 3, "b": 1, "c": 0}
    assert ndcg_at(["a", "b"], judged, 10) == pytest.approx(1.0)
    assert ndcg_at(["c", "x"], judged, 10) == 0.0
    assert recall_at(["b"], judged, 10) == 0.5
    assert mrr_at(["c", "x", "b"], judged, 10) == pytest.approx(1 / 3)
    assert mrr_at(["c"] * 10 + ["a"], judged, 10) == 0.0


def test_a_document_found_under_two_urls_counts_once() -> None:
    # Two copies of one page (another address, same slug) must not push nDCG past 1.
    qrels = {"q": {"knee.html": 3, "hip.html": 1}}
    urls = ["https://a.example/knee.html", "https://b.example/knee.html",
            "https://a.example/hip.html"]
    metrics = evaluate(lambda text: urls, {"q": "knee"}, qrels, k=10)
    assert metrics.ndcg == pytest.approx(1.0)
    assert metrics.recall == 1.0


def test_snippet_highlights_query_words_and_escapes_everything_else() -> None:
    text = ("Intro words here. <script>alert(1)</script> Sciatica is leg pain from a "
            "pinched nerve & more. " + "Filler sentence about other things. " * 20)
    html = make_snippet(text, {"sciatica", "pinch"}, width=120)
    assert "<mark>Sciatica</mark>" in html and "<mark>pinched</mark>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "&amp;" in html
    assert len(html) < 400 and html.endswith("…")


def test_vocabulary_has_60_groups_and_maps_lay_to_clinical() -> None:
    vocab = Vocabulary.load()
    assert len(vocab.groups) >= 60
    expanded = " ".join(vocab.expansions("slipped disc in my lower back"))
    assert "herniated disc" in expanded
    assert "radiculopathy" in " ".join(vocab.expansions("pinched nerve"))


def test_editor_vocabulary_file_extends_the_packaged_one(tmp_path) -> None:
    extra = tmp_path / "vocab.tsv"
    extra.write_text("# clinic words\nsummit protocol | our back program\n")
    vocab = Vocabulary.load(extra)
    assert "summit protocol" in vocab.expansions("tell me about our back program")


def test_typo_correction_uses_the_corpus_vocabulary() -> None:
    kw = KeywordIndex.build(["sciatica and leg pain", "spinal stenosis walking",
                             "herniated disc surgery"] * 2)
    assert kw.correct(["sciatia", "stenosis", "herniatd", "zzzzqq"]) == [
        "sciatica", "stenosis", "herniated", "zzzzqq"]


def test_keyword_scores_find_the_stemmed_word() -> None:
    kw = KeywordIndex.build(["sciatica and leg pain", "neck posture at the desk"])
    scores = kw.scores(["legs", "painful"])
    assert scores[0] > 0 and scores[1] == 0


def test_evaluate_cli_on_an_imported_dataset(runner, tmp_path) -> None:
    articles = tmp_path / "articles.jsonl"
    rows = [{"id": "a1", "title": "Sciatica", "sections": ["Sciatica is leg pain. " * 20]},
            {"id": "a2", "title": "Neck pain", "sections": ["Neck pain at the desk. " * 20]}]
    articles.write_text("\n".join(json.dumps(r) for r in rows))
    (tmp_path / "q.jsonl").write_text('{"id": "q1", "text": "leg pain"}\n'
                                      '{"id": "q2", "text": "desk neck"}\n')
    (tmp_path / "qrels.tsv").write_text("q1\ta1\t3\nq2\ta2\t2\nq2\ta1\t0\n")
    assert [a.url.rsplit("/", 1)[-1] for a in import_jsonl(articles)] == ["a1", "a2"]
    corpus = tmp_path / "corpus"
    for args in (["import-dataset", str(articles), "--corpus", str(corpus)],
                 ["build", "--corpus", str(corpus)]):
        assert runner(*args).exit_code == 0
    result = runner("evaluate", "--queries", str(tmp_path / "q.jsonl"), "--qrels",
                    str(tmp_path / "qrels.tsv"), "--json")
    row = json.loads(result.output)
    assert row["queries"] == 2 and row["ndcg@10"] == pytest.approx(1.0)


def test_real_words_missing_from_the_blog_are_not_treated_as_typos() -> None:
    kw = KeywordIndex.build(["sciatica and leg pain", "hours of sitting"] * 2)
    assert kw.correct(["hurts", "sciatia"]) == ["hours", "sciatica"]  # corpus alone misfires
    assert kw.correct(["hurts", "sciatia"], frozenset({"hurts"})) == ["hurts", "sciatica"]


def test_dictionary_comes_from_the_model_vocabulary(tmp_path) -> None:
    from relatedposts.indexing.keywords import load_dictionary

    (tmp_path / "vocab.txt").write_text("[PAD]\n##ing\nhurts\nback\nThe\nsciatica\n")
    assert load_dictionary(tmp_path) == frozenset({"hurts", "back", "sciatica"})
    assert load_dictionary(tmp_path / "missing") == frozenset()
