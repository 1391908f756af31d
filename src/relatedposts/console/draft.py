"""The draft check (POST /admin/draft): what a draft would get and repeat, before publishing.

The draft is cut into passages and embedded like a published article. Its related posts are
the nearest articles by meaning (centred on the blog's mean, as the build does); published
articles it nearly duplicates are those whose whole-text vector is at least
Settings.draft_duplicate_similarity similar, or that contain most of its word 5-grams (the
same text, lightly edited). It also gets the internal links it could make, tags borrowed from
its nearest neighbours, and the red-flag symptoms it mentions.
"""

from __future__ import annotations

import re
from dataclasses import asdict
from typing import Any

import numpy as np

from relatedposts.config import Settings
from relatedposts.errors import BadRequest
from relatedposts.indexing.chunk import chunk_article, split_sentences
from relatedposts.indexing.embedders import Embedder
from relatedposts.indexing.index import IndexData
from relatedposts.models import Article, Section
from relatedposts.quality.links import suggest_for_text
from relatedposts.search import find_red_flags, red_flag_groups

MAX_TITLE = 300
MAX_TEXT = 60_000
SHINGLE = 5
COPY_SHARE = 0.6  # a published article holding this share of the draft's 5-grams is a copy
RELATED = 5
TAGS = 5
DRAFT_URL = "draft:"


def parse_draft(body: object, max_words: int) -> Article:
    """Validate {"title", "text"} strictly and return the draft as an Article."""
    if not isinstance(body, dict) or set(body) != {"title", "text"}:
        raise BadRequest("send a JSON object with exactly the fields title and text")
    title, text = body["title"], body["text"]
    if not isinstance(title, str) or not title.strip() or len(title) > MAX_TITLE:
        raise BadRequest(f"'title' must be text of 1 to {MAX_TITLE} characters")
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT:
        raise BadRequest(f"'text' must be text of 1 to {MAX_TEXT} characters")
    words = len(text.split())
    if words > max_words:  # the check embeds every passage: its time grows with the words
        raise BadRequest(f"the draft has {words} words; the check takes at most {max_words} "
                         "words (RELATEDPOSTS_DRAFT_MAX_WORDS)")
    return Article(url=DRAFT_URL, title=" ".join(title.split()),
                   sections=(Section("", text.strip()),))


def _shingles(text: str) -> set[int]:
    toks = re.findall(r"\w+", text.lower())
    return {hash(tuple(toks[i:i + SHINGLE])) for i in range(max(0, len(toks) - SHINGLE + 1))}


def _unit(v: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(v, axis=-1, keepdims=True)
    return v / np.where(norm > 0, norm, 1.0)


def draft_vector(draft: Article, embedder: Embedder, settings: Settings) -> np.ndarray:
    """Return the draft's whole-text vector (the mean of its passage vectors, unit length)."""
    chunks = chunk_article(draft, 0, settings.chunk_words, settings.chunk_overlap_sentences)
    vecs = np.asarray(embedder.encode([c.embed_text(draft.title) for c in chunks]),
                      dtype=np.float32)
    return _unit(vecs.sum(axis=0))


def _duplicates(draft: Article, sims: np.ndarray, data: IndexData,
                settings: Settings) -> list[dict[str, Any]]:
    """Return published articles the draft nearly repeats, most similar first."""
    mine = _shingles(draft.body)
    out = []
    for j in np.argsort(-sims)[:20]:
        a = data.articles[int(j)]
        copied = len(mine & _shingles(a.body)) / len(mine) if mine else 0.0
        score = max(float(sims[j]), copied)
        if sims[j] >= settings.draft_duplicate_similarity or copied >= COPY_SHARE:
            out.append({"url": a.url, "title": a.title, "date": a.date,
                        "similarity": round(min(score, 1.0), 3)})
    return sorted(out, key=lambda d: -d["similarity"])


def _tags(neighbours: list[tuple[int, float]], draft: Article, data: IndexData) -> list[str]:
    """Suggest tags: those of the nearest articles, weighted by similarity and by use."""
    text = f" {' '.join(re.findall(r'[a-z0-9]+', draft.title.lower() + ' ' + draft.body.lower()))} "
    votes: dict[str, float] = {}
    names: dict[str, str] = {}
    for j, sim in neighbours:
        for tag in data.articles[j].tags:
            key = tag.lower()
            names.setdefault(key, tag)
            votes[key] = votes.get(key, 0.0) + max(sim, 0.0) * (2.0 if f" {key} " in text
                                                               else 1.0)
    return [names[k] for k in sorted(votes, key=lambda k: -votes[k])[:TAGS]]


def check_draft(draft: Article, data: IndexData, embedder: Embedder,
                settings: Settings) -> dict[str, Any]:
    """Return the draft's related posts, near-duplicates, possible links, tags and red flags."""
    vec = draft_vector(draft, embedder, settings)
    sims = data.article_vectors @ vec
    duplicates = _duplicates(draft, sims, data, settings)
    dup_urls = {d["url"] for d in duplicates}
    mean = data.article_vectors.mean(axis=0)
    centred = _unit(data.article_vectors - mean) @ _unit(vec - mean)
    order = [int(j) for j in np.argsort(-centred) if data.articles[int(j)].url not in dup_urls]
    related = [{"url": data.articles[j].url, "title": data.articles[j].title,
                "score": round(float(centred[j]), 3)} for j in order[:RELATED]]
    # A link to the article the draft repeats is no suggestion: the draft should not exist.
    links = [r for r in suggest_for_text(draft, data, embedder, settings)
             if r.target_url not in dup_urls]
    # Sentence by sentence: across a whole article the words of a phrase are always somewhere.
    flags = [f for s in [draft.title, *split_sentences(draft.body)] for f in find_red_flags(s)]
    return {"title": draft.title, "words": draft.word_count, "related": related,
            "duplicates": duplicates,
            "links": [{k: v for k, v in asdict(r).items() if k != "source_url"} for r in links],
            # Tags come from the nearest articles, copies included: a copy's tags fit too.
            "tags": _tags([(int(j), float(centred[j])) for j in np.argsort(-centred)[:10]],
                          draft, data),
            "red_flags": red_flag_groups(flags)}
