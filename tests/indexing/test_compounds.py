"""Compounds come from the corpus: joined words split into corpus words, known ones stay."""

from __future__ import annotations

from relatedposts.indexing.keywords import KeywordIndex

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
