"""Long messages: drop greetings, thanks and signatures, which name no subject.

"Hi doctor, ... Thank you very much, Mary" adds words that match articles by chance
("sir", "mary") in BM25 and could name part of a title. The phrases come from a data file
(editors may add their own); a short tail after a closing phrase is a signature.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

CLOSINGS = ("thank", "thanks", "regards", "sincerely", "cheers", "wishes", "bless", "truly",
            "faithfully", "appreciated", "grateful", "advance")
MAX_SIGNATURE_WORDS = 4


@dataclass(frozen=True)
class Courtesy:
    """A compiled list of courtesy phrases."""

    pattern: re.Pattern[str] | None

    @classmethod
    def load(cls, extra: Path | None = None) -> Courtesy:
        """Load the packaged phrases, plus an editor's file when given."""
        text = resources.files("relatedposts").joinpath("data/courtesy.txt").read_text("utf-8")
        if extra is not None and Path(extra).is_file():
            text += "\n" + Path(extra).read_text("utf-8")
        return cls(_compile(text))

    def remove(self, message: str) -> str:
        """Return message without courtesy phrases and without a trailing signature."""
        if self.pattern is None:
            return message
        parts = self.pattern.split(message)
        # A closing phrase followed by a few words and nothing else: those words sign it.
        if len(parts) > 1 and len(parts[-1].split()) <= MAX_SIGNATURE_WORDS \
                and "?" not in parts[-1] and _is_closing(self.pattern, message):
            parts[-1] = ""
        return " ".join(" ".join(parts).split())


def _compile(text: str) -> re.Pattern[str] | None:
    phrases = {" ".join(line.split("#", 1)[0].lower().split()) for line in text.splitlines()}
    phrases.discard("")
    if not phrases:
        return None
    alternatives = "|".join(re.escape(p).replace(r"\ ", r"\s+")
                            for p in sorted(phrases, key=len, reverse=True))
    return re.compile(rf"(?<![\w'’])(?:{alternatives})(?![\w'’])", re.IGNORECASE)


def _is_closing(pattern: re.Pattern[str], message: str) -> bool:
    """Return True when the message's last courtesy phrase is a closing (thanks, regards)."""
    matches = list(pattern.finditer(message))
    return bool(matches) and any(w in matches[-1].group(0).lower() for w in CLOSINGS)


@lru_cache(maxsize=4)
def default_courtesy(extra: Path | None = None) -> Courtesy:
    """Return the (cached) courtesy phrases for a settings file."""
    return Courtesy.load(extra)
