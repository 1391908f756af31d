"""Attribute ranking: how much of an article's title (or a passage's heading) the query names.

The title is an article's most important attribute (Algolia's "attribute" and "exactness"
rules): a question that names all of "Tizanidine" should put that article above ones that
merely share the topic. A field's signal blends two IDF-weighted measures, both in [0, 1]:

- coverage: the share of the field's distinct stemmed terms that the query names ("What is
  Down syndrome?" is fully covered by "syndrome" alone, so coverage cannot be all);
- subject: the IDF mass of the query terms the field names, relative to the field that names
  the most (a title naming "edwards syndrome" beats one naming only "syndrome").

Neither is divided by the query's length, so a long message never dilutes them: extra words
can only add matches. The blend was chosen on the dev set (docs/benchmarks.md).
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

import numpy as np

from relatedposts.indexing.compounds import Compounds, raw_tokens
from relatedposts.indexing.keywords import KeywordIndex, stems, words

# Every way of saying it hurts is one term for the title and heading signals: "hurts" is a
# rare word in a blog's titles, so "my leg hurts" matched "Why Does My Back Hurt More at
# Night?" on it as strongly as on a condition's name, above the sciatica article.
PAIN = "pain"
PAIN_STEMS = frozenset(stems(["hurt", "hurts", "hurting", "ache", "aches", "aching", "achy",
                              "sore", "soreness", "painful", "pains"]))


def one_pain(terms: Iterable[str]) -> list[str]:
    """Return stemmed terms with every pain word as "pain", each term once."""
    return list(dict.fromkeys(PAIN if t in PAIN_STEMS else t for t in terms))


def field_terms(text: str) -> list[str]:
    """Return a title's distinct stemmed terms, stopwords removed, pain words as one."""
    return one_pain(stems(words(text)))


def compound_parts(text: str, compounds: Compounds) -> dict[str, tuple[str, str]]:
    """Return the compounds a field's adjacent words spell, stemmed, with their two parts."""
    tokens = raw_tokens(text)
    out = {}
    for a, b in zip(tokens, tokens[1:], strict=False):
        joined = compounds.join([a, b])
        if joined:
            out[stems(joined)[0]] = (stems([a])[0], stems([b])[0])
    return out


@dataclass(frozen=True)
class WeightedTerms:
    """A field's terms with their IDF weights."""

    terms: tuple[str, ...]
    weights: tuple[float, ...]

    def matched(self, query_terms: set[str] | frozenset[str]) -> float:
        """Return the IDF mass of these terms found in query_terms."""
        return sum(w for t, w in zip(self.terms, self.weights, strict=True) if t in query_terms)


