"""'You Might Also Enjoy': related lists computed at build time, so serving is a lookup.

Each article's list is: the editor's pins, then diverse neighbours by maximal marginal
relevance over whole-article vectors (never the article itself, its near-duplicates, or two
near-duplicates of each other), then — when too few pass the minimum relevance — the most
recent posts, flagged as fallback.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

import faiss
import numpy as np
from scipy import sparse
from scipy.sparse import csgraph
from threadpoolctl import threadpool_limits

from relatedposts.config import Settings
from relatedposts.indexing.overrides import Overrides
from relatedposts.indexing.reasons import FALLBACK, PINNED, SIMILAR, key_terms
from relatedposts.models import Article, Chunk
from relatedposts.text import article_document, tfidf_matrix


@dataclass
class RelatedLists:
    """Every article's related list: ids, scores and flags of shape (n, depth), -1 padded."""

    ids: np.ndarray
    scores: np.ndarray
    flags: np.ndarray
    duplicates: list[list[int]]
    key_terms: list[list[str]]


def article_vectors(chunk_vectors: np.ndarray, chunks: list[Chunk], n_articles: int) -> np.ndarray:
    """Average each article's chunk vectors into one unit vector (the whole text, not the title)."""
    dim = chunk_vectors.shape[1]
    sums = np.zeros((n_articles, dim), dtype=np.float32)
    owners = np.fromiter((c.article for c in chunks), dtype=np.int64, count=len(chunks))
    np.add.at(sums, owners, chunk_vectors)
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    return np.ascontiguousarray(sums / np.where(norms > 0, norms, 1.0), dtype=np.float32)


def find_duplicates(articles: list[Article], vectors: np.ndarray, sims: np.ndarray,
                    ids: np.ndarray, threshold: float) -> list[set[int]]:
    """Group articles that are the same text at two URLs (same body, or vectors ≥ threshold)."""
    n = len(articles)
    rows: list[int] = []
    cols: list[int] = []
    by_body: dict[str, int] = {}
    for i, a in enumerate(articles):
        digest = hashlib.sha1(" ".join(a.body.lower().split()).encode()).hexdigest()
        first = by_body.setdefault(digest, i)
        if first != i:
            rows.append(first)
            cols.append(i)
    close = (ids >= 0) & (sims >= threshold) & (ids != np.arange(len(ids))[:, None])
    near_i, near_k = np.nonzero(close)
    rows.extend(near_i.tolist())
    cols.extend(ids[near_i, near_k].astype(np.int64).tolist())
    edges = sparse.coo_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(n, n))
    # A group is a connected component of "same body or near-identical vectors" (transitive).
    count, labels = csgraph.connected_components(edges, directed=False)
    members: list[list[int]] = [[] for _ in range(count)]
    for i, label in enumerate(labels.tolist()):
        members[label].append(i)
    # Ordered by their first article, as callers and the stored format expect.
    return sorted((set(m) for m in members if len(m) > 1), key=min)


def compute_related(articles: list[Article], vectors: np.ndarray, settings: Settings,
                    overrides: Overrides | None = None,
                    today: date | None = None) -> RelatedLists:
    """Compute every article's related list (see the module docstring for the order)."""
    # Thousands of tiny matrix products: BLAS threads only add hand-off cost (7x slower).
    with threadpool_limits(limits=1):
        context = RelatedContext(articles, vectors, settings, overrides, today)
        n = len(articles)
        out = RelatedLists(np.full((n, context.depth), -1, np.int32),
                           np.zeros((n, context.depth), np.float32),
                           np.zeros((n, context.depth), np.int8), context.groups,
                           key_terms(articles, settings.title_weight))
        context.fill(out, list(range(n)))
        return out


