"""Attribute ranking: how much of an article's title (or a passage's heading) the query names.

The title is an article's most important attribute (Algolia's "attribute" and "exactness"
rules): a question that names all of "Tizanidine" should put that article above ones that
merely share the topic. Each signal is the IDF-weighted share of the field's distinct stemmed
terms that the query contains, so it lies in [0, 1] and a long message never dilutes it:
extra query words can only add matches, never shrink the share.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from relatedposts.indexing.compounds import Compounds, raw_tokens
from relatedposts.indexing.keywords import STOPWORDS, KeywordIndex, stems


def field_terms(text: str, compounds: Compounds) -> list[str]:
    """Return a title's distinct stemmed terms, a split compound counted once ("knee cap")."""
    tokens = raw_tokens(text)
    out: list[str] = []
    i = 0
    while i < len(tokens):
        pair = compounds.join(tokens[i:i + 2]) if i + 1 < len(tokens) else []
        if pair:
            out.append(pair[0])
            i += 2
            continue
        if tokens[i] not in STOPWORDS:
            out.append(tokens[i])
        i += 1
    return list(dict.fromkeys(stems(out)))


@dataclass(frozen=True)
class WeightedTerms:
    """A field's terms with their IDF weights."""

    terms: tuple[str, ...]
    weights: tuple[float, ...]

    def share(self, query_terms: set[str] | frozenset[str]) -> float:
        """Return the IDF-weighted share of these terms found in query_terms."""
        total = sum(self.weights)
        if total <= 0:
            return 0.0
        return sum(w for t, w in zip(self.terms, self.weights, strict=True)
                   if t in query_terms) / total


class AttributeScorer:
    """Title shares for every article at once, heading shares for the passages shown."""

    def __init__(self, keyword: KeywordIndex, titles: list[str]) -> None:
        self.keyword = keyword
        self._n = len(titles)
        postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for a, title in enumerate(titles):
            field = self.weigh(title)
            total = sum(field.weights) or 1.0
            for t, w in zip(field.terms, field.weights, strict=True):
                postings[t].append((a, w / total))
        self._postings = {t: (np.array([a for a, _ in p], dtype=np.int64),
                              np.array([w for _, w in p], dtype=np.float32))
                          for t, p in postings.items()}
        self._headings: dict[str, WeightedTerms] = {}

    def weigh(self, text: str) -> WeightedTerms:
        """Return a field's terms, each weighted by its corpus IDF."""
        terms = field_terms(text, self.keyword.compounds)
        return WeightedTerms(tuple(terms), tuple(self.keyword.idf(t) for t in terms))

    def titles(self, query_terms: set[str] | frozenset[str]) -> np.ndarray:
        """Return every article's title share for the query's stemmed terms."""
        out = np.zeros(self._n, dtype=np.float32)
        for t in query_terms:
            hit = self._postings.get(t)
            if hit is not None:
                np.add.at(out, hit[0], hit[1])
        return np.minimum(out, 1.0)

    def heading(self, heading: str, query_terms: set[str] | frozenset[str]) -> float:
        """Return one heading's share (headings repeat across articles, so cache them)."""
        field = self._headings.get(heading)
        if field is None:
            field = self.weigh(heading)
            if len(self._headings) < 100_000:  # bounded: the index's headings, not queries
                self._headings[heading] = field
        return field.share(query_terms)