class AttributeScorer:
    """Title shares for every article at once, heading shares for the passages shown."""

    def __init__(self, keyword: KeywordIndex, titles: list[str],
                 compounds: Compounds | None = None) -> None:
        self.keyword = keyword
        self.compounds = keyword.compounds if compounds is None else compounds
        self._n = len(titles)
        self._titles = titles
        self._regions: BodyRegions | None = None  # built at the first search that asks
        # "Knee cap pain" is named by "kneecap" too: the compound stands for both its parts.
        self._parts: dict[str, tuple[str, str]] = {}
        postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        self._totals = np.ones(self._n, dtype=np.float32)
        for a, title in enumerate(titles):
            field = self.weigh(title)
            self._totals[a] = sum(field.weights) or 1.0
            for t, w in zip(field.terms, field.weights, strict=True):
                postings[t].append((a, w))
        self._postings = {t: (np.array([a for a, _ in p], dtype=np.int64),
                              np.array([w for _, w in p], dtype=np.float32))
                          for t, p in postings.items()}
        self._headings: dict[str, tuple[WeightedTerms, frozenset[str], float]] = {}

    def weigh(self, text: str) -> WeightedTerms:
        """Return a field's terms, each weighted by its corpus IDF (and note its compounds)."""
        terms = field_terms(text)
        if len(self._parts) < 100_000:
            self._parts.update(compound_parts(text, self.compounds))
        return WeightedTerms(tuple(terms), tuple(self.keyword.idf(t) for t in terms))

    def expand(self, query_terms: set[str] | frozenset[str]) -> frozenset[str]:
        """Add the parts of every field compound the query names ("kneecap" -> knee, cap)."""
        extra = {p for t in query_terms if t in self._parts for p in self._parts[t]}
        return frozenset(one_pain(query_terms)) | extra

    def titles(self, query_terms: set[str] | frozenset[str], coverage: float,
               exclude: np.ndarray | None = None) -> np.ndarray:
        """Return every article's title signal: coverage-weighted blend with subject.

        Titles in the exclude mask get none (BodyRegions.conflicts).
        """
        mass = np.zeros(self._n, dtype=np.float32)
        for t in self.expand(query_terms):
            hit = self._postings.get(t)
            if hit is not None:
                np.add.at(mass, hit[0], hit[1])
        if exclude is not None:
            mass[exclude] = 0.0
        return blend(mass, self._totals, coverage)

    def region_conflicts(self, query_terms: list[str]) -> np.ndarray:
        """Return the mask of titles naming only other body regions than the query does."""
        return self._body().conflicts(query_terms)

    def symptom_lift(self, query_terms: list[str]) -> np.ndarray:
        """Return 1.0 for titles naming the spinal level the query's symptoms point to."""
        return self._body().symptom_lift(query_terms).astype(np.float32)

    def _body(self) -> BodyRegions:
        if self._regions is None:
            self._regions = BodyRegions(self._titles, body_regions(), spine_levels())
        return self._regions

    def headings(self, headings: dict[int, str], query_terms: set[str] | frozenset[str],
                 coverage: float) -> np.ndarray:
        """Return the heading signal of the given article -> heading (0 elsewhere)."""
        mass, totals = np.zeros(self._n, np.float32), np.ones(self._n, np.float32)
        query_terms = self.expand(query_terms)
        for a, heading in headings.items():
            field, terms, total = self._heading(heading)
            # A heading naming none of the query's terms blends to 0 whatever its total: one
            # set test instead of weighing it (most of the ~100 shown a search, issue 26).
            if not terms.isdisjoint(query_terms):
                mass[a] = field.matched(query_terms)
                totals[a] = total
        return blend(mass, totals, coverage)

    def _heading(self, heading: str) -> tuple[WeightedTerms, frozenset[str], float]:
        """Return a heading's weighted terms, their set and total weight (cached)."""
        found = self._headings.get(heading)
        if found is None:
            field = self.weigh(heading)
            found = field, frozenset(field.terms), sum(field.weights) or 1.0
            if len(self._headings) < 100_000:  # bounded: the index's headings, not queries
                self._headings[heading] = found
        return found


def blend(mass: np.ndarray, totals: np.ndarray, coverage: float) -> np.ndarray:
    """Mix coverage (mass / field total) and subject (mass / best mass) in [0, 1]."""
    top = float(mass.max(initial=0.0))
    if top <= 0:
        return np.zeros_like(mass)
    return (coverage * np.minimum(mass / totals, 1.0) + (1 - coverage) * mass / top).astype(
        np.float32)


