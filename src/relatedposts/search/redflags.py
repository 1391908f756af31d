"""Red-flag symptoms: does a search describe something that needs urgent care?

The phrases live in data/red_flags.txt, grouped under '# --- group ---' comment lines.
A query matches a phrase when every content word of the phrase appears in the query,
in any order, each allowing a typo (an edit or two, by word length) or another word form
(same Snowball stem). Requiring every word keeps plain queries such as "lower back pain
when sitting" quiet while "bak pain after a bad fall" still raises the notice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from rapidfuzz.distance import OSA, Indel

from relatedposts.models import Urgent
from relatedposts.text import stems

# Words that carry no symptom meaning; "cant", "no" and "without" are kept on purpose.
STOPWORD_TEXT = """a an and the my i me im ive is am are was it its of or to in on at for
with from when after before now that this have has had keeps keep been off"""
STOPWORDS = frozenset(STOPWORD_TEXT.split())
WORD_RE = re.compile(r"[a-z0-9]+")
REWRITES = ((r"\bcan ?not\b", "cant"), (r"\bunable to\b", "cant"), (r"\blost\b", "loss"))
GROUP_RE = re.compile(r"^#\s*-+\s*(.+?)\s*-+\s*$")


@dataclass(frozen=True)
class Phrase:
    """One red-flag phrase, its content words and the symptom group it belongs to."""

    text: str
    words: tuple[str, ...]
    group: str
    # The words' first letters: a query naming a phrase has a word starting with each (a
    # match keeps the first letter), so most phrases are ruled out by one subset test.
    letters: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "letters", frozenset(w[0] for w in self.words))


@dataclass(frozen=True)
class RedFlag:
    """A match: the phrase that matched and its symptom group, for the notice."""

    phrase: str
    group: str


def normalize(text: str) -> list[str]:
    """Return the content words of text: lowercase, apostrophes dropped, stopwords removed."""
    text = text.lower().replace("’", "'").replace("'", "")
    for pattern, repl in REWRITES:
        text = re.sub(pattern, repl, text)
    return [w for w in WORD_RE.findall(text) if w not in STOPWORDS]


@lru_cache(maxsize=1)
def phrases() -> tuple[Phrase, ...]:
    """Load the packaged red-flag phrases with their groups."""
    raw = resources.files("relatedposts").joinpath("data/red_flags.txt").read_text("utf-8")
    return parse(raw)


def parse(text: str) -> tuple[Phrase, ...]:
    """Parse red_flags.txt: one phrase a line, '# --- group ---' starts a group."""
    out: list[Phrase] = []
    group = "red-flag symptoms"
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("#"):
            m = GROUP_RE.match(line)
            group = m.group(1) if m else group
            continue
        content = normalize(line)
        if content:
            out.append(Phrase(line, tuple(content), group))
    return tuple(out)


def word_matches(want: str, got: str) -> bool:
    """Return True when got is want, another form of it, or a near miss of it (a typo)."""
    if want == got:
        return True
    shorter = min(len(want), len(got))
    # Every other match keeps the first letter: typos are not allowed there, and a Snowball
    # stem of an [a-z0-9] word is a prefix-preserving cut. Checked first, it saves a stem
    # and an edit distance for most of the phrase words a query is tried against.
    if shorter < 3 or want[0] != got[0]:
        return False
    if shorter <= 4:
        # Short words: one dropped or added letter ("bak" for "back"), no substitutions.
        return Indel.distance(want, got) <= 1
    if _stem(want) == _stem(got):
        return True
    # Longer words: a typo or two, but not in the first letter ("never" is not "fever").
    return OSA.distance(want, got) <= (1 if shorter <= 7 else 2)


@lru_cache(maxsize=16384)
def _stem(word: str) -> str:
    """Return one word's stem (memoized: phrase words recur in every query)."""
    return stems([word])[0]


def find(query: str, table: tuple[Phrase, ...] | None = None) -> list[RedFlag]:
    """Return every red-flag phrase the query describes (empty for a plain query)."""
    qwords = set(normalize(query))
    if not qwords:
        return []
    by_letter: dict[str, list[str]] = {}  # a match keeps the first letter (word_matches)
    for q in qwords:
        by_letter.setdefault(q[0], []).append(q)
    seen: dict[str, bool] = {}  # phrase words recur across phrases: each is tried once

    def named(w: str) -> bool:
        hit = seen.get(w)
        if hit is None:
            hit = seen[w] = any(word_matches(w, q) for q in by_letter.get(w[0], ()))
        return hit

    letters = by_letter.keys()
    return [RedFlag(phrase.text, phrase.group)
            for phrase in (table if table is not None else phrases())
            if phrase.letters <= letters and all(named(w) for w in phrase.words)]


def is_urgent(query: str) -> bool:
    """Return True when the query describes a red-flag symptom."""
    return bool(find(query))


def groups(flags: list[RedFlag]) -> list[str]:
    """Return the distinct symptom groups of some matches, in first-seen order."""
    return list(dict.fromkeys(f.group for f in flags))


URGENT_MESSAGE = ("Your search mentions a warning sign that can point to a serious problem. "
                  "Call your doctor today or go to the nearest emergency room. If it is an "
                  "emergency, call 911. Don't wait for an appointment or rely on articles.")
# What a clinic calls its article about when to seek urgent care.
RED_FLAG_ARTICLE_RE = re.compile(
    r"\b(red[- ]flags?|warning signs?|emergency|emergencies|urgent care)\b", re.IGNORECASE)


def urgent(query: str) -> Urgent | None:
    """Return the notice for a query describing a red-flag symptom, None for a plain one."""
    flags = find(query)
    if not flags:
        return None
    return Urgent(URGENT_MESSAGE, flags[0].phrase, tuple(groups(flags)))


def red_flag_articles(titles: list[str], tags: list[tuple[str, ...]]) -> dict[int, int]:
    """Return the articles naming red flags or emergencies: 2 in the title, 1 in a tag only.

    A tag is weaker: a tumour article tagged "red flags" is not the clinic's red-flag page.
    """
    out = {}
    for i, (title, tag) in enumerate(zip(titles, tags, strict=True)):
        if RED_FLAG_ARTICLE_RE.search(title):
            out[i] = 2
        elif any(RED_FLAG_ARTICLE_RE.search(t) for t in tag):
            out[i] = 1
    return out
