"""Text analysis shared by every layer: words, stems, stopwords, weighted text and TF-IDF.

One owner for how text becomes terms, so BM25, related-post similarity, the reasons shown
beside related posts, snippets and red flags all agree on what a "word" is.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import bm25s
import numpy as np
import Stemmer
from scipy import sparse

from relatedposts.models import Article

WORD_RE = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def word_list(name: str) -> frozenset[str]:
    """Return the words of a packaged list (data/NAME): whitespace-separated, # comments."""
    text = resources.files("relatedposts").joinpath(f"data/{name}").read_text("utf-8")
    return frozenset(w for line in text.splitlines() if not line.startswith("#")
                     for w in line.split())


STOPWORDS = frozenset(bm25s.stopwords.STOPWORDS_EN) | word_list("stopwords.txt")
COUNTS_MEMO = 200_000  # texts whose word counts stay memoized (a few KB each)
_COUNTS: dict[bytes, Counter[str]] = {}
# Zero-width and invisible formatting characters: "sci\u200batica" is "sciatica".
INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))
HEADING_WEIGHT = 2  # headings count twice; the title counts Settings.title_weight times


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def normalize(text: str) -> str:
    """Return text in NFKC form, case-folded, with zero-width characters removed.

    Queries and indexed text both pass through it, so fullwidth "ｓｃｉａｔｉｃａ" and a
    pasted zero-width space find the same words as plain ASCII.
    """
    if text.isascii():  # the common case: NFKC and casefold change nothing but the case
        return text.lower()
    return unicodedata.normalize("NFKC", text.translate(INVISIBLE)).casefold()


def words(text: str) -> list[str]:
    """Return the lowercase words of text, stopwords removed, unstemmed."""
    raw = WORD_RE.findall(normalize(text).replace("’", "'"))
    return [w.split("'")[0] for w in raw if w.split("'")[0] not in STOPWORDS]


def stems(tokens: list[str]) -> list[str]:
    """Stem a list of words (Snowball English)."""
    return list(_stemmer().stemWords(tokens))


def article_document(article: Article, title_weight: int, tags: bool = True) -> str:
    """Return an article's text with the title and headings repeated to weigh them up."""
    headings = " ".join(s.heading for s in article.sections if s.heading)
    parts = [article.title] * title_weight + [headings] * HEADING_WEIGHT
    return " ".join(parts + ([" ".join(article.tags)] if tags else []) + [article.body])


def term_weights(docs: list[Counter[str]]) -> list[dict[str, float]]:
    """Weigh each document's term counts by TF-IDF (sublinear tf, smoothed idf)."""
    df = Counter(w for d in docs for w in d)
    n = len(docs)
    return [{w: (1 + math.log(tf)) * math.log((1 + n) / (1 + df[w])) for w, tf in d.items()}
            for d in docs]


def word_counts(text: str) -> Counter[str]:
    """Return Counter(words(text)), memoized by the text's digest (do not mutate the result).

    A publish-time ingest recomputes corpus statistics over thousands of unchanged articles;
    their words are then a dict hit instead of a second tokenization.
    """
    key = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
    found = _COUNTS.get(key)
    if found is None:
        if len(_COUNTS) >= COUNTS_MEMO:
            _COUNTS.clear()  # rare: a site larger than the memo; counting again is correct
        found = _COUNTS[key] = Counter(words(text))
    return found


def tfidf_fit(texts: list[str]) -> tuple[dict[str, int], np.ndarray]:
    """Return the vocabulary (first-seen order) and smoothed idf of texts' TF-IDF."""
    df = Counter(w for t in texts for w in word_counts(t))
    n = len(texts)
    return ({w: k for k, w in enumerate(df)},
            np.array([math.log((1 + n) / (1 + c)) for c in df.values()], np.float64))


def tfidf_rows(texts: list[str], vocab: dict[str, int], idf: np.ndarray) -> sparse.csr_matrix:
    """Return L2-normalized TF-IDF rows of texts under a fixed vocabulary (other words dropped)."""
    rows, cols, vals = [], [], []
    for r, t in enumerate(texts):
        for w, tf in word_counts(t).items():
            k = vocab.get(w)
            if k is not None:
                rows.append(r)
                cols.append(k)
                vals.append((1 + math.log(tf)) * float(idf[k]))
    shape = (len(texts), max(1, len(vocab)))
    m = sparse.csr_matrix((vals, (rows, cols)), shape=shape, dtype=np.float32)
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1))).ravel()
    return sparse.csr_matrix(sparse.diags(1 / np.maximum(norms, 1e-9)) @ m)


