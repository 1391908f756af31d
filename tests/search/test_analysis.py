"""Query analysis: what the keyword half and the title signals see of a patient's words."""

from __future__ import annotations

from relatedposts.indexing.build import build_index
from relatedposts.indexing.embedders import FakeEmbedder
from relatedposts.indexing.index import load
from relatedposts.indexing.keywords import Vocabulary
from relatedposts.indexing.versions import current_version
from relatedposts.search.analysis import QueryAnalyzer
from tests.support import TINY


def _analyzer(settings, **changes) -> QueryAnalyzer:
    build_index(TINY, FakeEmbedder(), settings)
    data = load(current_version(settings.index_dir))
    return QueryAnalyzer(data.keyword, settings.replace(**changes),
                         Vocabulary.load(settings.vocabulary_file))


def test_a_typo_is_fixed_against_the_corpus_and_reported(settings) -> None:
    analyzed = _analyzer(settings).analyze("sciatia leg pain")
    assert "sciatica" in analyzed.keyword_words and "sciatia" not in analyzed.keyword_words
    assert analyzed.corrected == "sciatica leg pain"


def test_typo_fixing_can_be_switched_off(settings) -> None:
    analyzed = _analyzer(settings, typo_correction=False).analyze("sciatia leg pain")
    assert "sciatia" in analyzed.keyword_words and analyzed.corrected is None


def test_courtesy_is_dropped_from_the_keyword_side_only(settings) -> None:
    query = "Hi there, thank you so much, what helps back spasms? Kind regards"
    analyzed = _analyzer(settings).analyze(query)
    assert {"back", "spasms"} <= set(analyzed.keyword_words)
    assert not {"thank", "regards", "hi"} & set(analyzed.keyword_words)
    assert analyzed.text == query  # the dense half still sees the patient's own words
    kept = _analyzer(settings, strip_courtesy=False).analyze(query)
    assert "regards" in kept.keyword_words  # the sign-off stays when stripping is off


def test_expansions_add_clinical_words_only_when_asked(settings) -> None:
    analyzer = _analyzer(settings)
    plain = analyzer.analyze("pinched nerve down my leg")
    assert plain.expansions  # the packaged vocabulary knows the lay phrase
    assert not set(plain.expansions) <= set(plain.keyword_words)
    off = QueryAnalyzer(analyzer.keyword, settings.replace(query_expansion=False),
                        analyzer.vocabulary)
    assert off.analyze("pinched nerve down my leg").expansions == []


def test_typo_fixing_and_decompounding_keep_known_names(settings) -> None:
    analyzer = _analyzer(settings)
    # "meds" is the vocabulary's ("pain meds"), not a typo of a corpus word.
    assert "meds" in analyzer.known_names(["meds", "sciatia"])
    assert "sciatia" not in analyzer.known_names(["meds", "sciatia"])
    assert "meds" in analyzer.analyze("pain meds for sciatia").keyword_words


def test_a_form_of_a_corpus_word_is_not_split(settings) -> None:
    from relatedposts.indexing.keywords import KeywordIndex

    keyword = KeywordIndex.build(["Asthma and tics. An asthmatic child; tics in children.",
                                  "Asthma inhalers for asthma attacks."])
    analyzer = QueryAnalyzer(keyword, settings, Vocabulary(()))
    words = analyzer.analyze("asthmatics and exercise").keyword_words
    assert "asthmatics" in words and "tics" not in words