class RelatedContext:
    """What every list of one corpus shares: duplicates, centred vectors, similarity, recency.

    compute_related fills every row from it; a publish-time ingest (related_update.py) fills
    only the rows a new or removed article touches, with the same code, so those rows are
    exactly what a full build gives. groups: the duplicate groups when already known.
    """

    def __init__(self, articles: list[Article], vectors: np.ndarray, settings: Settings,
                 overrides: Overrides | None = None, today: date | None = None,
                 groups: list[set[int]] | None = None) -> None:
        n = len(articles)
        self.settings, self.articles = settings, articles
        self.depth = max(1, min(settings.max_limit, n - 1))
        self.k = min(n, 3 * settings.related_depth + 1)
        self.overrides = overrides or Overrides()
        if groups is None:
            raw_sims, raw_ids = _neighbours(vectors, self.k)
            groups = find_duplicates(articles, vectors, raw_sims, raw_ids,
                                     settings.duplicate_threshold)
        self.groups = [sorted(g) for g in groups]
        self.dup_of = {i: set(g) - {i} for g in groups for i in g}
        # Of the same text at several URLs, recommend only the original: the earliest
        # published, then the shortest URL (copies tend to get suffixes such as -2 or -copy).
        self.copies = {i for g in groups for i in set(g) - {min(g, key=lambda j: (
            articles[j].date or "9999", len(articles[j].url), articles[j].url))}}
        # Centering removes what every post on a spine blog shares, so the neighbours differ
        # by topic rather than all pointing at the most "average" post (hubness).
        self.centered = _unit(vectors - vectors.mean(axis=0, keepdims=True))
        self.similarity = _Similarity(articles, self.centered, settings)
        self.decay = _decay(articles, settings.related_half_life_days, today or date.today())
        self.recent = sorted(range(n), key=lambda i: articles[i].date or "", reverse=True)

    def fill(self, out: RelatedLists, rows: list[int]) -> None:
        """Compute the lists of rows into out (whose arrays have this context's depth)."""
        if not rows:
            return
        _, ids = _neighbours(self.centered, self.k, rows)
        for i, cand in zip(rows, ids, strict=True):
            out.ids[i], out.scores[i], out.flags[i] = -1, 0.0, 0
            for col, (j, score, flag) in enumerate(self.row(i, cand)[:self.depth]):
                out.ids[i, col], out.scores[i, col], out.flags[i, col] = j, score, flag

    def row(self, i: int, neighbours: np.ndarray) -> list[tuple[int, float, int]]:
        """Return article i's list: pins, MMR-picked neighbours, then recent fallbacks."""
        settings, overrides, dup_of = self.settings, self.overrides, self.dup_of
        banned = ({i} | dup_of.get(i, set()) | self.copies | overrides.excluded
                  | overrides.blocks.get(i, set()))
        pins = overrides.pins.get(i, [])
        js = [int(j) for j in neighbours if j >= 0 and int(j) not in banned
              and int(j) not in pins]
        # One similarity block per article: relevance to i and redundancy among candidates.
        block = _Block([i, *pins, *js], self.similarity)
        row = [(j, block.sim(i, j), PINNED) for j in pins]
        scores = np.array([block.sim(i, j) for j in js], dtype=np.float32)
        # Decay shrinks positive similarity only; a negative one must not move up.
        scores = np.where(scores > 0, scores * self.decay[js], scores) if js else scores
        cand = {j: float(s) for j, s in zip(js, scores, strict=True)
                if s >= settings.related_min_score}
        row += [(j, cand[j], SIMILAR) for j in _mmr(cand, block, row, dup_of, settings)]
        return row + _fallback(self.recent, banned, row, dup_of, self.depth)

    def pool_floor(self) -> np.ndarray:
        """Return each list's lowest candidate similarity (its k-th centred neighbour's)."""
        return _neighbours(self.centered, self.k)[0][:, -1]

    def scores_to(self, x: int) -> np.ndarray:
        """Return the decayed score article x would have in every article's list."""
        sims = self.similarity.to_all(x)
        return np.where(sims > 0, sims * self.decay[x], sims).astype(np.float32)


class _Similarity:
    """How related two posts are: meaning (dense), shared distinctive words, shared tags."""

    def __init__(self, articles: list[Article], centered: np.ndarray, settings: Settings) -> None:
        self.centered = centered
        self.lexical = tfidf_matrix([article_document(a, settings.title_weight, tags=False)
                                    for a in articles])
        self.tags = _tag_matrix(articles)
        self.tag_counts = np.asarray(self.tags.sum(axis=1)).ravel()
        total = settings.related_dense_weight + settings.related_lexical_weight + \
            settings.related_tag_weight
        self.weights = (settings.related_dense_weight / total,
                        settings.related_lexical_weight / total,
                        settings.related_tag_weight / total)

    def matrix(self, idx: list[int]) -> np.ndarray:
        """Return the weighted pairwise similarity of the posts in idx (one matrix product each)."""
        dense = self.centered[idx] @ self.centered[idx].T
        lex = self.lexical[idx]
        lexical = (lex @ lex.T).toarray()
        tag = self.tags[idx]
        shared = (tag @ tag.T).toarray()
        counts = self.tag_counts[idx]
        union = counts[:, None] + counts[None, :] - shared
        tags = np.divide(shared, union, out=np.zeros_like(shared), where=union > 0)
        wd, wl, wt = self.weights
        return (wd * dense + wl * lexical + wt * tags).astype(np.float32)

    def to_all(self, x: int) -> np.ndarray:
        """Return the weighted similarity of post x to every post (one row of matrix())."""
        dense = self.centered @ self.centered[x]
        lexical = np.asarray((self.lexical @ self.lexical[x].T).todense()).ravel()
        shared = np.asarray((self.tags @ self.tags[x].T).todense()).ravel()
        union = self.tag_counts + self.tag_counts[x] - shared
        tags = np.divide(shared, union, out=np.zeros_like(shared), where=union > 0)
        wd, wl, wt = self.weights
        return (wd * dense + wl * lexical + wt * tags).astype(np.float32)


