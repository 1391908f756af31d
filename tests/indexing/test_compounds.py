"""Attribute ranking (issue 15): compounds, title/heading signals, courtesy phrases, ablation."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
from click.testing import CliRunner

from relatedposts.cli import main
from relatedposts.indexing.build import build_index
from relatedposts.indexing.compounds import raw_tokens
from relatedposts.indexing.embedders import FakeEmbedder
from relatedposts.indexing.keywords import KeywordIndex, words
from relatedposts.live.service import Service
from relatedposts.models import Article, Section
from relatedposts.search.attributes import AttributeScorer, compound_parts, field_terms
from relatedposts.search.courtesy import Courtesy

DOCS = ["Kneecap pain. The kneecap slides over the knee; a cap of bone.",
        "Low back pain. Back pain after lifting; the back hurts and the pain lingers.",
        "Imaging. An x-ray shows bone; a second X-ray after surgery.",
        "Sciatica. Leg pain from the sciatic nerve."]


def test_compounds_come_from_the_corpus_itself() -> None:
    kw = KeywordIndex.build(DOCS)
    c = kw.compounds
    assert "xray" in c.joined  # written hyphenated
    assert c.join(["knee", "caps"]) == ["kneecap"]  # the corpus writes "kneecap"
    assert c.join(["x", "ray"]) == ["xray"]
    assert c.join(["back", "pain"]) == []  # the corpus never writes "backpain"
    assert c.join(["the", "knee", "hurts"]) == []
    # Stopwords and short halves never join, even into a corpus word ("the rapist").
    other = KeywordIndex.build(["A therapist and the rapist.", "Manage the man's age."])
    assert other.compounds.join(["the", "rapist"]) == []
    assert other.compounds.join(["man", "age"]) == ["manage"]
    # A joined form far rarer than its parts is a glitch of the source, not a compound.
    glitch = KeywordIndex.build(["Prostate cancer. " * 30 + "prostatecancer", "cancer"])
    assert glitch.compounds.join(["prostate", "cancer"]) == []


def test_unknown_joined_word_splits_into_corpus_words_but_known_ones_stay() -> None:
    kw = KeywordIndex.build(DOCS)
    assert kw.split_unknown(["backpain", "kneecap", "sciatica"]) == [
        "back", "pain", "kneecap", "sciatica"]
    assert kw.split_unknown(["zzzzzzzzzz", "a" * 5000]) == ["zzzzzzzzzz", "a" * 5000]
    # A real word the blog happens not to use is not split ("offspring" is no "off spring").
    assert kw.split_unknown(["backpain"], frozenset({"backpain"})) == ["backpain"]


@pytest.mark.parametrize("query,doc", [("knee cap", 0), ("kneecaps", 0), ("xray", 2),
                                       ("x ray", 2)])
def test_bm25_matches_split_and_joined_spellings(query: str, doc: int) -> None:
    kw = KeywordIndex.build(DOCS)
    words = raw_tokens(query)
    scores = kw.scores(words + kw.compounds.join(words))
    assert int(np.argmax(scores)) == doc


def test_split_spelling_in_the_corpus_is_found_by_the_joined_query() -> None:
    kw = KeywordIndex.build(["Knee cap pain. Our knee cap page.", "Kneecap and knee basics.",
                             "Sciatica and the leg."])
    assert kw.scores(["kneecap"])[0] > 0  # the index also holds "knee cap" as "kneecap"


def test_a_title_compound_is_named_by_its_joined_or_split_spelling() -> None:
    kw = KeywordIndex.build(DOCS + ["Knee cap basics. The knee and the cap."])
    assert field_terms("Knee Cap Pain") == ["knee", "cap", "pain"]
    assert field_terms("") == []
    scorer = AttributeScorer(kw, ["Kneecap pain", "Low back pain", "X-ray", "Sciatica",
                                  "Knee cap basics"])
    assert compound_parts("Knee cap basics", kw.compounds) == {"kneecap": ("knee", "cap")}
    # "kneecap" names all of "Knee cap basics" except "basics"; "x ray" names the X-ray title.
    named = scorer.titles(frozenset({"kneecap"}), coverage=1.0)
    assert named[4] > 0.5 and named[0] > 0.5
    assert scorer.titles(frozenset({"x", "ray", "xray"}), coverage=1.0)[2] == pytest.approx(1.0)


def test_title_signal_is_idf_weighted_and_not_diluted_by_long_messages() -> None:
    kw = KeywordIndex.build(DOCS)
    scorer = AttributeScorer(kw, ["Kneecap pain", "Low back pain", "Imaging", "Sciatica"])
    for coverage in (0.0, 0.25, 1.0):
        short = scorer.titles(frozenset({"kneecap"}), coverage)
        long = scorer.titles(frozenset({"kneecap", "drowsi", "blood", "pressur"}), coverage)
        assert np.allclose(short, long)
    # "pain" is in two documents, "kneecap" in one: naming the rare word covers more.
    share = scorer.titles(frozenset({"kneecap"}), coverage=1.0)
    assert 0.5 < share[0] < 1.0 and share[1] == 0.0
    assert scorer.titles(frozenset({"kneecap", "pain"}), 1.0)[0] == pytest.approx(1.0)
    # Subject: the title naming the most of the query beats one naming only "pain".
    subject = scorer.titles(frozenset({"back", "pain"}), coverage=0.0)
    assert subject[1] == pytest.approx(1.0) and 0 < subject[0] < 1.0
    assert scorer.titles(frozenset(), 0.25).max() == 0.0
    headings = scorer.headings({1: "Low back pain", 2: ""}, frozenset({"back"}), 1.0)
    assert headings[1] > 0 and headings[2] == 0.0 and headings[0] == 0.0


def test_courtesy_phrases_and_signatures_are_dropped_but_the_subject_stays() -> None:
    c = Courtesy.load()
    msg = "Hi doctor, tizanidine: does it make you drowsy? Thank you very much, Mary Smith"
    assert words(c.remove(msg)) == ["doctor", "tizanidine", "make", "drowsy"]
    assert words(c.remove("Dear sir, my back hurts. Kind regards")) == ["back", "hurts"]
    # A closing phrase followed by a real question is not a signature.
    assert "sciatica" in c.remove("Thanks! What helps sciatica at night when lying down?")
    assert c.remove("Thigh pain") == "Thigh pain"  # no partial-word matches ("hi" in thigh)


def test_courtesy_is_linear_on_hostile_input() -> None:
    c = Courtesy.load()
    t0 = time.perf_counter()
    out = c.remove("thank " * 20000 + "(.*)[" * 1000)
    assert time.perf_counter() - t0 < 2.0 and "(.*)[" in out


def test_editor_courtesy_file_extends_the_list(tmp_path) -> None:
    extra = tmp_path / "courtesy.txt"
    extra.write_text("# ours\nnamaste\n")
    assert words(Courtesy.load(extra).remove("Namaste, neck pain")) == ["neck", "pain"]


def _articles() -> list[Article]:
    filler = "Patients ask about pain, sleep, blood pressure, surgery and drowsy days. " * 4
    def art(slug: str, title: str, text: str) -> Article:
        return Article(url=f"https://clinic.example/blog/{slug}/", title=title,
                       sections=(Section("", text + " " + filler),), summary=text[:80])
    return [art("tizanidine", "Tizanidine", "Tizanidine relaxes muscles; some feel drowsy."),
            art("bp", "Blood pressure pills and back pain", "Blood pressure pills and pain."),
            art("drowsy", "Why pain pills make you drowsy", "Drowsy after pain pills."),
            art("knee", "Knee surgery recovery", "Knee surgery next year and recovery."),
            art("kneecap", "Kneecap pain", "The kneecap hurts on stairs; knee and cap.")]


def test_the_article_whose_title_is_the_named_subject_wins(settings) -> None:
    build_index(_articles(), FakeEmbedder(), settings)
    msg = ("Hi, tizanidine - does it make you drowsy? I also take pills for my blood "
           "pressure and may need knee surgery next year. Thank you very much")

    def margin(service: Service, query: str, title: str) -> float:
        hits = service.search(query, 5).results
        assert hits[0].title == title
        return hits[0].score / hits[1].score

    margins = []
    for weight in (0.0, 0.3):
        service = Service(settings.replace(title_signal_weight=weight), embedder=FakeEmbedder())
        service.reload()
        margins.append((margin(service, msg, "Tizanidine"),
                        margin(service, "knee cap hurts", "Kneecap pain")))
    # The title signal widens the lead of the article whose title the question names.
    assert margins[1][0] > margins[0][0] and margins[1][1] > margins[0][1]


def test_evaluate_ablation_rows(settings, tmp_path) -> None:
    build_index(_articles(), FakeEmbedder(), settings)
    (tmp_path / "q.jsonl").write_text('{"id": "q1", "text": "is tizanidine making me drowsy"}\n'
                                      '{"id": "q2", "text": "knee cap hurts"}\n')
    (tmp_path / "qrels.tsv").write_text("q1\ttizanidine\t3\nq2\tkneecap\t3\n")
    env = {"RELATEDPOSTS_INDEX_DIR": str(settings.index_dir), "RELATEDPOSTS_EMBEDDER": "fake"}
    result = CliRunner().invoke(main, ["evaluate", "--queries", str(tmp_path / "q.jsonl"),
                                       "--qrels", str(tmp_path / "qrels.tsv"), "--ablation",
                                       "--json"], env=env)
    assert result.exit_code == 0, result.output
    rows = {r["configuration"]: r for r in json.loads(result.output)}
    assert set(rows) >= {"shipped", "without title signal", "without heading signal",
                         "without BM25", "without dense", "without compounds",
                         "without courtesy stripping"}
    assert rows["shipped"]["ndcg@10"] >= rows["without title signal"]["ndcg@10"]


def test_hostile_queries_for_the_new_query_steps(settings) -> None:
    build_index(_articles(), FakeEmbedder(), settings)
    service = Service(settings, embedder=FakeEmbedder())
    service.reload()
    # Only courtesy: nothing left for the keywords, the search still answers (dense side).
    page = service.search("Hi! Thank you very much, dear sir. Kind regards", 5)
    assert page.total >= 0 and page.corrected_query is None
    # A pasted wall of joined words and regex metacharacters stays fast and safe.
    t0 = time.perf_counter()
    service.search(("kneecap" * 40 + " x-ray (.*)+ [a-z]{99} ") * 8, 5)
    service.search("knee " * 200, 5)
    assert time.perf_counter() - t0 < 5.0
