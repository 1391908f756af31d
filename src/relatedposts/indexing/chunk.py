"""Split articles into heading-aware passages that fit the embedding model's window."""

from __future__ import annotations

import re
from dataclasses import dataclass

from relatedposts.lists import item_line, list_items, unmarked
from relatedposts.models import Article, Chunk

# A sentence ends at . ! or ? followed by space and a capital, digit or quote.
SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”’)]?\s+(?=[\"“‘(]?[A-Z0-9])")
PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
ABBREVIATION_END = re.compile(r"\b(Dr|Mr|Mrs|Ms|Prof|St|vs|etc|e\.g|i\.e|approx|No)\.$")


def split_sentences(text: str) -> list[str]:
    """Split text into sentences; paragraph breaks and list items always end a sentence."""
    return [unmarked(piece.text) if piece.glue == "\n" else piece.text
            for unit in _units(text, 0) for piece in unit]


@dataclass(frozen=True)
class _Piece:
    """A sentence as it joins a chunk: after glue (a space, or a new line for a list item)."""

    text: str
    glue: str = " "


def _units(text: str, max_words: int) -> list[list[_Piece]]:
    """Split text into units a window never cuts: sentences, or a lead-in with its list.

    A list is one unit with the sentence before it (its lead-in) when both fit max_words,
    else each item's sentences are units and only the lead-in holds on to the first item.
    """
    units: list[list[_Piece]] = []
    after_list = False
    for para in PARAGRAPH_BREAK.split(text):
        items = list_items(para)
        if not items:
            sentences = _sentences(para)
            # Text after a list starts a line of its own: "Two\nAfter", never "Two After".
            glue = "\n" if after_list else " "
            units.extend([_Piece(s, glue if n == 0 else " ")] for n, s in enumerate(sentences))
            after_list = after_list and not sentences
            continue
        after_list = True
        listed: list[_Piece] = []
        for item in items:
            first, *rest = _sentences(item.text) or [""]
            listed.append(_Piece(item_line(first, item.depth, item.number), "\n"))
            listed.extend(_Piece(s) for s in rest)
        lead = units.pop() if units and len(units[-1]) == 1 else []
        if _words(lead + listed) <= max_words:
            units.append(lead + listed)
        else:
            units.append(lead + listed[:1])
            units.extend([p] for p in listed[1:])
    return units


def _sentences(para: str) -> list[str]:
    """Split one paragraph into sentences."""
    para = " ".join(para.split())
    if not para:
        return []
    return _rejoin_abbreviations([s.strip() for s in SENTENCE_END.split(para) if s.strip()])


def _words(pieces: list[_Piece]) -> int:
    return sum(len(p.text.split()) for p in pieces)


def _joined(pieces: list[_Piece]) -> str:
    """Return pieces as one passage: the first without its glue."""
    return "".join(p.glue + p.text if n else p.text for n, p in enumerate(pieces))


def _rejoin_abbreviations(pieces: list[str]) -> list[str]:
    """Undo splits made after titles like 'Dr.' that are not sentence ends."""
    out: list[str] = []
    for piece in pieces:
        if out and ABBREVIATION_END.search(out[-1]):
            out[-1] = f"{out[-1]} {piece}"
        else:
            out.append(piece)
    return out


def chunk_article(article: Article, index: int, max_words: int = 150,
                  overlap: int = 1) -> list[Chunk]:
    """Cut an article into chunks: whole sections when short, else overlapping sentence windows."""
    chunks: list[Chunk] = []
    for section in article.sections:
        for text in _windows(_units(section.text, max_words), max_words, overlap):
            chunks.append(Chunk(index, section.heading, text, len(chunks)))
    if not chunks:
        chunks.append(Chunk(index, "", article.summary or article.title, 0))
    return chunks


def _windows(units: list[list[_Piece]], max_words: int, overlap: int) -> list[str]:
    """Group units into windows of at most max_words, sharing `overlap` sentences.

    A unit holding a list is never the shared part: the next window starts after it.
    """
    windows: list[str] = []
    start = 0
    while start < len(units):
        end, words = start, 0
        while end < len(units):
            n = _words(units[end])
            if words and words + n > max_words:
                break
            words += n
            end += 1
        # A single sentence longer than the window is cut by words rather than dropped.
        if end == start + 1 and words > max_words:
            tokens = _joined(units[start]).split()
            windows.extend(" ".join(tokens[i:i + max_words])
                           for i in range(0, len(tokens), max_words))
        else:
            windows.append(_joined([p for unit in units[start:end] for p in unit]))
        if end >= len(units):
            break
        after = max(end - overlap, start + 1)
        start = end if any(len(u) > 1 for u in units[after:end]) else after
    return windows
