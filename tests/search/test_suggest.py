"""Completions: word-start prefixes, normalisation, kinds ranked, vocabulary the blog knows."""

from __future__ import annotations

from relatedposts.indexing.keywords import Vocabulary
from relatedposts.models import Article, Section
from relatedposts.search import Suggester, Suggestion
from relatedposts.search.suggest import MAX_PHRASE_CHARS, suggest_key

ARTICLES = [
    Article("https://c.example/sciatica/", "Sciatica and Leg Pain",
            (Section("", "text"), Section("When to see a doctor", "text"))),
    Article("https://c.example/lower-back/", "Lower Back Pain", (Section("", "text"),)),
]
VOCAB = Vocabulary((("sciatica", "sciatic nerve pain"), ("lumbago", "lower back ache")))


def _texts(found: list[Suggestion]) -> list[str]:
    return [s.text for s in found]


def test_completes_titles_headings_terms_and_queries() -> None:
    sugg = Suggester.build(ARTICLES, VOCAB, popular=["sciatica stretches"])
    found = sugg.suggest("sci")
    assert found[0] == Suggestion("Sciatica and Leg Pain", "title", "https://c.example/sciatica/")
    assert _texts(found)[1:] == ["sciatica stretches", "sciatica", "sciatic nerve pain"]
    assert _texts(sugg.suggest("when")) == ["When to see a doctor"]
    assert sugg.suggest("when")[0].kind == "heading"


def test_matches_word_starts_after_phrase_starts() -> None:
    sugg = Suggester.build(ARTICLES, VOCAB)
    assert _texts(sugg.suggest("back")) == ["Lower Back Pain", "lower back ache"]
    assert _texts(sugg.suggest("lower b")) == ["Lower Back Pain", "lower back ache"]
    assert sugg.suggest("ack") == []  # inside a word is no word start


def test_prefixes_are_normalised_like_search() -> None:
    sugg = Suggester.build(ARTICLES, VOCAB)
    assert suggest_key("  ＳＣＩＡＴＩＣＡ\u200b,  and  ") == "sciatica and"
    assert _texts(sugg.suggest("ｓｃｉａｔ"))[0] == "Sciatica and Leg Pain"
    assert _texts(sugg.suggest("SCIATICA-AND"))[0] == "Sciatica and Leg Pain"


def test_vocabulary_phrases_the_blog_lacks_are_left_out() -> None:
    sugg = Suggester.build(ARTICLES, VOCAB, known={"sciatica", "lower", "back", "ache"})
    assert "sciatic nerve pain" not in _texts(sugg.suggest("sci"))
    assert "lumbago" not in _texts(sugg.suggest("lum"))
    assert "lower back ache" in _texts(sugg.suggest("lower"))


def test_empty_blank_and_unmatched_prefixes_complete_nothing() -> None:
    sugg = Suggester.build(ARTICLES, VOCAB)
    for prefix in ("", "   ", "\u200b", "!!!", "zzz", "\u0301" * 50):
        assert sugg.suggest(prefix) == []
    assert sugg.suggest("sci", limit=0) == []


def test_limit_duplicates_and_long_phrases() -> None:
    long = Article("https://c.example/long/", "S" + "x" * MAX_PHRASE_CHARS, (Section("", "t"),))
    sugg = Suggester.build([*ARTICLES, long], VOCAB, popular=["Sciatica and leg pain"])
    assert len(sugg.suggest("s", limit=2)) == 2
    # The title and the equal popular query are one completion, the title's.
    assert [s.kind for s in sugg.suggest("sciatica and")] == ["title"]
    assert all(not s.text.startswith("Sx") for s in sugg.suggest("s", limit=50))


def test_to_dict() -> None:
    assert Suggestion("a", "term").to_dict() == {"text": "a", "kind": "term"}
    assert Suggestion("T", "title", "u").to_dict() == {"text": "T", "kind": "title", "url": "u"}


def test_vocabulary_phrases_starting_with_a_stopword_are_no_completions() -> None:
    vocab = Vocabulary((("sciatica", "the sciatic", "sciatic nerve"),))
    assert _texts(Suggester.build([], vocab).suggest("s")) == ["sciatica", "sciatic nerve"]
