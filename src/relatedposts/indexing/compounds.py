"""De-compounding from the corpus's own vocabulary: "knee cap" = "kneecap", "x-ray" = "xray".

A patient may split a word the blog writes joined ("knee cap" for kneecap) or join one it
writes split ("backpain"). No word list is hard-coded, the corpus decides: two adjacent words
(neither a stopword, each of 3+ letters) also count as their concatenation when the corpus
uses that as a word, a pair the corpus hyphenates ("x-ray") also counts as its joined form,
and a query word the corpus lacks counts as the two corpus words it is made of.
"""

from __future__ import annotations

import json
import re
from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from relatedposts.text import normalize

MIN_PART = 3  # "bed"+"rest": shorter halves ("a"+"cute") join far too much by chance
MIN_COMPOUND = 6
# A joined form much rarer than its parts is a glitch of the source ("prostatecancer" once,
# "prostate" 200 times), not the way the corpus writes the word ("kneecap").
MIN_JOINED_SHARE = 0.1
TOKEN_RE = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
HYPHENATED_RE = re.compile(r"\b([a-z]+)-([a-z]+)\b")
FILE = "compounds.json"


def raw_tokens(text: str) -> list[str]:
    """Return lowercase words in order, stopwords kept, possessives cut ("john's" -> john)."""
    return [t.split("'")[0] for t in TOKEN_RE.findall(normalize(text).replace("’", "'"))]


@dataclass(frozen=True)
class Compounds:
    """The corpus's hyphenated pairs, its words (what a pair may join into) and stopwords."""

    joined: frozenset[str]
    known: Mapping[str, int] = field(default_factory=dict)  # corpus word -> count
    stop: frozenset[str] = frozenset()

    @classmethod
    def learn(cls, texts: Iterable[str], stopwords: frozenset[str]) -> Compounds:
        """Find the pairs a corpus hyphenates ("x-ray" -> xray); its words come with_known()."""
        hyphenated = {a + b for text in texts for a, b in HYPHENATED_RE.findall(text.lower())
                      if a not in stopwords and b not in stopwords}  # not "it-is", "over-the"
        return cls(frozenset(hyphenated), {}, stopwords)

    def with_known(self, counts: Mapping[str, int], stopwords: frozenset[str]) -> Compounds:
        """Return a copy that knows the corpus's words and their counts (the vocabulary)."""
        return Compounds(self.joined, counts, stopwords)

    def join(self, tokens: list[str]) -> list[str]:
        """Return the corpus words that adjacent token pairs spell ("knee", "caps" -> kneecaps)."""
        out = []
        for a, b in zip(tokens, tokens[1:], strict=False):
            word = self._joined(a, b)
            if word:
                out.append(word)
        return out

    def _joined(self, a: str, b: str) -> str | None:
        if a + b in self.joined:  # hyphenated in the corpus: any part length ("x-ray")
            return a + b
        if len(a) < MIN_PART or len(b) < MIN_PART or a in self.stop or b in self.stop:
            return None
        for word in (a + b, a + b[:-1] if b.endswith("s") else ""):
            if len(word) >= MIN_COMPOUND and self._attested(word, a, b):
                return word
        return None

    def _attested(self, word: str, a: str, b: str) -> bool:
        """Return True when the corpus really writes word as one word (not by a glitch)."""
        count = self.known.get(word, 0)
        parts = min(self.known.get(a, 0), self.known.get(b.removesuffix("s"), 0))
        return count > 0 and count >= MIN_JOINED_SHARE * parts

    def split(self, word: str, dictionary: Container[str] = frozenset()) -> tuple[str, str] | None:
        """Split a word neither the corpus nor the dictionary knows ("backpain"), else None."""
        if (word in self.known or word in self.joined or word in dictionary
                or len(word) < MIN_COMPOUND):
            return None
        return _split(word, self.known, self.stop)

    def save(self, directory: Path) -> None:
        """Write the hyphenated compounds as JSON next to the keyword index."""
        (directory / FILE).write_text(json.dumps({"joined": sorted(self.joined)}), "utf-8")

    @classmethod
    def load(cls, directory: Path) -> Compounds:
        """Read what save() wrote; an index built before de-compounding has none."""
        path = directory / FILE
        if not path.is_file():
            return cls(frozenset())
        return cls(frozenset(json.loads(path.read_text("utf-8"))["joined"]), {})


def _split(word: str, parts: Mapping[str, int], stop: frozenset[str]) -> tuple[str, str] | None:
    """Return the most balanced split of word into two parts, or None."""
    best: tuple[str, str] | None = None
    for i in range(MIN_PART, len(word) - MIN_PART + 1):
        a, b = word[:i], word[i:]
        if a in parts and b in parts and a not in stop and b not in stop and (
                best is None or abs(len(a) - len(b)) < abs(len(best[0]) - len(best[1]))):
            best = (a, b)
    return best
