"""Internal-link suggestions: sentences in one article that discuss another article's topic.

Each article is named by its anchor phrases: its tags and the runs of content words in its
title that its own body repeats. A sentence of another article that contains such a phrase
is a candidate link (the phrase is the anchor, so it always stands in the sentence). A
candidate is scored by how close the sentence's meaning is to the target article (embedding
cosine with the target's article vector) times how specific the phrase is (a phrase found in
every article names no article). Never a link the article already has, never to itself or to
a near-duplicate of itself, one suggestion per target, at most Settings.links_per_article.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from relatedposts.config import Settings
from relatedposts.indexing.chunk import split_sentences
from relatedposts.indexing.embedders import Embedder
from relatedposts.indexing.index import IndexData
from relatedposts.models import Article
from relatedposts.text import STOPWORDS
from relatedposts.urls import url_key

TOKEN_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’-]*")
MAX_PHRASE_WORDS = 4
CANDIDATES_PER_ARTICLE = 40  # bounds the sentences embedded for a large blog
MIN_SCORE = 0.4
MIN_SENTENCE_WORDS = 6


@dataclass(frozen=True)
class LinkSuggestion:
    """Link `anchor` (a phrase of `sentence`, in source_url) to target_url."""

    source_url: str
    sentence: str
    anchor: str
    target_url: str
    target_title: str
    score: float


def _tokens(text: str) -> list[str]:
    return [t.lower().replace("’", "'") for t in TOKEN_RE.findall(text)]


def _title_phrases(article: Article) -> set[str]:
    """Return runs of 1-3 content words of the title that the body itself repeats."""
    body = " " + " ".join(_tokens(article.body)) + " "
    runs, run = [], []
    for tok in _tokens(article.title) + [""]:
        if tok and tok not in STOPWORDS and not tok.isdigit():
            run.append(tok)
        elif run:
            runs.append(run)
            run = []
    out = set()
    for run in runs:
        for n in range(1, min(3, len(run)) + 1):
            for i in range(len(run) - n + 1):
                phrase = " ".join(run[i:i + n])
                if len(phrase) >= 5 and body.count(f" {phrase} ") >= 2:
                    out.add(phrase)
    return out


def anchor_phrases(articles: list[Article]) -> dict[str, set[int]]:
    """Return phrase -> the articles it names (tags and repeated title phrases)."""
    phrases: dict[str, set[int]] = defaultdict(set)
    for i, a in enumerate(articles):
        for tag in a.tags:
            phrase = " ".join(_tokens(tag))
            if len(phrase) >= 4 and phrase not in STOPWORDS:
                phrases[phrase].add(i)
        for phrase in _title_phrases(a):
            phrases[phrase].add(i)
    return dict(phrases)


def _specificity(phrases: dict[str, set[int]], articles: list[Article]) -> dict[str, float]:
    """Return 0..1 per phrase: 1 for a phrase in one article's body, 0 for one in all."""
    bodies = [" " + " ".join(_tokens(f"{a.title} {a.body}")) + " " for a in articles]
    n = max(len(articles), 2)
    out = {}
    for phrase in phrases:
        df = sum(1 for b in bodies if f" {phrase} " in b) or 1
        out[phrase] = max(0.0, math.log(n / df) / math.log(n))
    return out


@dataclass(frozen=True)
class _Candidate:
    source: int
    sentence: str
    anchor: str
    target: int
    specificity: float


def _find_in(sentence: str, phrases: dict[str, set[int]]) -> list[tuple[str, str, set[int]]]:
    """Return (phrase as written in the sentence, phrase, targets) for phrases it contains."""
    found = []
    for n in range(MAX_PHRASE_WORDS, 0, -1):
        for m in re.finditer(r"(?=\b(" + r"\W+".join([r"[\w'’-]+"] * n) + r")\b)", sentence):
            written = m.group(1)
            key = " ".join(_tokens(written))
            if key in phrases:
                found.append((written, key, phrases[key]))
    return found


