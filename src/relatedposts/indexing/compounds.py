"""De-compounding from the corpus's own vocabulary: "knee cap" = "kneecap", "x-ray" = "xray".

A patient may split a word the blog writes joined ("knee cap" for kneecap) or join one it
writes split ("backpain"). No word list is hard-coded: a *compound* is a word the corpus
itself writes joined while both of its halves are corpus words too, or a pair the corpus
hyphenates ("x-ray"). Two adjacent words whose concatenation is a compound then also count
as the compound, and an unknown query word made of two corpus words counts as those words.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

MIN_PART = 3  # "bed"+"rest": shorter halves ("a"+"cute") join far too much by chance
MIN_COMPOUND = 6
TOKEN_RE = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|-")
HYPHENATED_RE = re.compile(r"\b([a-z]+)-([a-z]+)\b")
FILE = "compounds.json"


def raw_tokens(text: str) -> list[str]:
    """Return lowercase words in order, stopwords kept, possessives cut ("john's" -> john)."""
    return [t.split("'")[0] for t in TOKEN_RE.findall(text.lower().replace("’", "'"))
            if t != "-"]


@dataclass(frozen=True)
class Compounds:
    """The corpus's compound words, and the corpus words a query word may split into."""

    joined: frozenset[str]
    known: frozenset[str] = frozenset()

    @classmethod
    def learn(cls, texts: Iterable[str], stopwords: frozenset[str]) -> Compounds:
        """Find the compounds of a corpus: joined words made of two corpus words, and hyphenations."""
        vocab: set[str] = set()
        hyphenated: set[str] = set()
        for text in texts:
            lower = text.lower()
            vocab.update(raw_tokens(lower))
            hyphenated.update(a + b for a, b in HYPHENATED_RE.findall(lower))
        parts = {w for w in vocab if len(w) >= MIN_PART and w.isalpha() and w not in stopwords}
        joined = {w for w in vocab if len(w) >= MIN_COMPOUND and w not in stopwords
                  and _split(w, parts) is not None}
        return cls(frozenset(joined | (hyphenated - stopwords)), frozenset(parts))

    def with_known(self, words: Iterable[str]) -> Compounds:
        """Return a copy whose split parts are these corpus words (the keyword vocabulary)."""
        return Compounds(self.joined, frozenset(
            w for w in words if len(w) >= MIN_PART and w.isalpha()))

    def join(self, tokens: list[str]) -> list[str]:
        """Return the compounds that adjacent token pairs spell ("knee", "caps" -> kneecaps)."""
        out = []
        for a, b in zip(tokens, tokens[1:], strict=False):
            if a + b in self.joined:
                out.append(a + b)
            elif b.endswith("s") and a + b[:-1] in self.joined:
                out.append(a + b[:-1])
        return out

    def split(self, word: str) -> tuple[str, str] | None:
        """Split a word the corpus never uses into two corpus words ("backpain"), else None."""
        if word in self.known or word in self.joined or len(word) < MIN_COMPOUND:
            return None
        return _split(word, self.known)

    def save(self, directory: Path) -> None:
        """Write the compound words as JSON next to the keyword index (parts come from vocab)."""
        (directory / FILE).write_text(json.dumps({"joined": sorted(self.joined)}), "utf-8")

    @classmethod
    def load(cls, directory: Path) -> Compounds:
        """Read what save() wrote; an index built before de-compounding has none."""
        path = directory / FILE
        if not path.is_file():
            return cls(frozenset())
        return cls(frozenset(json.loads(path.read_text("utf-8"))["joined"]))


def _split(word: str, parts: set[str] | frozenset[str]) -> tuple[str, str] | None:
    """Return the most balanced split of word into two parts, or None."""
    best: tuple[str, str] | None = None
    for i in range(MIN_PART, len(word) - MIN_PART + 1):
        a, b = word[:i], word[i:]
        if a in parts and b in parts and (
                best is None or abs(len(a) - len(b)) < abs(len(best[0]) - len(best[1]))):
            best = (a, b)
    return best