def tfidf_matrix(texts: list[str]) -> sparse.csr_matrix:
    """Return L2-normalized TF-IDF rows of texts as a sparse matrix."""
    return tfidf_rows(texts, *tfidf_fit(texts))


def top_terms(texts: list[str], top: int = 25,
              rows: list[int] | None = None) -> list[list[str]]:
    """Return each text's (or only rows') most distinctive words by the same TF-IDF."""
    docs = [Counter({w: c for w, c in word_counts(t).items() if len(w) > 3 and not w.isdigit()})
            for t in texts]
    if rows is None:
        return [sorted(d, key=lambda w: -d[w])[:top] for d in term_weights(docs)]
    df = Counter(w for d in docs for w in d)
    n = len(docs)
    out = []
    for r in rows:  # the corpus' document frequencies, weights for the asked rows only
        weights = {w: (1 + math.log(tf)) * math.log((1 + n) / (1 + df[w]))
                   for w, tf in docs[r].items()}
        out.append(sorted(weights, key=lambda w: -weights[w])[:top])
    return out


@dataclass(frozen=True)
class BM25Stats:
    """The corpus side of title-as-query BM25: vocabulary, idf and mean length."""

    vocab: dict[str, int]
    idf: np.ndarray
    mean_length: float
    k1: float = 1.5
    b: float = 0.75


def bm25_fit(docs: list[list[str]], k1: float = 1.5, b: float = 0.75) -> BM25Stats:
    """Return the BM25 statistics of stemmed documents."""
    vocab: dict[str, int] = {}
    for doc in docs:
        for term in doc:
            vocab.setdefault(term, len(vocab))
    df = np.zeros(max(1, len(vocab)), np.int64)
    for doc in docs:
        df[[vocab[t] for t in set(doc)]] += 1
    idf = np.log(1 + (len(docs) - df + 0.5) / (df + 0.5)).astype(np.float32)
    mean = float(np.mean([len(d) for d in docs])) if docs else 0.0
    return BM25Stats(vocab, idf, mean, k1, b)


def bm25_rows(titles: list[str], docs: list[list[str]],
              stats: BM25Stats) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
    """Return (queries, weights) of titles and stemmed docs under fixed BM25 statistics."""
    vocab, k1, b = stats.vocab, stats.k1, stats.b
    rows, cols = [], []
    for r, doc in enumerate(docs):
        for term in doc:
            if term in vocab:
                rows.append(r)
                cols.append(vocab[term])
    shape = (len(docs), max(1, len(vocab)))
    tf = sparse.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=shape)
    tf.sum_duplicates()
    length = np.array([len(d) for d in docs], np.float64)  # the whole text, known words or not
    norm = k1 * (1 - b + b * length / max(stats.mean_length, 1e-9))
    weights = tf.copy()
    weights.data = weights.data * (k1 + 1) / (weights.data + np.repeat(norm, np.diff(tf.indptr)))
    q_terms = [sorted({vocab[t] for t in stems(words(title)) if t in vocab}) for title in titles]
    q_rows = [r for r, ts in enumerate(q_terms) for _ in ts]
    queries = sparse.csr_matrix((np.ones(len(q_rows), np.float32),
                                 (q_rows, [t for ts in q_terms for t in ts])), shape=shape)
    return queries, sparse.csr_matrix(weights @ sparse.diags(stats.idf), dtype=np.float32)


def bm25_docs(texts: list[str]) -> list[list[str]]:
    """Return the stemmed words of texts, as BM25 counts them."""
    return [stems(words(t)) for t in texts]


def bm25_title_matrices(titles: list[str], texts: list[str], k1: float = 1.5,
                        b: float = 0.75) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
    """Return (queries, weights): stemmed title terms (0/1) and Okapi BM25 weights of texts."""
    docs = bm25_docs(texts)
    return bm25_rows(titles, docs, bm25_fit(docs, k1, b))


def counted(n: int, one: str, many: str) -> str:
    """Return a count with its noun in words: '1 search', '2 searches', '0 searches'."""
    return f"{n:,} {one if n == 1 else many}"