def _candidates(source: int, article: Article, phrases: dict[str, set[int]],
                spec: dict[str, float], blocked: set[int]) -> list[_Candidate]:
    """Return the most specific candidate links from one article's sentences."""
    out: list[_Candidate] = []
    for sentence in split_sentences(article.body):
        if len(sentence.split()) < MIN_SENTENCE_WORDS:
            continue
        for written, key, targets in _find_in(sentence, phrases):
            out += [_Candidate(source, sentence, written, t, spec[key])
                    for t in targets if t not in blocked]
    out.sort(key=lambda c: -c.specificity)
    return out[:CANDIDATES_PER_ARTICLE]


def _blocked(i: int, article: Article, data: IndexData, keys: list[str]) -> set[int]:
    """Return targets article i must not link to: itself, its duplicates, existing links."""
    linked = {url_key(u) for u in article.links}
    out = {j for j, k in enumerate(keys) if k in linked}
    out.add(i)
    for group in data.related.duplicates:
        if i in group:
            out.update(group)
    return out


_PHRASES: dict[tuple[str, str], tuple[dict[str, set[int]], dict[str, float]]] = {}


def _phrases_of(data: IndexData) -> tuple[dict[str, set[int]], dict[str, float]]:
    """Return the index's anchor phrases and their specificity, computed once per version."""
    key = (data.manifest.version, data.manifest.corpus_hash)
    if key not in _PHRASES:
        phrases = anchor_phrases(data.articles)
        if len(_PHRASES) >= 4:
            _PHRASES.clear()
        _PHRASES[key] = (phrases, _specificity(phrases, data.articles))
    return _PHRASES[key]


def suggest_links(data: IndexData, embedder: Embedder, settings: Settings,
                  url: str | None = None) -> list[LinkSuggestion]:
    """Suggest internal links for every article of the index (or only the one at url)."""
    articles = data.articles
    phrases, spec = _phrases_of(data)
    keys = [url_key(a.url) for a in articles]
    sources = range(len(articles)) if url is None else [keys.index(url_key(url))] \
        if url_key(url) in keys else []
    cands = [c for i in sources
             for c in _candidates(i, articles[i], phrases, spec, _blocked(i, articles[i], data,
                                                                          keys))]
    return _choose(cands, articles, data.article_vectors, embedder, settings)


def suggest_for_text(article: Article, data: IndexData, embedder: Embedder,
                     settings: Settings) -> list[LinkSuggestion]:
    """Suggest links a draft (an article not in the index) could make to published ones."""
    phrases, spec = _phrases_of(data)
    cands = _candidates(-1, article, phrases, spec, set())
    return _choose(cands, [*data.articles, article], data.article_vectors, embedder, settings)


def _choose(cands: list[_Candidate], articles: list[Article], vectors: np.ndarray,
            embedder: Embedder, settings: Settings) -> list[LinkSuggestion]:
    """Score candidates by meaning and keep the best few per source, one per target."""
    if not cands:
        return []
    sentences = list(dict.fromkeys(c.sentence for c in cands))
    sent_vecs = np.asarray(embedder.encode(sentences), dtype=np.float32)
    row = {s: k for k, s in enumerate(sentences)}
    scored = []
    for c in cands:
        cos = float(sent_vecs[row[c.sentence]] @ vectors[c.target])
        scored.append((cos * (0.5 + 0.5 * c.specificity), c))
    scored.sort(key=lambda p: -p[0])
    taken: dict[int, list[_Candidate]] = defaultdict(list)
    out = []
    for score, c in scored:
        mine = taken[c.source]
        if score < MIN_SCORE or len(mine) >= settings.links_per_article:
            continue
        if any(m.target == c.target or m.sentence == c.sentence for m in mine):
            continue
        mine.append(c)
        src, tgt = articles[c.source], articles[c.target]
        out.append(LinkSuggestion(src.url, c.sentence, c.anchor, tgt.url, tgt.title,
                                  round(score, 3)))
    return out
