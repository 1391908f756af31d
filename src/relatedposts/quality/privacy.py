"""How well the scrubber (logs/scrub.py) removes identifiers: recall and false positives.

A corpus line is {"text", "identifiers": [{"kind", "value"}], "health_words": [...]}.
An identifier counts as removed only when none of its significant parts is left in the
scrubbed text: each of its words of 3+ letters (street suffixes, "dot", "at", TLDs, labels
such as "MRN" and month names aside) and each of its digit groups of 3+ digits, matched as
whole words, case-insensitively, after the same NFKC normalisation the scrubber applies. So
"Mary [name]" from "Mary Smith" is a miss. A health word is a false positive when the message
had no identifier and the word is no longer in the scrubbed text.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from relatedposts.logs.scrub import normalize, scrub


def _set(text: str) -> frozenset[str]:
    """Return the words of a literal as a set."""
    return frozenset(text.split())


GENERIC = _set(
    "street st road rd avenue ave lane ln drive dr blvd boulevard court ct way close crescent "
    "box flat apt unit suite dot at com org net co uk ie us ca io example mail mrn nhs ssn "
    "number patient record medical insurance policy member dob born date birth mr mrs ms "
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec zip the")


@dataclass(frozen=True)
class PrivacyScore:
    """The scrubber measured on a corpus."""

    messages: int
    identifiers: int
    removed: int
    clean_messages: int
    health_words: int
    health_words_lost: int
    misses: list[dict[str, str]] = field(default_factory=list)
    lost: list[dict[str, str]] = field(default_factory=list)

    @property
    def recall(self) -> float:
        """Return identifiers removed / identifiers present."""
        return self.removed / self.identifiers if self.identifiers else 1.0

    @property
    def false_positive_rate(self) -> float:
        """Return health words lost / health words present (messages without identifiers)."""
        return self.health_words_lost / self.health_words if self.health_words else 0.0


def load_corpus(path: Path) -> list[dict[str, Any]]:
    """Read a JSON-lines corpus of messages."""
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def parts(value: str) -> list[str]:
    """Return the parts of an identifier whose presence means it leaked."""
    text = normalize(value).lower()
    found = [w for w in re.findall(r"[^\W\d_]{3,}", text) if w not in GENERIC]
    return found + re.findall(r"\d{3,}", text)


def leaked(value: str, scrubbed: str) -> bool:
    """Return whether any significant part of the identifier is in the scrubbed text."""
    haystack = normalize(scrubbed).lower()
    return any(re.search(rf"(?<![^\W_]){re.escape(p)}(?![^\W_])", haystack)
               for p in parts(value))


def measure(corpus: list[dict[str, Any]]) -> PrivacyScore:
    """Scrub every message and count identifiers removed and health words lost."""
    identifiers = removed = clean = words = lost_words = 0
    misses: list[dict[str, str]] = []
    lost: list[dict[str, str]] = []
    for message in corpus:
        out = scrub(" ".join(message["text"].split()))
        for ident in message.get("identifiers", []):
            identifiers += 1
            if leaked(ident["value"], out):
                misses.append({"kind": ident["kind"], "value": ident["value"], "scrubbed": out})
            else:
                removed += 1
        if not message.get("identifiers"):
            clean += 1
            for word in message.get("health_words", []):
                words += 1
                if word.lower() not in out.lower():
                    lost_words += 1
                    lost.append({"word": word, "scrubbed": out})
    return PrivacyScore(len(corpus), identifiers, removed, clean, words, lost_words,
                        misses, lost)
