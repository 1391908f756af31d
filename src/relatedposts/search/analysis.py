"""Query analysis: what BM25 and the title signals should look for in a patient's words.

Courtesy is dropped ("Hi, I was wondering..."), split or joined words are mended against the
corpus ("backpain", "knee cap"), typos are fixed against the corpus vocabulary (a three-letter
word only into a body word: "nek" is "neck"), and the lay or clinical equivalents of the words
are added (for the keyword half only; the dense half sees the patient's own text, corrected).
"""

from __future__ import annotations

import functools
from collections.abc import Container
from dataclasses import dataclass

from relatedposts.config import Settings
from relatedposts.indexing.compounds import raw_tokens
from relatedposts.indexing.keywords import KeywordIndex, Vocabulary
from relatedposts.search.attributes import body_regions
from relatedposts.search.courtesy import default_courtesy
from relatedposts.text import stems, words


@dataclass(frozen=True)
class AnalyzedQuery:
    """One query as the keyword half sees it."""

    text: str  # the query, white space folded
    keyword_words: list[str]  # the subject's words after mending and typo fixing
    expansions: list[str]  # the words of its lay/clinical equivalents (may be empty)
    corrected: str | None  # the query as corrected, when typo fixing changed a word


class Known(Container[str]):
    """Words in either of two sets, looked up in both instead of copied into one."""

    def __init__(self, first: Container[str], second: Container[str]) -> None:
        self.first, self.second = first, second

    def __contains__(self, word: object) -> bool:
        return word in self.first or word in self.second


class QueryAnalyzer:
    """Turn a query into the words the keyword half and the title signals use."""

    def __init__(self, keyword: KeywordIndex, settings: Settings,
                 vocabulary: Vocabulary | None = None,
                 dictionary: frozenset[str] = frozenset()) -> None:
        self.keyword = keyword
        self.settings = settings
        self.vocabulary = vocabulary or Vocabulary(())
        self.dictionary = dictionary
        self.courtesy = default_courtesy(settings.courtesy_file)
        # Words the lay/clinical vocabulary names ("meds" in "pain meds") are names, not typos.
        self._named = frozenset(w for group in self.vocabulary.groups for p in group
                                for w in words(p))
        self._body_words = body_words()

    def analyze(self, query: str) -> AnalyzedQuery:
        """Return the query's keyword words, their expansions and the corrected query."""
        subject = self.courtesy.remove(query) if self.settings.strip_courtesy else query
        kw_words, corrected = self.keyword_words(query, subject)
        return AnalyzedQuery(query, kw_words, self.expansions(kw_words), corrected)

    def keyword_words(self, query: str, subject: str) -> tuple[list[str], str | None]:
        """Return the subject's words for BM25 after typo fixing, and the corrected query."""
        raw = words(subject)
        keyword = self.keyword
        # A view, not a union: copying the 20,000-word dictionary cost 0.45 ms a search.
        known = Known(self.dictionary, self.known_names(raw))
        if self.settings.decompound:  # before typo fixing: "backpain" is no typo of "back"
            raw = keyword.split_unknown(raw, known)
        fixed = keyword.correct(raw, known, self._body_words) \
            if self.settings.typo_correction else raw
        mapping = dict(zip(raw, fixed, strict=True))
        corrected = None
        if fixed != raw:
            corrected = " ".join(mapping.get(w.lower(), w) for w in query.split())
        if self.settings.decompound:  # "knee cap" also means the corpus's "kneecap"
            fixed = fixed + keyword.compounds.join([mapping.get(t, t) for t in raw_tokens(subject)])
        return fixed, corrected

    def known_names(self, raw: list[str]) -> frozenset[str]:
        """Return the words to keep as written: the vocabulary's, or a corpus word's form.

        "meds" is the vocabulary's (no typo of "eds"); "asthmatics" shares its stem with the
        corpus's "asthmatic" (not "asthma" + "tics").
        """
        terms = self.keyword.bm25.vocab_dict
        return frozenset(w for w in raw if w in self._named or stems([w])[0] in terms)

    def expansions(self, kw_words: list[str]) -> list[str]:
        """Return the words of the lay/clinical equivalents of the query (when expanding)."""
        if not self.settings.query_expansion:
            return []
        return [w for p in self.vocabulary.expansions(" ".join(kw_words)) for w in words(p)]


@functools.cache
def body_words() -> frozenset[str]:
    """Return the one-word names of body parts (data/body_regions.txt, with back and spine):
    what a three-letter typo may be read as."""
    named = {w for region in body_regions() for w in region if " " not in w}
    return frozenset(named | {"back", "spine"})
