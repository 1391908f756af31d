"""Related-post labels derived from public metadata rather than written by hand.

Two sources, from a dataset of articles, questions and graded judgments (qrels, 0-3):
- co-relevance: two articles judged >= 2 for the same patient question are related;
- same focus: titles naming the same condition in different question forms ("What are the
  symptoms of X?", "How is X diagnosed?", "X (Treatment)") are related.
A pair's grade is min(3, shared questions + 2 if same focus): one shared question alone is 1,
the same focus alone is 2, both (or three questions) is 3. The file written is
{slug: {related slug: grade}}, a graded superset of the hand labels' {slug: [slugs]}.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from itertools import combinations
from pathlib import Path

from relatedposts.errors import BadRequest

# Question forms around a condition phrase, most specific first: each keeps group "x".
_PREFIXES = [
    "what (?:is|are) the (?:signs and )?symptoms of", "what (?:is|are) the treatments? for",
    "what (?:is|are) the complications of", "what (?:is|are) the outlook for",
    "what (?:is|are) the genetic changes related to", "what (?:is|are) the stages of",
    "what (?:is|are) the causes of", "what causes", "what (?:is|are)", "what to do for",
    "how (?:to|do you|can i) (?:diagnose|prevent|treat|manage)", "how many people are affected by",
    "who is at risk for", "who gets", "do i need to see a doctor for",
    "do you have information about", "where to find support for people with",
    "is there a test for", "symptoms and causes of", "(?:signs and )?symptoms of",
    "causes of", "risk factors for", "treatments? (?:of|for)", "diagnosis of", "living with",
    "understanding",
]
_SUFFIXES = ["(?:is|are) (?:diagnosed|treated|inherited|prevented)", "inherited"]
_DASH_FORMS = ["resources", "discharge", "overview", "what to ask your doctor"]
_PREFIX_RE = re.compile(r"^(?:" + "|".join(_PREFIXES) + r")\s+(?P<x>.+)$")
_HOW_IS_RE = re.compile(r"^how (?:is|are|do doctors)\s+(?P<x>.+?)\s+(?:diagnosed|treated|"
                        r"prevented|inherited|managed)$")
_SUFFIX_RE = re.compile(r"^(?:is|are)\s+(?P<x>.+?)\s+(?:" + "|".join(_SUFFIXES) + r")$")
_DASH_RE = re.compile(r"^(?P<x>.+?)\s+-\s+(?:" + "|".join(_DASH_FORMS) + r")$")
_PAREN_RE = re.compile(r"\(([^()]*)\)")


def _clean(text: str) -> str:
    """Lowercase, drop a leading 'SITE »' and trailing punctuation, collapse spaces."""
    text = text.rsplit("»", 1)[-1].lower().replace("’", "'")
    text = re.sub(r"[?!.:;,]+$", "", " ".join(text.split()).strip())
    return text.strip()


def strip_form(phrase: str) -> str:
    """Return the condition phrase of a title part with its question form removed."""
    text = _clean(phrase)
    for pattern in (_HOW_IS_RE, _PREFIX_RE, _SUFFIX_RE, _DASH_RE):
        found = pattern.match(text)
        if found:
            text = found.group("x")
    return _normalize(text)


def _normalize(text: str) -> str:
    """Return a comparable key: words only, a leading 'the' and plural -s removed."""
    tokens = re.findall(r"[a-z0-9]+", text)
    if tokens and tokens[0] in {"the", "a", "an"}:
        tokens = tokens[1:]
    return " ".join(t[:-1] if len(t) > 3 and t.endswith("s") and not t.endswith("ss") else t
                    for t in tokens)


def focus_keys(title: str) -> set[str]:
    """Return the condition phrases a title names (its main part, and a question in brackets)."""
    main = _PAREN_RE.sub(" ", title)
    keys = {strip_form(main)}
    for inner in _PAREN_RE.findall(title):  # "Asthma (How is asthma treated?)"
        key = strip_form(inner)
        if key != _normalize(_clean(inner)):  # only a bracket that was a question form
            keys.add(key)
    return {k for k in keys if k}


def same_focus_pairs(titles: dict[str, str]) -> set[tuple[str, str]]:
    """Return the (a, b) pairs, a < b, of articles whose titles share a condition phrase."""
    groups: dict[str, set[str]] = defaultdict(set)
    for slug, title in titles.items():
        for key in focus_keys(title):
            groups[key].add(slug)
    return {(a, b) for members in groups.values() for a, b in combinations(sorted(members), 2)}


def co_relevance(qrels: dict[str, dict[str, int]], min_grade: int = 2) -> dict[tuple[str, str],
                                                                                int]:
    """Count, per pair (a < b), the questions for which both were judged >= min_grade."""
    shared: dict[tuple[str, str], int] = defaultdict(int)
    for judged in qrels.values():
        good = sorted(d for d, g in judged.items() if g >= min_grade)
        for pair in combinations(good, 2):
            shared[pair] += 1
    return dict(shared)


def derive_labels(titles: dict[str, str], qrels: dict[str, dict[str, int]]
                  ) -> dict[str, dict[str, int]]:
    """Return graded labels {slug: {slug: grade 1-3}} from co-relevance and same focus."""
    shared = co_relevance(qrels)
    focus = same_focus_pairs(titles)
    labels: dict[str, dict[str, int]] = defaultdict(dict)
    for a, b in set(shared) | focus:
        if a not in titles or b not in titles or a == b:
            continue
        grade = min(3, shared.get((a, b), 0) + (2 if (a, b) in focus else 0))
        labels[a][b] = labels[b][a] = grade
    return {k: dict(sorted(v.items())) for k, v in sorted(labels.items())}


def load_graded(path: Path) -> dict[str, dict[str, int]]:
    """Read labels as {article: {related: grade}}; a plain list of related counts as grade 1."""
    try:
        raw = json.loads(Path(path).read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise BadRequest(f"cannot read labels {path}: {exc}") from exc
    if not isinstance(raw, dict):
        raise BadRequest(f"labels {path}: expected {{article: [related, ...]}}")
    out: dict[str, dict[str, int]] = {}
    for key, value in raw.items():
        if isinstance(value, list):
            out[key] = {str(v): 1 for v in value}
        elif isinstance(value, dict) and all(isinstance(g, int) for g in value.values()):
            out[key] = {str(v): int(g) for v, g in value.items()}
        else:
            raise BadRequest(f"labels {path}: {key!r} needs a list or {{related: grade}}")
    return out
