"""The keyword index and vocabulary: BM25 on stems and compounds, lay-to-clinical groups,
typo correction from the corpus.
"""

from __future__ import annotations

import numpy as np
import pytest

from relatedposts.indexing.compounds import raw_tokens
from relatedposts.indexing.keywords import KeywordIndex, Vocabulary

DOCS = ["Kneecap pain. The kneecap slides over the knee; a cap of bone.",
        "Low back pain. Back pain after lifting; the back hurts and the pain lingers.",
        "Imaging. An x-ray shows bone; a second X-ray after surgery.",
        "Sciatica. Leg pain from the sciatic nerve."]


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


def test_real_words_missing_from_the_blog_are_not_treated_as_typos() -> None:
    kw = KeywordIndex.build(["sciatica and leg pain", "hours of sitting"] * 2)
    assert kw.correct(["hurts", "sciatia"]) == ["hours", "sciatica"]  # corpus alone misfires
    assert kw.correct(["hurts", "sciatia"], frozenset({"hurts"})) == ["hurts", "sciatica"]


def test_dictionary_comes_from_the_model_vocabulary(tmp_path) -> None:
    from relatedposts.indexing.keywords import load_dictionary

    (tmp_path / "vocab.txt").write_text("[PAD]\n##ing\nhurts\nback\nThe\nsciatica\n")
    assert load_dictionary(tmp_path) == frozenset({"hurts", "back", "sciatica"})
    assert load_dictionary(tmp_path / "missing") == frozenset()


def test_a_three_letter_typo_is_read_only_as_a_body_word_one_letter_away() -> None:
    kw = KeywordIndex.build(["neck pain and back pain", "a year of ear trouble", "the leg",
                             "head and heel"] * 2)
    body = frozenset({"neck", "back", "leg", "head", "heel", "arm"})
    # "nek" and "bak" miss a letter, "lge" swaps two; "arm" is no corpus word here.
    assert kw.correct(["nek", "bak", "lge", "arn"], short=body) == ["neck", "back", "leg", "arn"]
    # Without body words a three-letter word is never touched ("ear" is not "year").
    assert kw.correct(["nek", "eer"]) == ["nek", "eer"]
    assert kw.correct(["eer"], short=body) == ["eer"]  # no body word one letter away
    assert kw.correct(["hea"], short=body) == ["head"]  # heel is two letters away
    both = KeywordIndex.build(["hip and lip", "other words"] * 2)
    assert both.correct(["xip"], short=frozenset({"hip", "lip"})) == ["xip"]  # a guess: kept