class BodyRegions:
    """Which titles name a body region or spinal level, and which ones a query names.

    "Pinched nerve down my leg" names the leg; "Pinched Nerve in the Neck" names only the
    neck, so its title must not lift it above the sciatica article (the text still counts).
    The leg is where lumbar (sciatic) trouble is felt, so the query also names that level:
    titles naming it ("Sciatica") are the ones `symptom_lift` marks.
    """

    def __init__(self, titles: list[str], groups: list[list[str]],
                 levels: list[Level] | None = None) -> None:
        self._region = _keys(groups)  # stemmed word (or "word word") -> region
        self._level = _keys([lv.names for lv in levels or ()])  # -> level, by its own names
        self._symptom = _keys([lv.symptoms for lv in levels or ()])  # -> level, by symptoms
        # A level's names that are regions too ("neck") are asked with the level.
        self._level_regions = [self._named(self._region, _terms(lv.names)) for lv in levels or ()]
        title_terms = [field_terms(t) for t in titles]
        per_title = [self.named(t) for t in title_terms]
        self._named_mask = np.array([bool(r) for r in per_title], dtype=bool)
        self._by_region = {g: np.array([g in r for r in per_title], dtype=bool)
                           for g in range(len(groups))}
        per_level = [self._named(self._level, t) for t in title_terms]
        self._by_level = {g: np.array([g in r for r in per_level], dtype=bool)
                          for g in range(len(self._level_regions))}

    @staticmethod
    def _named(table: dict[str, int], terms: list[str]) -> set[int]:
        keys = set(terms) | {f"{a} {b}" for a, b in zip(terms, terms[1:], strict=False)}
        return {table[k] for k in keys if k in table}

    def named(self, terms: list[str]) -> set[int]:
        """Return the regions a list of stemmed terms names (pairs too: "rotator cuff")."""
        return self._named(self._region, terms)

    def symptom_levels(self, terms: list[str]) -> set[int]:
        """Return the spinal levels whose symptom regions the terms name ("leg" -> lumbar)."""
        return self._named(self._symptom, terms)

    def conflicts(self, query_terms: list[str]) -> np.ndarray:
        """Return a mask of titles that name regions, none of them one the query names."""
        asked = self.named(query_terms)
        levels = self.symptom_levels(query_terms) | self._named(self._level, query_terms)
        for lv in levels:
            asked |= self._level_regions[lv]
        if not asked:
            return np.zeros(len(self._named_mask), dtype=bool)
        shared = np.zeros(len(self._named_mask), dtype=bool)
        for g in asked:
            shared |= self._by_region[g]
        for lv in levels:
            shared |= self._by_level[lv]
        return self._named_mask & ~shared

    def symptom_lift(self, query_terms: list[str]) -> np.ndarray:
        """Return a mask of titles naming a level whose symptoms the query describes."""
        lifted = np.zeros(len(self._named_mask), dtype=bool)
        for lv in self.symptom_levels(query_terms):
            lifted |= self._by_level[lv]
        return lifted


@dataclass(frozen=True)
class Level:
    """A spinal level: the words naming it and the body regions where it is felt."""

    name: str
    names: list[str]
    symptoms: list[str]


def _terms(names: list[str]) -> list[str]:
    """Return the stemmed keys of some region or level names (one per name)."""
    return [" ".join(stems(words(n))) for n in names]


def _keys(groups: list[list[str]]) -> dict[str, int]:
    """Map each group's stemmed names to the group's position."""
    return {key: g for g, names in enumerate(groups) for key in _terms(names) if key}


@functools.cache
def body_regions() -> list[list[str]]:
    """Return the packaged body regions (data/body_regions.txt), read once per process."""
    return load_regions(resources.files("relatedposts").joinpath(
        "data/body_regions.txt").read_text("utf-8"))


def load_regions(text: str) -> list[list[str]]:
    """Parse body_regions.txt: one region per line, its words separated by '|'."""
    groups = []
    for line in text.splitlines():
        line = line.split("#", 1)[0]
        names = [n.strip().lower() for n in line.split("|") if n.strip()]
        if names and ":" not in line:  # "level: ..." lines are load_levels'
            groups.append(names)
    return groups


@functools.cache
def spine_levels() -> list[Level]:
    """Return the packaged spinal levels (data/body_regions.txt), read once per process."""
    return load_levels(resources.files("relatedposts").joinpath(
        "data/body_regions.txt").read_text("utf-8"))


def load_levels(text: str) -> list[Level]:
    """Parse the 'level: names > symptom regions' lines of body_regions.txt."""
    levels = []
    for line in text.splitlines():
        line = line.split("#", 1)[0]
        if ":" not in line or ">" not in line:
            continue
        name, rest = line.split(":", 1)
        names, symptoms = ([n.strip().lower() for n in part.split("|") if n.strip()]
                           for part in rest.split(">", 1))
        levels.append(Level(name.strip().lower(), names, symptoms))
    return levels
