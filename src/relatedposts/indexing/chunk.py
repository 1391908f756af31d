"""Split articles into heading-aware passages that fit the embedding model's window."""

from __future__ import annotations

import re

from relatedposts.models import Article, Chunk

# A sentence ends at . ! or ? followed by space and a capital, digit or quote.
SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”’)]?\s+(?=[\"“‘(]?[A-Z0-9])")
ABBREVIATION_END = re.compile(r"\b(Dr|Mr|Mrs|Ms|Prof|St|vs|etc|e\.g|i\.e|approx|No)\.$")


def split_sentences(text: str) -> list[str]:
    """Split text into sentences; paragraph breaks always end a sentence."""
    sentences: list[str] = []
    for para in re.split(r"\n\s*\n", text):
        para = " ".join(para.split())
        if para:
            pieces = [s.strip() for s in SENTENCE_END.split(para) if s.strip()]
            sentences.extend(_rejoin_abbreviations(pieces))
    return sentences


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
        for text in _windows(split_sentences(section.text), max_words, overlap):
            chunks.append(Chunk(index, section.heading, text, len(chunks)))
    if not chunks:
        chunks.append(Chunk(index, "", article.summary or article.title, 0))
    return chunks


def _windows(sentences: list[str], max_words: int, overlap: int) -> list[str]:
    """Group sentences into windows of at most max_words, sharing `overlap` sentences."""
    windows: list[str] = []
    start = 0
    while start < len(sentences):
        end, words = start, 0
        while end < len(sentences):
            n = len(sentences[end].split())
            if words and words + n > max_words:
                break
            words += n
            end += 1
        # A single sentence longer than the window is cut by words rather than dropped.
        if end == start + 1 and words > max_words:
            tokens = sentences[start].split()
            windows.extend(" ".join(tokens[i:i + max_words])
                           for i in range(0, len(tokens), max_words))
        else:
            windows.append(" ".join(sentences[start:end]))
        if end >= len(sentences):
            break
        start = max(end - overlap, start + 1)
    return windows
