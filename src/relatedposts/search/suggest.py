"""Search-as-you-type: completions of a typed prefix, looked up in a sorted array.

Completions come from the blog's titles and headings, the vocabulary's phrases and the
popular queries the caller passes in (live/service.py takes them from the query log's
k-anonymous report: a query fewer than Settings.privacy_min_visitors visitors asked never
gets here). Every phrase is keyed by its normalised words (text.normalize: NFKC, case folding,
zero-width characters removed; punctuation is a word break), once from each word start, so
"back" completes "Lower Back Pain" too. The keys are sorted once per index version; a call
is one bisect and a short scan, never a pass over the corpus.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass

from relatedposts.indexing.keywords import Vocabulary
from relatedposts.models import Article
from relatedposts.text import normalize, words

NON_WORD = re.compile(r"[\W_]+")
# Where a phrase may be completed from: its first words, not the tail of a long heading.
MAX_STARTS = 6
MAX_PHRASE_CHARS = 80  # longer headings are sentences, not completions
SCAN = 200  # keys looked at per call: bounds the time of a one-letter prefix
KINDS = ("title", "query", "heading", "term")  # best first, when several phrases match


@dataclass(frozen=True)
class Suggestion:
    """One completion: the text to show, where it comes from, the article for a title."""

    text: str
    kind: str
    url: str | None = None

    def to_dict(self) -> dict[str, object]:
        """Return the completion as the API shows it."""
        body: dict[str, object] = {"text": self.text, "kind": self.kind}
        if self.url:
            body["url"] = self.url
        return body


def suggest_key(text: str) -> str:
    """Return the form a phrase and a prefix are compared in: normalised words, one space."""
    return " ".join(NON_WORD.split(normalize(text))).strip()


def _offered(phrase: str, known: Container[str] | None) -> bool:
    """Return whether a vocabulary phrase is a completion: it starts with a content word
    ("the sciatic" does not) and, when known is given, the blog has all its words."""
    kept = words(phrase)
    if not kept or not kept[0].startswith(suggest_key(phrase).split(" ")[0]):
        return False
    return known is None or all(w in known for w in kept)


class Suggester:
    """Completions of prefixes, from phrases keyed at each word start (built once)."""

    def __init__(self, entries: Iterable[Suggestion]) -> None:
        self.entries: list[Suggestion] = []
        seen: dict[str, int] = {}
        for entry in entries:
            key = suggest_key(entry.text)
            if not key or len(key) > MAX_PHRASE_CHARS or key in seen:
                continue  # the first (best kind) of equal phrases wins
            seen[key] = len(self.entries)
            self.entries.append(entry)
        pairs = []
        for key, i in seen.items():
            starts = [0] + [m.end() for m in re.finditer(" ", key)][:MAX_STARTS - 1]
            pairs += [(key[s:], i, s) for s in starts]
        pairs.sort()
        self._keys = [k for k, _, _ in pairs]
        self._ids = [(i, s) for _, i, s in pairs]

    @classmethod
    def build(cls, articles: Sequence[Article], vocabulary: Vocabulary,
              popular: Sequence[str] = (), known: Container[str] | None = None) -> Suggester:
        """Return the suggester of a corpus: titles, headings, vocabulary, popular queries.

        known: the corpus's words; a vocabulary phrase is offered only when the blog has
        all its words (a completion that finds nothing is no help).
        """
        entries = [Suggestion(a.title, "title", a.url) for a in articles]
        entries += [Suggestion(q, "query") for q in popular]
        entries += [Suggestion(s.heading, "heading") for a in articles for s in a.sections
                    if s.heading]
        entries += [Suggestion(p, "term") for group in vocabulary.groups for p in group
                    if _offered(p, known)]
        entries.sort(key=lambda e: KINDS.index(e.kind))  # stable: corpus order within a kind
        return cls(entries)

    def __len__(self) -> int:
        return len(self.entries)

    def suggest(self, prefix: str, limit: int = 8) -> list[Suggestion]:
        """Return up to limit completions of prefix: phrase starts first, then kind, shorter."""
        p = suggest_key(prefix)
        if not p or limit <= 0:
            return []
        found: dict[int, int] = {}  # entry -> where in it the prefix starts
        i = bisect_left(self._keys, p)
        end = min(len(self._keys), i + SCAN)
        while i < end and self._keys[i].startswith(p):
            entry, start = self._ids[i]
            found[entry] = min(start, found.get(entry, start))
            i += 1

        def rank(entry: int) -> tuple[bool, int, int, int]:
            e = self.entries[entry]
            return found[entry] > 0, KINDS.index(e.kind), len(e.text), entry

        return [self.entries[e] for e in sorted(found, key=rank)[:limit]]