class _Block:
    """The similarity matrix of one article and its candidates, looked up by article id."""

    def __init__(self, idx: list[int], similarity: _Similarity) -> None:
        self.pos = {a: p for p, a in enumerate(idx)}
        self.m = similarity.matrix(idx)

    def sim(self, a: int, b: int) -> float:
        """Return the similarity of articles a and b."""
        return float(self.m[self.pos[a], self.pos[b]])

    def row(self, a: int, others: list[int]) -> np.ndarray:
        """Return the similarity of article a to each of others."""
        return self.m[self.pos[a], [self.pos[o] for o in others]]


def _tag_matrix(articles: list[Article]) -> sparse.csr_matrix:
    """Return a binary article × tag matrix (the category is not counted as a tag)."""
    vocab: dict[str, int] = {}
    rows, cols = [], []
    for r, a in enumerate(articles):
        for t in {t.lower() for t in a.tags} - {(a.category or "").lower()}:
            rows.append(r)
            cols.append(vocab.setdefault(t, len(vocab)))
    return sparse.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)),
                             shape=(len(articles), max(1, len(vocab))))


def _neighbours(vectors: np.ndarray, k: int,
                rows: list[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Return each row's (or only rows') k nearest rows by inner product: (sims, ids)."""
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    queries = vectors if rows is None else vectors[rows]
    return index.search(np.ascontiguousarray(queries, dtype=np.float32), k)


def _unit(m: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    return np.ascontiguousarray(m / np.where(norms > 0, norms, 1.0), dtype=np.float32)


def _mmr(cand: dict[int, float], block: _Block, row: list[tuple[int, float, int]],
         dup_of: dict[int, set[int]], settings: Settings) -> list[int]:
    """Pick candidates by maximal marginal relevance; past related_depth, by plain score."""
    taken = {j for j, _, _ in row}
    pool = [j for j in sorted(cand, key=lambda j: -cand[j]) if j not in taken]
    redundancy = np.zeros(len(pool), np.float32)
    for j in taken:  # pinned posts count as already shown
        redundancy = np.maximum(redundancy, block.row(j, pool)) if pool else redundancy
    picked: list[int] = []
    lam = settings.related_mmr_lambda
    while pool and len(picked) < settings.related_depth:
        relevance = np.array([cand[c] for c in pool], np.float32)
        best = int(np.argmax(lam * relevance - (1 - lam) * redundancy))
        pick = pool.pop(best)
        redundancy = np.delete(redundancy, best)
        if dup_of.get(pick, set()) & taken:
            continue
        taken.add(pick)
        picked.append(pick)
        if pool:
            redundancy = np.maximum(redundancy, block.row(pick, pool))
    return picked + [j for j in pool if not dup_of.get(j, set()) & taken]


def _fallback(recent: list[int], banned: set[int], row: list[tuple[int, float, int]],
              dup_of: dict[int, set[int]], depth: int) -> list[tuple[int, float, int]]:
    """Fill the list up to depth with the most recent posts, flagged as fallback."""
    taken = {j for j, _, _ in row}
    out: list[tuple[int, float, int]] = []
    for j in recent:
        if len(row) + len(out) >= depth:
            break
        if j not in banned and j not in taken and not dup_of.get(j, set()) & taken:
            out.append((j, 0.0, FALLBACK))
            taken.add(j)
    return out


def _decay(articles: list[Article], half_life_days: float, today: date) -> np.ndarray:
    """Return a recency weight per article: 0.5 ** (age / half-life), or 1 when disabled."""
    weights = np.ones(len(articles), dtype=np.float32)
    if half_life_days <= 0:
        return weights
    for i, a in enumerate(articles):
        try:
            age = (today - date.fromisoformat(a.date)).days if a.date else 0
        except ValueError:
            age = 0
        weights[i] = 0.5 ** (max(age, 0) / half_life_days)
    return weights
